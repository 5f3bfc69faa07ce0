"""Art. 10 生效时间 (issue 12 point 8): the measures are in force from the time the document
states, not from the decision date. Every read that says when a measure applies uses it and
shows it: case show, cadre history, the annual report, Art. 13's year. No period of the
Measures starts from it (Art. 11 runs from the decision, Art. 12 from receipt)."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from scenarios import CASE, PERSON, D, bring_to_hearing, document, open_case

from cli.main import cli
from ledger.application import LedgerApplication, today
from ledger.domain.periods import period_end
from projections.api import Projections

DECIDED, EFFECTIVE = D(2024, 12, 20), D(2025, 1, 2)


def decided_with_effect(app: LedgerApplication, decided: dt.date, effective: dt.date) -> None:
    open_case(app, incident=decided - dt.timedelta(days=60), opened_on=decided - dt.timedelta(30))
    bring_to_hearing(app, assigned_on=decided - dt.timedelta(20),
                     heard_on=decided - dt.timedelta(10))  # fmt: skip
    app.decide(CASE, PERSON, "P001", document(decided, effective_date=effective))


def test_art_10_measures_are_not_in_force_before_the_stated_time(app: LedgerApplication) -> None:
    decided, effective = today() - dt.timedelta(days=2), today() + dt.timedelta(days=30)
    decided_with_effect(app, decided, effective)
    (party,) = Projections(app).case_state(CASE).parties
    assert party.decision is not None
    assert party.decision.in_force_from == effective
    assert [m.label for m in party.decision.measures] == ["诫勉谈话"]
    assert party.measures_in_force == ()
    history = Projections(app).cadre_history("P001")
    assert history.entries[0].measures_in_force == ()
    shown = CliRunner().invoke(cli, ["--db", app.store.url, "case", "show", CASE])
    assert shown.exit_code == 0, shown.output
    assert f"not yet in force: the measures apply from {effective} (Art. 10)" in shown.stdout


def test_art_10_case_show_and_cadre_history_state_the_time_the_measures_apply_from(
    app: LedgerApplication,
) -> None:
    decided_with_effect(app, DECIDED, EFFECTIVE)
    (party,) = Projections(app).case_state(CASE).parties
    assert [m.label for m in party.measures_in_force] == ["诫勉谈话"]
    db = ["--db", app.store.url]
    shown = CliRunner().invoke(cli, [*db, "case", "show", CASE]).stdout
    assert "in force from 2025-01-02 (生效时间, Art. 10)" in shown
    history = CliRunner().invoke(cli, [*db, "cadre", "history", "P001"]).stdout
    assert "长纪决〔2024〕7号 2024-12-20, in force from 2025-01-02" in history


def test_art_10_the_annual_report_counts_measures_in_the_year_they_took_effect(
    app: LedgerApplication,
) -> None:
    decided_with_effect(app, DECIDED, EFFECTIVE)
    p = Projections(app)
    in_2024, in_2025 = p.annual_report(2024), p.annual_report(2025)
    assert in_2024.decisions_issued == 1 and in_2024.measures_by_kind == ()
    assert [(c.code, c.count) for c in in_2025.measures_by_kind] == [("admonition_talk", 1)]
    assert p.cadre_history("P001", 2024).accountable_in_year is False
    assert p.cadre_history("P001", 2025).accountable_in_year is True


def test_art_10_no_period_starts_from_the_effective_time(app: LedgerApplication) -> None:
    """Art. 11 "作出后，应当在30日内…宣布" runs from the decision, whatever its 生效时间."""
    decided_with_effect(app, DECIDED, EFFECTIVE)
    (party,) = Projections(app).case_state(CASE).parties
    assert party.decision is not None
    assert party.decision.announce_due == period_end(DECIDED, 30)
