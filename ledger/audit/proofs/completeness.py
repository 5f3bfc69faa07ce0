"""The completeness of a person's record in a proof document (Art. 8: one lifetime record):
the person's chain refolded over the included events that name them, checked with its map path
against the person-index root the signed checkpoint carries."""

from __future__ import annotations

from typing import Any

from ledger.audit.proofs.document import ProvenEvent
from ledger.audit.verify import (
    Check,
)
from ledger.audit.verify.audit import Audit
from ledger.domain import ids
from ledger.errors import ProofError
from ledger.i18n import _
from ledger.transparency.checkpoint import Checkpoint
from ledger.transparency.person_index import CADRE, map_root_of, persons_named
from ledger.transparency.person_map import ChainState, MapProof, key_of, value_hash


def check_completeness(
    audit: Audit,
    section: Any,
    subject: dict[str, Any],
    cp: Checkpoint | None,
    leaves: list[tuple[int, ProvenEvent, bytes]],
) -> str | None:
    """Refold the person's chain over the included events that name them and check it, with
    the map path, against the person-index root the signed checkpoint carries. Returns what
    was proven ("complete as of checkpoint N ..."), or None after recording the failure."""
    try:
        personnel_no = str(section["personnel_no"])
        count = int(section["count"])
        chain = bytes.fromhex(section["chain"])
        path = MapProof.from_dict(section["map_proof"])
    except (KeyError, TypeError, ValueError, ProofError) as e:
        audit.fail(
            Check.INDEX, _("the completeness section is missing or malformed: {e}").format(e=e)
        )
        return None
    if personnel_no != subject.get("personnel_no"):
        audit.fail(
            Check.INDEX,
            _("the completeness section is about {personnel_no}, not the subject {get}").format(
                personnel_no=personnel_no, get=subject.get("personnel_no")
            ),
        )
        return None
    if cp is None:
        return None  # the checkpoint itself failed: recorded by check_note
    size = cp.size
    try:
        root = map_root_of(cp)
    except ProofError as e:
        audit.fail(Check.INDEX, str(e), tree_size=size)
        return None
    if root is None:
        audit.fail(
            Check.INDEX,
            _("checkpoint {size} carries no person index").format(size=size),
            tree_size=size,
        )
        return None
    key = key_of(personnel_no)
    claimed = value_hash(personnel_no, count, chain) if count else None
    try:
        if path.root_for(key, claimed) != root:
            raise ProofError(_("it leads to another root"))
    except ProofError as e:
        audit.fail(
            Check.INDEX,
            _(
                "the person-index path of {personnel_no} does not lead to the root "
                "signed in checkpoint {size} ({e}): the map path or the committed count "
                "was altered"
            ).format(personnel_no=personnel_no, size=size, e=e),
            tree_size=size,
        )
        return None
    cadre = ids.cadre_id(personnel_no)
    state = ChainState(personnel_no)
    cases = 0
    for position, ev, leaf in leaves:
        named = persons_named(
            ev.topic, ev.originator_id, ev.state, lambda o: personnel_no if o == cadre else None
        )
        if personnel_no in named:
            state = state.then(position, leaf)
            cases += not ev.topic.startswith(CADRE)
    if (state.count, state.chain) != (count, chain):
        if state.count < count:
            what = _("{n} event(s) naming {personnel_no} were omitted").format(
                n=count - state.count, personnel_no=personnel_no
            )
        elif state.count > count:
            what = _("{n} event(s) naming {personnel_no} were added").format(
                n=state.count - count, personnel_no=personnel_no
            )
        else:
            what = _("an event naming the person was replaced, moved or reordered")
        audit.fail(
            Check.INDEX,
            _(
                "the document holds {count} events naming {personnel_no}, the person "
                "index signed in checkpoint {size} commits {count2}: {what}"
            ).format(
                count=state.count, personnel_no=personnel_no, size=size, count2=count, what=what
            ),
            tree_size=size,
        )
        return None
    if cases == 0:
        return _("no accountability on record as of checkpoint {size}").format(size=size)
    return _(
        "complete as of checkpoint {size}: {count} events name {personnel_no} ({cases} in cases)"
    ).format(size=size, count=state.count, personnel_no=personnel_no, cases=cases)
