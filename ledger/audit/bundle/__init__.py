"""Offline audit bundles: the whole ledger in one file, verified with no database or network.

Format ``lifeledger-bundle`` version 1, JSON lines (UTF-8, one object a line, ``kind`` first)::

    {"kind":"header","format":"lifeledger-bundle","version":1,"origin":...,"root_fingerprint":...}
    {"kind":"checkpoint","tree_size":N,"root":b64,"note":"<C2SP signed note>","created_at":...}
    {"kind":"cosignature","tree_size":N,"vkey":"<C2SP vkey>","line":"<signature line>",...}
    {"kind":"leaf","index":i,"notification_id":n,"hash":b64}                 the stored leaf table
    {"kind":"consistency","old_size":a,"new_size":b,"proof":[b64,...]}    RFC 9162 §2.1.4
    {"kind":"event","position":i,"notification_id":n,"originator_id":uuid,"version":v,
     "topic":t,"state":b64}                 the exact stored state: envelope, signature, payload
    {"kind":"end","events":E,"leaves":L,"checkpoints":C,"cosignatures":K}

The key registry travels as its own signed events. :func:`verify_bundle` runs the same
:class:`ledger.audit.verify.Verifier` as ``lifeledger verify`` over the file, so an edited
bundle fails exactly as an edited database does; the pinned root fingerprint is what makes
it trustworthy. format.py holds the lines, export.py writes a bundle, reader.py reads and
verifies one.
"""

from ledger.audit.bundle.export import ExportSummary, export_bundle
from ledger.audit.bundle.format import BUNDLE_FORMAT, BUNDLE_VERSION
from ledger.audit.bundle.reader import BundleSource, verify_bundle

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "BundleSource",
    "ExportSummary",
    "export_bundle",
    "verify_bundle",
]
