"""Audit chain tamper detection and database-level immutability of signed notes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlcipher3
from sqlalchemy import select

from core.domain.enums import Discipline
from core.domain.errors import SignedNoteImmutable
from core.services import charts, episodes, notes, patients, practice
from core.storage import audit, tables
from core.storage.chart import ChartSession
from tests.conftest import PASSPHRASE


def _draft(chart: ChartSession) -> tuple[uuid.UUID, uuid.UUID]:
    clinician = practice.add_clinician(
        chart, first_name="Ada", last_name="Quist", discipline=Discipline.PT
    ).value
    patient = patients.create_patient(
        chart, first_name="Nell", last_name="Testcase", date_of_birth=dt.date(1970, 1, 1)
    ).value
    episode = episodes.create_episode(
        chart,
        patient_id=patient.id,
        discipline=Discipline.PT,
        start_date=dt.date(2026, 10, 1),
        diagnoses=["M17.11"],
    ).value
    view = notes.start_note(
        chart, episode_id=episode.id, clinician_id=clinician.id, date=dt.date(2026, 10, 2)
    ).value
    notes.add_block(chart, view.note.id, "97110", start=dt.time(9, 0), stop=dt.time(9, 20))
    return view.note.id, clinician.id


def _force_sign(chart: ChartSession, note_id: uuid.UUID, signer: uuid.UUID) -> None:
    """Sign through the domain and repository, bypassing the rules (storage-level test)."""
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        note.mark_signed(
            by=signer, at=dt.datetime(2026, 10, 2, 18), snapshot="{}", content_hash="0" * 64
        )
        uow.notes.save(note)
        uow.record("sign", "note", note.id)
        uow.commit()


def _raw(chart: ChartSession) -> sqlcipher3.Connection:
    raw = chart.engine.raw_connection()
    return raw.driver_connection  # type: ignore[return-value]


def test_every_write_is_audited_and_chain_verifies(chart: ChartSession) -> None:
    _draft(chart)
    report = charts.verify_audit(chart)
    assert report.ok and report.rows >= 7
    actions = [r["action"] for r in reversed(charts.recent_audit(chart, 50))]
    assert actions[:1] == ["create"]  # chart creation
    assert actions.count("create") >= 5 and "update" in actions


def test_audit_rows_hold_no_phi(chart: ChartSession) -> None:
    _draft(chart)
    rows = charts.recent_audit(chart, 100)
    blob = repr(rows)
    for phi in ("Nell", "Testcase", "1970-01-01", "M17.11"):
        assert phi not in blob


@pytest.mark.parametrize("how", ["edit", "delete"])
def test_tampering_is_detected_at_that_row(chart: ChartSession, how: str) -> None:
    _draft(chart)
    total = charts.verify_audit(chart).rows
    target = 4
    conn = _raw(chart)
    # An attacker with the key must first drop the append-only triggers.
    conn.execute("DROP TRIGGER audit_events_append_only_update")
    conn.execute("DROP TRIGGER audit_events_append_only_delete")
    if how == "edit":
        conn.execute("UPDATE audit_events SET action = 'view' WHERE seq = ?", (target,))
    else:
        conn.execute("DELETE FROM audit_events WHERE seq = ?", (target,))
    report = charts.verify_audit(chart)
    assert not report.ok
    assert report.first_broken_seq == target
    assert report.rows == target  # the verifier stops at the first broken link
    assert total > target


def test_audit_log_is_append_only(chart: ChartSession) -> None:
    conn = _raw(chart)
    with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_events SET actor = 'x' WHERE seq = 1")
    with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_events")


def test_signed_note_cannot_change_through_sql(chart: ChartSession) -> None:
    note_id, signer = _draft(chart)
    _force_sign(chart, note_id, signer)
    conn = _raw(chart)
    hex_id = note_id.hex
    for sql in (
        f"UPDATE notes SET subjective = 'rewritten' WHERE id = '{hex_id}'",
        f"UPDATE notes SET status = 'draft' WHERE id = '{hex_id}'",
        f"DELETE FROM notes WHERE id = '{hex_id}'",
        f"UPDATE timed_blocks SET stop = '09:45:00.000000' WHERE note_id = '{hex_id}'",
        f"DELETE FROM timed_blocks WHERE note_id = '{hex_id}'",
        f"INSERT INTO timed_blocks (id, note_id, position, code, goal_ids, details, modifiers) "
        f"VALUES ('{uuid.uuid4().hex}', '{hex_id}', 9, '97140', '[]', '{{}}', '[]')",
    ):
        with pytest.raises(sqlcipher3.IntegrityError, match="immutable"):
            conn.execute(sql)
    with chart.uow() as uow:
        subjective = uow.conn.execute(
            select(tables.notes.c.subjective).where(tables.notes.c.id == note_id)
        ).scalar_one()
    assert subjective == ""


def test_signed_note_refuses_domain_edits_and_takes_addenda(chart: ChartSession) -> None:
    note_id, signer = _draft(chart)
    _force_sign(chart, note_id, signer)
    with pytest.raises(SignedNoteImmutable):
        notes.edit_section(chart, note_id, "subjective", "changed after signing")
    notes.add_addendum(chart, note_id, author_id=signer, text="Late entry: HEP reviewed.")
    notes.add_addendum(chart, note_id, author_id=signer, text="Second addendum.")
    view = notes.get_note(chart, note_id)
    assert [a.text for a in view.note.addenda] == ["Late entry: HEP reviewed.", "Second addendum."]
    assert view.note.subjective == ""
    conn = _raw(chart)
    with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
        conn.execute("UPDATE addenda SET text = 'x'")


def test_reopened_chart_still_verifies(chart: ChartSession, chart_path) -> None:  # type: ignore[no-untyped-def]
    _draft(chart)
    chart.lock()
    session = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    try:
        with session.uow() as uow:
            assert audit.verify(uow.conn).ok
    finally:
        session.lock()


def test_visit_of_a_signed_note_cannot_change_through_sql(chart: ChartSession) -> None:
    """Issue 15: the date of service, times, place and people of a signed note sit on its
    visit row; raw SQL cannot move them (r0009). The visit's status may still change, and a
    draft's visit stays editable."""
    note_id, signer = _draft(chart)
    with chart.uow() as uow:
        visit_id = uow.notes.get(note_id).visit_id
        episode_id = uow.visits.get(visit_id).episode_id
    other = notes.start_note(chart, episode_id=episode_id, clinician_id=signer,
                             date=dt.date(2026, 10, 4)).value
    other_visit = other.note.visit_id
    _force_sign(chart, note_id, signer)
    conn = _raw(chart)
    v = visit_id.hex
    for sql in (
        f"UPDATE visits SET date = '2026-10-09' WHERE id = '{v}'",
        f"UPDATE visits SET start_time = '07:00:00.000000' WHERE id = '{v}'",
        f"UPDATE visits SET place_of_service = '12', address = 'elsewhere' WHERE id = '{v}'",
        f"UPDATE visits SET clinician_id = '{uuid.uuid4().hex}' WHERE id = '{v}'",
        f"DELETE FROM visits WHERE id = '{v}'",
    ):
        with pytest.raises(sqlcipher3.IntegrityError, match="immutable"):
            conn.execute(sql)
    conn.execute(f"UPDATE visits SET status = status WHERE id = '{v}'")  # unchanged: allowed
    conn.execute(f"UPDATE visits SET date = '2026-10-03' WHERE id = '{other_visit.hex}'")
    with chart.uow() as uow:
        assert uow.visits.get(visit_id).date == dt.date(2026, 10, 2)
        assert uow.visits.get(other_visit).date == dt.date(2026, 10, 3)
    with pytest.raises(SignedNoteImmutable):  # and the service says so before SQL has to
        from core.services import visits

        visits.set_visit_place(chart, visit_id, date=dt.date(2026, 10, 5))
