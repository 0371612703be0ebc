"""The compliance dashboard's rules (core.rules.dashboard) on plain values: no chart."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest

from core.domain.enums import Discipline, NoteType, VisitStatus
from core.domain.episode import Episode
from core.domain.visit import Note, Visit
from core.rules import dashboard as d
from core.rules.packs import default_packs
from core.services.pricing import Payer

TODAY = dt.date(2026, 6, 15)
PACKS = default_packs()
ONE, TWO, THREE, FOUR = (uuid.UUID(int=n) for n in range(1, 5))


@dataclass(frozen=True)
class Row:
    date: dt.date
    status: VisitStatus = VisitStatus.COMPLETED
    note_id: uuid.UUID | None = None
    id: uuid.UUID = ONE


@dataclass(frozen=True)
class Draft:
    date: dt.date
    note_type: NoteType = NoteType.DAILY
    note_id: uuid.UUID = TWO
    patient_id: uuid.UUID = THREE
    episode_id: uuid.UUID = FOUR


def episode(**kw: object) -> Episode:
    kw.setdefault("start_date", TODAY - dt.timedelta(days=40))
    return Episode(patient_id=uuid.uuid4(), discipline=Discipline.PT, **kw)  # type: ignore[arg-type]


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.mark.parametrize(("age", "severity", "bucket"), [
    (0, "soon", "0-1 days"), (1, "soon", "0-1 days"), (2, "due", "2-6 days"),
    (6, "due", "2-6 days"), (7, "urgent", "7-13 days"), (14, "urgent", "14+ days"),
])
def test_unsigned_note_severity_by_age(age: int, severity: str, bucket: str) -> None:
    [row] = d.unsigned_rows([Draft(days_ago(age))], TODAY)
    assert (row["severity"], row["detail"], row["age_days"]) == (severity, bucket, age)
    assert row["target_kind"] == "note" and row["target_id"] == Draft(TODAY).note_id
    assert ("today" if age == 0 else f"{age} day") in row["message"]


def test_visit_cap() -> None:
    held = [Row(days_ago(n)) for n in range(1, 11)]
    assert d.visit_cap_rows(episode(), held, TODAY) == []  # no authorization
    used_up = d.visit_cap_rows(episode(authorized_visits=10), held, TODAY)
    assert used_up[0]["severity"] == "urgent"
    two_left = d.visit_cap_rows(episode(authorized_visits=12), held, TODAY)[0]
    assert (two_left["severity"], two_left["detail"]) == ("due", "10/12")
    assert d.visit_cap_rows(episode(authorized_visits=13), held, TODAY) == []  # 3 left > 13 // 5
    assert d.visit_cap_rows(episode(authorized_visits=14), held[:8], TODAY) == []  # 6 left
    soon = d.visit_cap_rows(episode(authorized_visits=20), held + held[:6], TODAY)[0]
    assert (soon["severity"], soon["message"]) == (
        "soon", "16 of 20 authorized visits used: 4 left.")
    booked = [*held[:5], *(Row(TODAY + dt.timedelta(days=n), VisitStatus.SCHEDULED)
                           for n in range(1, 8))]
    over = d.visit_cap_rows(episode(authorized_visits=10), booked, TODAY)[0]
    assert over["severity"] == "due" and "7 scheduled visits go past it" in over["message"]
    cancelled = [Row(days_ago(n), VisitStatus.CANCELLED) for n in range(1, 11)]
    assert d.visit_cap_rows(episode(authorized_visits=10), cancelled, TODAY) == []


def test_plan_of_care_signature_deadline_under_medicare_only() -> None:
    start = days_ago(25)
    ep = episode(cert_start=start)
    due = d.plan_unsigned_rows(ep, "medicare", [], TODAY)[0]  # 30 days to sign: 5 left
    assert (due["severity"], due["date"]) == ("due", start + dt.timedelta(days=30))
    assert d.plan_unsigned_rows(episode(cert_start=days_ago(31)), "medicare", [], TODAY)[0][
        "severity"] == "urgent"
    assert d.plan_unsigned_rows(episode(cert_start=days_ago(10)), "medicare", [], TODAY) == []
    assert d.plan_unsigned_rows(ep, "cash", [], TODAY) == []
    signed = episode(cert_start=start, certified_on=days_ago(20))
    assert d.plan_unsigned_rows(signed, "medicare", [], TODAY) == []
    # without a certified period the first held visit starts the clock
    first = d.plan_unsigned_rows(episode(), "medicare", [Row(days_ago(40))], TODAY)[0]
    assert first["severity"] == "urgent"


def test_kx_rows_near_over_and_targeted_review() -> None:
    ep = episode()
    payers = {ep.id: Payer(None, PACKS.payer("medicare"))}

    def severity(amount: str) -> str | None:
        rows = d.kx_rows([ep], payers, {ep.patient_id: {"PT": Decimal(amount)}}, TODAY, PACKS)
        return rows[0]["severity"] if rows else None

    assert severity("1000.00") is None
    assert severity("2300.00") == "due"  # ≥ 90 % of 2026's $2,480
    assert severity("2500.00") == "due"
    assert severity("3100.00") == "urgent"  # above the $3,000 targeted review
    assert d.kx_rows([ep], payers, {}, TODAY, PACKS) == []  # nothing billed this year


def test_one_kx_row_per_patient_and_bucket() -> None:
    pt = episode()
    slp = Episode(patient_id=pt.patient_id, discipline=Discipline.SLP, start_date=pt.start_date)
    medicare = Payer(None, PACKS.payer("medicare"))
    rows = d.kx_rows([pt, slp], {pt.id: medicare, slp.id: medicare},
                     {pt.patient_id: {"PT": Decimal("2600")}}, TODAY, PACKS)
    assert len(rows) == 1 and rows[0]["detail"] == "PT+SLP"


def _note(visit: Visit, text: str, **kw: object) -> Note:
    return Note(visit_id=visit.id, subjective=text, objective="o", assessment="a", plan="p",
                **kw)  # type: ignore[arg-type]


def test_identical_text_is_flagged_unless_acknowledged() -> None:
    ep = episode()
    v1, v2 = (Visit(patient_id=ep.patient_id, episode_id=ep.id, clinician_id=uuid.uuid4(),
                    date=days_ago(n)) for n in (7, 2))
    text = "Patient reports stairs are easier and walks to the mailbox daily."
    rows = d.identical_rows(ep, [(_note(v1, text), v1), (_note(v2, text.upper()), v2)],
                            "cash", PACKS)
    assert [r["detail"] for r in rows] == [d.IDENTICAL_TEXT_ID]
    assert rows[0]["target_kind"] == "note"
    acked = _note(v2, text, acknowledged=({"finding_id": d.IDENTICAL_TEXT_ID,
                                            "reason": "same status"},))
    assert d.identical_rows(ep, [(_note(v1, text), v1), (acked, v2)], "cash", PACKS) == []
    assert d.identical_rows(ep, [(_note(v1, "short"), v1), (_note(v2, "short"), v2)],
                            "cash", PACKS) == []
    assert d.identical_rows(ep, [(_note(v2, text), v2)], "cash", PACKS) == []


def test_last_held_needs_two_notes() -> None:
    note = uuid.uuid4()
    rows = [Row(days_ago(n), note_id=note) for n in (9, 7, 5, 3)]
    assert d.last_held(rows, TODAY) == rows[1:]
    assert d.last_held(rows[:1], TODAY) == []
    assert d.last_held([*rows[:1], Row(days_ago(1), VisitStatus.NO_SHOW, note)], TODAY) == []


def test_finish_names_and_sorts() -> None:
    a, b = episode(), episode()
    raw = [
        d.row("visit_cap", "soon", "m", "episode", a),
        d.row("kx_threshold", "due", "m", "episode", b),
        d.row("visit_cap", "urgent", "m", "episode", b),
        d.row("plan_of_care_unsigned", "due", "m", "episode", a),
    ]
    board = d.finish(raw, {a.patient_id: ("Ann", "Zed"), b.patient_id: ("Bo", "Ames")}, TODAY)
    assert [(r.severity, r.rule) for r in board.rows] == [
        ("urgent", "visit_cap"), ("due", "plan_of_care_unsigned"), ("due", "kx_threshold"),
        ("soon", "visit_cap")]
    assert board.rows[0].patient_name == "Ames, Bo"
    assert board.counts()["visit_cap"] == 2
