"""Art. 4: the rules of a case's grounds: items (一)…(十六) cited once, (十六) naming its
regulation, and the results (后果) each ground requires, recorded per ground (or, for older
ledgers, one consequence for the case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ledger.domain.regulation import (
    GROUNDS,
    OTHER_REGULATION_GROUND,
    Consequence,
    ResultElement,
)
from ledger.errors import (
    InvalidInputError,
    RuleViolationError,
)
from ledger.i18n import _


def check_grounds(grounds: Sequence[int], other_regulation: str) -> None:
    """Art. 4: grounds are items (一)…(十六), each cited once; (十六) names its regulation."""
    if not grounds:
        raise RuleViolationError(
            "Art. 4", _("ground required"), _("a case must cite at least one ground")
        )
    for number in grounds:
        if number not in GROUNDS:
            raise RuleViolationError(
                "Art. 4",
                _("unknown ground"),
                _("ground {number} is not one of Art. 4 items (一)…(十六) (1–16)").format(
                    number=number
                ),
            )
    if len(set(grounds)) != len(grounds):
        raise InvalidInputError(_("a ground is cited twice"))
    if OTHER_REGULATION_GROUND in grounds and not other_regulation.strip():
        raise RuleViolationError(
            "Art. 4",
            _("(十六) names its regulation"),
            _(
                "ground (十六) 依照有关规定应当追究责任的其他情形 must name the other regulation "
                "relied on"
            ),
        )


#: What an ``Opened`` event records per ground: {"11": ["conflict_intensified", …], …}
Results = Mapping[str, Sequence[str]]


def results_by_ground(
    grounds: Sequence[int],
    results: Mapping[int, Sequence[ResultElement]] | Sequence[ResultElement],
) -> dict[str, list[str]]:
    """The results to record, per cited ground (Art. 4). Given per ground, they are kept as
    given; given as a plain list, each element goes to every cited ground that names it, and
    an element that no cited ground names is refused."""
    if isinstance(results, Mapping):
        by_ground = {g: list(dict.fromkeys(results.get(g, ()))) for g in grounds}
        stray = [g for g in results if g not in grounds]
        if stray:
            raise InvalidInputError(
                _("results are given for ground {ground}, which the case does not cite").format(
                    ground=stray[0]
                )
            )
    else:
        by_ground = {
            g: [r for r in dict.fromkeys(results) if g in GROUNDS and r in GROUNDS[g].names]
            for g in grounds
        }
        unused = [r for r in results if not any(r in rs for rs in by_ground.values())]
        if unused and all(g in GROUNDS for g in grounds):
            cited = "、".join(GROUNDS[g].label for g in grounds)
            raise RuleViolationError(
                "Art. 4",
                _("result named by a cited ground"),
                _("no cited ground {cited} names the result {label} ({code})").format(
                    cited=cited, label=unused[0].label, code=unused[0].value
                ),
            )
    order = list(ResultElement)
    return {str(g): [r.value for r in sorted(rs, key=order.index)] for g, rs in by_ground.items()}


def check_results(grounds: Sequence[int], results: Results) -> None:
    """Art. 4: each cited ground records the results its item names ("导致矛盾激化，造成不良影响
    或者严重后果": both; "A或者B": one of them), and none that it does not name."""
    if not isinstance(results, Mapping) or set(results) != {str(g) for g in grounds}:
        raise InvalidInputError(_("the results are recorded for each cited ground, and only those"))
    for number in grounds:
        ground, recorded = GROUNDS[number], results[str(number)]
        known = {r.value for r in ResultElement}
        unknown = [r for r in recorded if r not in known]
        if unknown:
            raise InvalidInputError(
                _("{value} is not an Art. 4 result element").format(value=unknown[0])
            )
        elements = {ResultElement(r) for r in recorded}
        foreign = sorted(elements - ground.names, key=list(ResultElement).index)
        if foreign:
            raise RuleViolationError(
                "Art. 4",
                _("item {item} result element").format(item=ground.label),
                _("ground {item} does not name the result {label} ({code}): {wording}").format(
                    item=ground.label,
                    label=foreign[0].label,
                    code=foreign[0].value,
                    wording=ground.label + ground.wording,
                ),
            )
        for choice in ground.results:
            if not elements & choice:
                ordered = sorted(choice, key=list(ResultElement).index)
                needed = "或者".join(r.label for r in ordered)
                codes = _(" or ").join(f"{number}:{r.value}" for r in ordered)
                raise RuleViolationError(
                    "Art. 4",
                    _("item {item} result element required").format(item=ground.label),
                    _(
                        "ground {wording} applies only where the situation {needed}; no such "
                        "result is recorded for it"
                    ).format(wording=ground.label + ground.wording, needed=needed),
                    _("Record it with --result {codes}.").format(codes=codes),
                )


def check_consequence(grounds: Sequence[int], consequence: Consequence) -> None:
    """Art. 4 as it was checked when a case recorded one consequence (old ledgers): each
    cited ground needs the least harm it names."""
    order = [Consequence.NONE, Consequence.ADVERSE_IMPACT, Consequence.SERIOUS]
    for number in grounds:
        ground = GROUNDS[number]
        if order.index(consequence) < order.index(ground.requires):
            serious = ground.requires is Consequence.SERIOUS
            needed = "严重后果" if serious else "不良影响或者严重后果"
            raise RuleViolationError(
                "Art. 4",
                _("consequence required"),
                _(
                    "ground {label} applies only where the situation caused {needed}; the "
                    "case records {label2}"
                ).format(label=ground.label, needed=needed, label2=consequence.label),
            )
