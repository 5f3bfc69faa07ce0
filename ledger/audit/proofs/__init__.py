"""Proofs that stand on their own: a person's (or a case's) events with RFC 9162 inclusion proofs.

An organisation department that holds a personnel file (人事档案, Art. 11) can check one entry
without the ledger: the proof document carries the events of every case the person is a party
to, the person's cadre record, the whole key registry (to judge each signer at its position),
each with its exact stored bytes and an inclusion proof (RFC 9162 §2.1.3) against one signed
checkpoint (C2SP tlog-checkpoint) and the checkpoint's cosignatures.

Format ``lifeledger-proof`` version 2, one JSON document (version 1 documents still verify).
What it proves: each included event is authentic, signed by a key valid and authorised at its
position, and sits at that position of the log the checkpoint commits to. A cadre proof (version
2) also carries ``completeness``: the person's path in the person index whose root the signed
checkpoint carries (:mod:`ledger.transparency.person_map`), with the committed count and chain
value. The verifier refolds the chain over the included events that name the person: an omitted,
added or reordered event, or an altered path, fails. A person no event names gets an absence
path: "no accountability on record as of checkpoint N".

document.py holds the format and the events it carries, export.py writes a document,
verifier.py verifies one and completeness.py checks a person's record complete.
"""

from ledger.audit.proofs.document import PROOF_FORMAT, PROOF_VERSION
from ledger.audit.proofs.export import (
    export_cadre_proof,
    export_case_proof,
    export_records_proof,
)
from ledger.audit.proofs.verifier import ProofReport, verify_proof

__all__ = [
    "PROOF_FORMAT",
    "PROOF_VERSION",
    "ProofReport",
    "export_cadre_proof",
    "export_case_proof",
    "export_records_proof",
    "verify_proof",
]
