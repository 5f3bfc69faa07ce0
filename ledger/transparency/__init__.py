"""The transparency log: the RFC 9162 Merkle tree (``merkle``), the C2SP checkpoint and signed
note format (``checkpoint``) and the service that makes, stores and cosigns checkpoints
(``checkpoints``)."""
