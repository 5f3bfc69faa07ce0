"""The auditor's tools: full verification of a store (``verify``), per-cadre and per-case proofs
(``proofs``) and offline bundles (``bundle``)."""
