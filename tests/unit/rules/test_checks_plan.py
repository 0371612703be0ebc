"""check_note: progress reports, certification, claim modifiers, KX; acknowledgements, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from core.domain.enums import Discipline, NoteStatus, NoteType, VisitStatus
from core.domain.practice import Clinician, PayerProfile
from core.domain.visit import Note, Visit
from core.rules.checks import audit_notes, check_note
from core.rules.context import NoteContext
from core.rules.findings import CATALOG, Finding, Severity, blocking, needing_attention
from core.rules.modifiers import modifiers_for

if TYPE_CHECKING:
    from rules_fixtures import Chart

DAY = dt.date(2025, 3, 10)


def found(findings: list[Finding], fid: str) -> list[Finding]:
    assert fid in CATALOG
    return [f for f in findings if f.id == fid]


def simple(chart: Chart, day: dt.date = DAY, note_type: NoteType = NoteType.DAILY,
           ) -> tuple[Note, Visit]:
    visit = chart.visit(day)
    return chart.note(visit, [chart.block("97110", "09:00", "09:30")], note_type=note_type), visit


def treatment_days(chart: Chart, first_type: NoteType, count: int) -> dt.date:
    """Eval/PR on DAY-40, then ``count - 1`` further prior daily visits; returns next date."""
    day = DAY - dt.timedelta(40)
    note, visit = simple(chart, day, first_type)
    note.status = NoteStatus.SIGNED  # only signed reports and evaluations anchor a period
    chart.add_prior(note, visit)
    for _ in range(count - 1):
        day += dt.timedelta(2)
        note, visit = simple(chart, day)
        chart.add_prior(note, visit)
    return day + dt.timedelta(2)


def test_an_unsigned_progress_report_does_not_reset_the_count(chart: Chart) -> None:
    day = treatment_days(chart, NoteType.EVALUATION, 6)
    draft, draft_visit = simple(chart, day, NoteType.PROGRESS_REPORT)  # never signed
    chart.add_prior(draft, draft_visit)
    for _ in range(4):
        day += dt.timedelta(2)
        note, visit = simple(chart, day)
        chart.add_prior(note, visit)
    note, visit = simple(chart, day + dt.timedelta(2))
    ids = {f.id for f in check_note(note, chart.ctx(visit, payer="medicare"))}
    assert "plan.progress_report_overdue" in ids  # day 12 since the evaluation
    draft.status = NoteStatus.SIGNED
    ids = {f.id for f in check_note(note, chart.ctx(visit, payer="medicare"))}
    assert not {i for i in ids if i.startswith("plan.progress")}


def test_a_discharge_summary_is_the_final_progress_report(chart: Chart) -> None:
    day = treatment_days(chart, NoteType.EVALUATION, 12)
    note, visit = simple(chart, day, NoteType.DISCHARGE)
    assert not [f for f in check_note(note, chart.ctx(visit, payer="medicare"))
                if f.id.startswith("plan.progress")]


# -- progress report ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("prior_days", "expected"),
    [(6, None), (7, "plan.progress_report_upcoming"), (8, "plan.progress_report_upcoming"),
     (9, "plan.progress_report_due"), (10, "plan.progress_report_overdue")],
)
def test_progress_report_after_evaluation(chart: Chart, prior_days: int,
                                          expected: str | None) -> None:
    # the evaluation day is day 1, so with N prior days this visit is day N + 1
    day = treatment_days(chart, NoteType.EVALUATION, prior_days)
    note, visit = simple(chart, day)
    findings = [f.id for f in check_note(note, chart.ctx(visit, payer="medicare"))
                if f.id.startswith("plan.progress")]
    assert findings == ([expected] if expected else [])


def test_progress_report_period_restarts_after_a_report(chart: Chart) -> None:
    day = treatment_days(chart, NoteType.PROGRESS_REPORT, 10)  # PR day + 9 visits after it
    note, visit = simple(chart, day)
    (f,) = [f for f in check_note(note, chart.ctx(visit, payer="medicare"))
            if f.id.startswith("plan.progress")]
    assert f.id == "plan.progress_report_due" and "day 10" in f.message


def test_progress_report_not_counted_for_cancelled_visits_or_other_payers(chart: Chart) -> None:
    day = treatment_days(chart, NoteType.EVALUATION, 10)
    for prior in chart.history[1:4]:
        prior.visit.status = VisitStatus.CANCELLED
    note, visit = simple(chart, day)
    assert not found(check_note(note, chart.ctx(visit, payer="medicare")),
                     "plan.progress_report_overdue")
    assert not [f for f in check_note(note, chart.ctx(visit, payer="commercial"))
                if f.id.startswith("plan.progress")]


def test_a_progress_report_note_satisfies_the_rule(chart: Chart) -> None:
    day = treatment_days(chart, NoteType.EVALUATION, 12)
    note, visit = simple(chart, day, NoteType.PROGRESS_REPORT)
    assert not [f for f in check_note(note, chart.ctx(visit, payer="medicare"))
                if f.id.startswith("plan.progress")]


# -- certification ------------------------------------------------------------------------------
def test_cert_expired_after_cert_end(chart: Chart) -> None:
    chart.episode.cert_start, chart.episode.cert_end = DAY - dt.timedelta(60), DAY - dt.timedelta(1)
    note, visit = simple(chart)
    (f,) = found(check_note(note, chart.ctx(visit, payer="medicare")), "plan.cert_expired")
    assert f.field == "episode.cert_end"
    chart.episode.cert_end = DAY
    assert not found(check_note(note, chart.ctx(visit, payer="medicare")), "plan.cert_expired")


def test_cert_expires_90_days_after_start_even_if_plan_is_longer(chart: Chart) -> None:
    chart.episode.cert_start = DAY - dt.timedelta(90)
    chart.episode.cert_end = DAY + dt.timedelta(30)
    note, visit = simple(chart)
    assert found(check_note(note, chart.ctx(visit, payer="medicare")), "plan.cert_expired")
    chart.episode.cert_start = DAY - dt.timedelta(89)
    assert not found(check_note(note, chart.ctx(visit, payer="medicare")), "plan.cert_expired")


def test_cert_unsigned_pending_and_late(chart: Chart) -> None:
    chart.episode.cert_start = DAY - dt.timedelta(20)
    chart.episode.certified_on = None
    note, visit = simple(chart)
    medicare = {"payer": "medicare"}
    assert found(check_note(note, chart.ctx(visit, **medicare)), "plan.cert_pending")
    late = chart.ctx(visit, today=DAY + dt.timedelta(11), **medicare)
    (f,) = found(check_note(note, late), "plan.cert_unsigned")
    assert f.severity is Severity.WARN and "2025-03-20" in f.message
    chart.episode.certified_on = DAY + dt.timedelta(12)
    assert found(check_note(note, chart.ctx(visit, **medicare)), "plan.cert_late")
    chart.episode.certified_on = DAY
    ids = [f.id for f in check_note(note, chart.ctx(visit, **medicare))]
    assert not {"plan.cert_late", "plan.cert_unsigned", "plan.cert_pending"} & set(ids)
    assert not [i for i in (f.id for f in check_note(note, chart.ctx(visit)))
                if i.startswith("plan.cert")]


# -- claim modifiers ----------------------------------------------------------------------------
def test_discipline_modifier_info_and_modifiers(chart: Chart) -> None:
    note, visit = simple(chart)
    (f,) = found(check_note(note, chart.ctx(visit, payer="medicare")), "claim.discipline_modifier")
    assert f.severity is Severity.INFO and "GP" in f.message
    assert modifiers_for(note, chart.ctx(visit, payer="medicare")) == {note.blocks[0].id: ("GP",)}
    assert modifiers_for(note, chart.ctx(visit, payer="cash")) == {note.blocks[0].id: ()}
    assert not found(check_note(note, chart.ctx(visit, payer="cash")), "claim.discipline_modifier")


def test_discipline_missing_blocks(chart: Chart) -> None:
    note, visit = simple(chart)
    chart.episode.discipline = None  # type: ignore[assignment]  # e.g. a half-loaded record
    ctx = chart.ctx(visit, payer="medicare")
    assert not found(check_note(note, ctx), "claim.discipline_missing")  # clinician's: PT
    assert modifiers_for(note, ctx)[note.blocks[0].id] == ("GP",)
    (f,) = found(check_note(note, chart.ctx(visit, payer="medicare", clinician=None)),
                 "claim.discipline_missing")
    assert f.severity is Severity.BLOCK


def test_clinician_discipline_mismatch(chart: Chart) -> None:
    note, visit = simple(chart)
    ot = Clinician("Oli", "Tran", Discipline.OT)
    assert found(check_note(note, chart.ctx(visit, clinician=ot)), "claim.discipline_mismatch")
    assert not found(check_note(note, chart.ctx(visit)), "claim.discipline_mismatch")


def test_assistant_modifier(chart: Chart) -> None:
    note, visit = simple(chart)
    pta = Clinician("Pat", "Ames", Discipline.PT, credentials="PTA", is_assistant=True)
    ctx = chart.ctx(visit, payer="medicare", clinician=pta)
    assert found(check_note(note, ctx), "claim.assistant_modifier")
    assert modifiers_for(note, ctx)[note.blocks[0].id] == ("CQ", "GP")
    assert not found(check_note(note, chart.ctx(visit, payer="medicare")),
                     "claim.assistant_modifier")


def test_domain_payer_profile_overrides_the_pack(chart: Chart) -> None:
    note, visit = simple(chart)
    profile = PayerProfile(name="Acme Health", key="acme", requires_discipline_modifier=False)
    ctx = chart.ctx(visit, payer=profile)
    assert ctx.payer_rules.name == "Acme Health" and ctx.payer_rules.key == "commercial"
    assert modifiers_for(note, ctx) == {note.blocks[0].id: ()}


# -- KX -----------------------------------------------------------------------------------------
def kx_ctx(chart: Chart, visit: Visit, **ytd: str) -> NoteContext:
    return chart.ctx(visit, payer="medicare",
                     ytd_allowed={k: Decimal(v) for k, v in ytd.items()},
                     fee_schedule={"97110": Decimal("30")})


def test_kx_near_applied_targeted_and_buckets(chart: Chart) -> None:
    note, visit = simple(chart)  # 30 min of 97110 → 2 units × $30 = $60
    near = check_note(note, kx_ctx(chart, visit, PT="2200"))
    assert found(near, "kx.near") and not found(near, "kx.applied")
    crossing = kx_ctx(chart, visit, PT="2300", SLP="60")  # PT+SLP: 2360 + 60 > 2410
    (f,) = found(check_note(note, crossing), "kx.applied")
    assert f.severity is Severity.WARN and "2,420.00 of $2,410.00" in f.message
    assert modifiers_for(note, crossing)[note.blocks[0].id] == ("GP", "KX")
    other_bucket = check_note(note, kx_ctx(chart, visit, OT="2400"))
    assert not [f for f in other_bucket if f.id.startswith("kx.")]
    review = check_note(note, kx_ctx(chart, visit, PT="3100"))
    assert found(review, "kx.targeted_review") and found(review, "kx.applied")
    assert not [f for f in check_note(note, chart.ctx(visit, payer="medicare"))
                if f.id.startswith("kx.")]  # YTD unknown: silent


def test_kx_threshold_unknown_year(chart: Chart) -> None:
    note, visit = simple(chart, dt.date(2031, 1, 6))
    chart.episode.start_date = dt.date(2031, 1, 1)
    findings = check_note(note, kx_ctx(chart, visit, PT="100"))
    assert found(findings, "kx.threshold_unknown")
    note, visit = simple(chart)
    assert not found(check_note(note, kx_ctx(chart, visit, PT="100")),
                     "kx.threshold_unknown")


# -- acknowledgements and audit -----------------------------------------------------------------
def test_acknowledged_warnings_and_unacknowledgeable_blocks(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20", goal_connection=""),
                              chart.block("97112", "09:20", "09:10")], total=None)
    note.acknowledge("note.total_time_missing", "Patient left early; time in plan")
    note.acknowledge("block.stop_before_start", "I want to sign anyway")
    note.acknowledge(f"block.missing_goal_connection@{note.blocks[0].id}", "Stated in plan")
    findings = check_note(note, chart.ctx(visit))
    (total,) = found(findings, "note.total_time_missing")
    assert total.acknowledged and total.ack_reason == "Patient left early; time in plan"
    (block,) = found(findings, "block.stop_before_start")
    assert not block.acknowledged and block in blocking(findings)
    (conn,) = found(findings, "block.missing_goal_connection")
    assert conn.acknowledged
    assert total not in needing_attention(findings) and block in needing_attention(findings)


def test_acknowledgement_by_key_covers_only_that_block(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20", goal_connection=""),
                              chart.block("97112", "09:20", "09:40", goal_connection="")])
    note.acknowledge(f"block.missing_goal_connection@{note.blocks[1].id}", "covered in A")
    flags = [f.acknowledged for f in check_note(note, chart.ctx(visit))
             if f.id == "block.missing_goal_connection"]
    assert flags == [False, True]


def test_audit_notes_checks_every_note(chart: Chart) -> None:
    items = []
    for i in range(3):
        note, visit = chart.typical(DAY + dt.timedelta(i))
        items.append((note, chart.ctx(visit)))
    result = audit_notes(items)
    assert list(result) == [n.id for n, _ in items]
    assert all(not blocking(fs) for fs in result.values())
