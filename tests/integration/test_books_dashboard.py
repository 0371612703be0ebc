"""The compliance dashboard: every rule fires, names the record to open, and clears when the
clinician does what the rule asks."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.domain.enums import NoteType, VisitStatus
from core.services import dashboard, episodes, notes, signing
from core.services.dashboard import Dashboard, DashboardRow
from core.storage.chart import ChartSession
from tests.integration.test_books_world import (
    Base,
    make_base,
    make_visit,
    new_case,
    save_visits,
)

TODAY = dt.date(2026, 3, 16)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def board(chart: ChartSession, today: dt.date = TODAY) -> Dashboard:
    return dashboard.compliance_dashboard(chart, today=today)


def only(rows: list[DashboardRow], episode_id: uuid.UUID | None = None) -> DashboardRow:
    picked = [r for r in rows if episode_id is None or r.episode_id == episode_id]
    assert len(picked) == 1, picked
    return picked[0]


@pytest.fixture
def base(chart: ChartSession) -> Base:
    return make_base(chart, fees_from=dt.date(2025, 1, 1))


def test_empty_chart_has_an_empty_dashboard(base: Base) -> None:
    got = board(base.chart)
    assert got.rows == () and set(got.counts().values()) == {0}


def test_unsigned_notes_by_age_and_signing_clears(base: Base) -> None:
    case = new_case(base, "Ula", "Marsh", start=days_ago(30))
    old = make_visit(case, days_ago(8), signed=False)
    mid = make_visit(case, days_ago(3), signed=False)
    new = make_visit(case, days_ago(1), signed=False)
    future = make_visit(case, TODAY + dt.timedelta(days=2), signed=False)
    save_visits(base.chart, [old, mid, new, future])
    rows = board(base.chart).of("note_unsigned")
    assert [(r.severity, r.age_days, r.detail) for r in rows] == [
        ("urgent", 8, "7-13 days"), ("due", 3, "2-6 days"), ("soon", 1, "0-1 days")]
    first = rows[0]
    assert (first.target_kind, first.target_id, first.note_id) == ("note", old[1].id, old[1].id)
    assert first.patient_name == "Marsh, Ula" and first.patient_ref.startswith("UM-")
    assert "8 days ago" in first.message and "Marsh" not in first.message
    signing.sign_note(base.chart, old[1].id, signer_id=base.pt.id, today=TODAY)
    assert [r.age_days for r in board(base.chart).of("note_unsigned")] == [3, 1]


def test_progress_report_overdue_then_cleared_by_a_report(base: Base) -> None:
    case = new_case(base, "Vera", "Nightingale", payer="medicare", start=days_ago(40),
                    cert_start=days_ago(40), certified_on=days_ago(38))
    items = [make_visit(case, days_ago(40), kind=NoteType.EVALUATION)]
    items += [make_visit(case, days_ago(37 - 3 * i), exercises=(("Squat", 10 + i),))
              for i in range(8)]
    save_visits(base.chart, items)  # 9 treatment days: the next visit is day 10
    row = only(board(base.chart).of("progress_report_due"))
    assert (row.target_kind, row.target_id, row.severity) == ("episode", case.episode.id, "due")
    more = [make_visit(case, days_ago(12 - 3 * i), exercises=(("Squat", 30 + i),))
            for i in range(2)]
    save_visits(base.chart, more)  # 11 treatment days, no report
    row = only(board(base.chart).of("progress_report_overdue"))
    assert row.severity == "urgent" and "overdue" in row.message
    save_visits(base.chart, [make_visit(case, days_ago(2), kind=NoteType.PROGRESS_REPORT)])
    got = board(base.chart)
    assert not [r for r in got.rows if r.rule.startswith("progress_report")]


def test_plan_of_care_expiring_expired_and_cleared(base: Base) -> None:
    soon = new_case(base, "Wes", "Okonkwo", start=days_ago(60), cert_start=days_ago(60),
                    cert_end=TODAY + dt.timedelta(days=3))
    late = new_case(base, "Xia", "Pemberton", start=days_ago(90), cert_start=days_ago(90),
                    cert_end=days_ago(1))
    got = board(base.chart)
    expiring = only(got.of("plan_of_care_expiring"))
    expired = only(got.of("plan_of_care_expired"))
    assert (expiring.episode_id, expiring.severity) == (soon.episode.id, "due")
    assert (expired.episode_id, expired.severity, expired.target_kind) == (
        late.episode.id, "urgent", "episode")
    episodes.update_episode(base.chart, soon.episode.id, cert_end=TODAY + dt.timedelta(days=60))
    episodes.update_episode(base.chart, late.episode.id, discharged_on=TODAY)
    got = board(base.chart)
    assert not got.of("plan_of_care_expiring") and not got.of("plan_of_care_expired")


def test_plan_of_care_unsigned_past_30_days_and_cleared(base: Base) -> None:
    late = new_case(base, "Yusuf", "Quintero", payer="medicare", start=days_ago(40),
                    cert_start=days_ago(40))
    near = new_case(base, "Zora", "Ravensworth", payer="medicare", start=days_ago(25),
                    cert_start=days_ago(25))
    new_case(base, "Abel", "Sutherland", start=days_ago(40), cert_start=days_ago(40))  # cash
    rows = board(base.chart).of("plan_of_care_unsigned")
    assert [(r.episode_id, r.severity) for r in rows] == [
        (late.episode.id, "urgent"), (near.episode.id, "due")]
    assert rows[0].date == days_ago(10) and "unsigned 40 days after" in rows[0].message
    episodes.update_episode(base.chart, late.episode.id, certified_on=days_ago(5))
    assert [r.episode_id for r in board(base.chart).of("plan_of_care_unsigned")] == [
        near.episode.id]


def test_kx_threshold_approaching_then_over_then_cleared(base: Base) -> None:
    case = new_case(base, "Bram", "Tolliver", payer="medicare", start=dt.date(2026, 1, 5),
                    cert_start=dt.date(2026, 1, 5), certified_on=dt.date(2026, 1, 6))
    day0 = dt.date(2026, 1, 5)
    items = [make_visit(case, day0, kind=NoteType.EVALUATION)]  # $150
    items += [make_visit(case, day0 + dt.timedelta(days=4 * (i + 1)), kind=NoteType.DAILY
                         if i % 9 != 8 else NoteType.PROGRESS_REPORT,
                         exercises=(("Bridge", 5 + i),)) for i in range(10)]  # 10 × $190
    save_visits(base.chart, items)  # $2,050: below 90% of $2,480
    assert not board(base.chart).of("kx_threshold")
    save_visits(base.chart, [make_visit(case, day0 + dt.timedelta(days=44),
                                        exercises=(("Bridge", 40),))])  # $2,240 ≥ $2,232
    row = only(board(base.chart).of("kx_threshold"))
    assert (row.severity, row.target_kind, row.target_id, row.detail) == (
        "due", "episode", case.episode.id, "PT+SLP")
    assert "Approaching the KX threshold: $2,240.00 of $2,480.00" in row.message
    save_visits(base.chart, [make_visit(case, day0 + dt.timedelta(days=48 + i),
                                        exercises=(("Bridge", 50 + i),)) for i in range(2)])
    row = only(board(base.chart).of("kx_threshold"))
    assert row.message.startswith("Over the KX threshold: $2,620.00 of $2,480.00")
    episodes.update_episode(base.chart, case.episode.id, discharged_on=TODAY)
    assert not board(base.chart).of("kx_threshold")


def test_authorized_visit_cap_and_cleared(base: Base) -> None:
    case = new_case(base, "Cleo", "Umberfield", start=days_ago(30), authorized_visits=6)
    held = [make_visit(case, days_ago(28 - 4 * i), exercises=(("Row", 10 + i),))
            for i in range(4)]
    save_visits(base.chart, held)
    row = only(board(base.chart).of("visit_cap"))
    assert (row.severity, row.detail, row.target_id) == ("due", "4/6", case.episode.id)
    assert "2 left" in row.message
    booked = [make_visit(case, TODAY + dt.timedelta(days=d), status=VisitStatus.SCHEDULED,
                         signed=False) for d in (2, 5, 9)]
    save_visits(base.chart, booked)
    assert "3 scheduled visits go past it" in only(board(base.chart).of("visit_cap")).message
    save_visits(base.chart, [make_visit(case, days_ago(2 - i), exercises=(("Row", 30 + i),))
                             for i in range(2)])
    row = only(board(base.chart).of("visit_cap"))
    assert row.severity == "urgent" and "exhausted" in row.message
    episodes.update_episode(base.chart, case.episode.id, authorized_visits=20)
    assert not board(base.chart).of("visit_cap")


def test_identical_97110_parameters_and_acknowledgement_clears(base: Base) -> None:
    case = new_case(base, "Dov", "Vantongeren", start=days_ago(20))
    same = (("Leg press", 40), ("Step-ups", 0))
    items = [make_visit(case, days_ago(d), exercises=same, text=f"Day {d} report.")
             for d in (12, 8)]
    latest = make_visit(case, days_ago(4), exercises=same, signed=False, text="Fresh words.")
    save_visits(base.chart, [*items, latest])
    row = only(board(base.chart).of("identical_note"))
    assert (row.detail, row.target_kind, row.target_id) == (
        "form.97110.no_progression", "note", latest[1].id)
    notes.acknowledge_warning(base.chart, latest[1].id, "form.97110.no_progression",
                              "Load held: flare-up this week, documented in A.")
    assert not board(base.chart).of("identical_note")


def test_identical_text_fires_and_editing_clears(base: Base) -> None:
    case = new_case(base, "Elke", "Westmacott", start=days_ago(20))
    text = "Patient reports knee pain 3/10 after stairs; tolerating home program well."
    first = make_visit(case, days_ago(8), exercises=(("Squat", 10),), text=text)
    second = make_visit(case, days_ago(4), exercises=(("Squat", 15),), text=text,
                        signed=False)
    save_visits(base.chart, [first, second])
    row = only(board(base.chart).of("identical_note"))
    assert (row.detail, row.target_id) == ("note.identical_text", second[1].id)
    assert "word for word" in row.message
    notes.edit_section(base.chart, second[1].id, "subjective", "Pain 2/10; climbed 14 stairs.")
    assert not board(base.chart).of("identical_note")


def test_each_row_opens_what_it_names(base: Base) -> None:
    case = new_case(base, "Fern", "Xavier-Lowe", payer="medicare", start=days_ago(45),
                    cert_start=days_ago(45), authorized_visits=3)
    save_visits(base.chart, [make_visit(case, days_ago(d), signed=d > 10,
                                        exercises=(("Lunge", d),)) for d in (44, 20, 9)])
    got = board(base.chart)
    assert {r.rule for r in got.rows} >= {"note_unsigned", "plan_of_care_unsigned", "visit_cap"}
    with base.chart.uow() as uow:
        for r in got.rows:
            if r.target_kind == "note":
                assert uow.notes.get(r.target_id).id == r.note_id
            elif r.target_kind == "episode":
                assert uow.episodes.get(r.target_id).patient_id == r.patient_id
            else:
                assert uow.patients.get(r.target_id)
    order = [dashboard.SEVERITY_ORDER[r.severity] for r in got.rows]
    assert order == sorted(order)
