"""The transparency log: the RFC 9162 Merkle tree (``merkle``), the C2SP checkpoint and signed
note format (``checkpoint``), the service that makes, stores and cosigns checkpoints
(``checkpoints``), and the person index committed in every checkpoint (``person_map``,
``person_index``)."""
