"""Every write appends a record version to the outbox in the same transaction."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlcipher3
from sqlalchemy import func, select, update

from core.domain.enums import Discipline
from core.domain.patient import Patient
from core.services import episodes, notes, patients, practice
from core.storage import outbox
from core.storage import tables as t
from core.storage.chart import ChartSession


def _versions(chart: ChartSession, record_id):  # type: ignore[no-untyped-def]
    with chart.uow() as uow:
        return [
            dict(r)
            for r in uow.conn.execute(
                select(t.record_versions)
                .where(t.record_versions.c.record_id == record_id)
                .order_by(t.record_versions.c.created_at)
            ).mappings()
        ]


def test_write_and_outbox_commit_together(chart: ChartSession) -> None:
    p = Patient(first_name="Out", last_name="Box", date_of_birth=dt.date(1980, 2, 2))
    with chart.uow() as uow:
        uow.patients.save(p)
        uow.record("create", "patient", p.id)
        # leaving without commit rolls back both
    assert _versions(chart, p.id) == []
    with chart.uow() as uow:
        uow.patients.save(p)
        uow.record("create", "patient", p.id)
        uow.commit()
    (v,) = _versions(chart, p.id)
    assert v["kind"] == "create" and v["parent_ids"] == ()
    payload = json.loads(v["payload"])
    assert payload["row"]["last_name"] == "Box"
    with chart.uow() as uow:
        assert outbox.pending_count(uow.conn) >= 1


def test_draft_edits_coalesce_until_sent_then_chain(chart: ChartSession) -> None:
    pid = patients.create_patient(
        chart, first_name="Ed", last_name="Its", date_of_birth=dt.date(1970, 1, 1)
    ).value.id
    for i in range(5):
        patients.update_patient(chart, pid, phone=f"555-010{i}")
    (only,) = _versions(chart, pid)
    assert json.loads(only["payload"])["row"]["phone"] == "555-0104"
    # Once a version has been encrypted for sending, it is frozen: the next edit chains.
    with chart.uow() as uow:
        uow.conn.execute(update(t.sync_outbox).values(ciphertext=b"x", nonce=b"n"))
        uow.commit()
    patients.update_patient(chart, pid, phone="555-0199")
    first, second = _versions(chart, pid)
    assert second["parent_ids"] == (first["version_id"],)
    assert second["kind"] == "edit"


def test_note_versions_carry_blocks_and_sign_is_its_own_version(chart: ChartSession) -> None:
    c = practice.add_clinician(chart, first_name="A", last_name="B", discipline=Discipline.PT).value
    pid = patients.create_patient(
        chart, first_name="N", last_name="V", date_of_birth=dt.date(1970, 1, 1)
    ).value.id
    ep = episodes.create_episode(
        chart, patient_id=pid, discipline=Discipline.PT, start_date=dt.date(2026, 1, 1)
    ).value
    view = notes.start_note(
        chart, episode_id=ep.id, clinician_id=c.id, date=dt.date(2026, 1, 2)
    ).value
    notes.add_block(chart, view.note.id, "97110", start=dt.time(9), stop=dt.time(9, 20))
    (draft,) = _versions(chart, view.note.id)
    assert [b["code"] for b in json.loads(draft["payload"])["children"]["timed_blocks"]] == [
        "97110"
    ]
    with chart.uow() as uow:  # sign bypassing rules: this test is about versions only
        note = uow.notes.get(view.note.id)
        note.mark_signed(
            by=c.id, at=dt.datetime(2026, 1, 2, 18), snapshot="{}", content_hash="0" * 64
        )
        uow.notes.save(note)
        uow.record("sign", "note", note.id)
        uow.commit()
    draft, signed = _versions(chart, view.note.id)
    assert signed["kind"] == "sign" and signed["parent_ids"] == (draft["version_id"],)
    notes.add_addendum(chart, view.note.id, author_id=c.id, text="Late entry.")
    versions = _versions(chart, view.note.id)
    assert [v["kind"] for v in versions] == ["create", "sign", "addendum"]
    raw = chart.engine.raw_connection()
    conn = raw.driver_connection
    assert conn is not None
    with pytest.raises(sqlcipher3.IntegrityError, match="immutable"):
        conn.execute("UPDATE record_versions SET payload = '{}' WHERE kind = 'sign'")
    with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM record_versions")
    raw.close()


def test_unknown_entity_write_is_refused(chart: ChartSession) -> None:
    import uuid

    with pytest.raises(outbox.UnsyncedEntity), chart.uow() as uow:
        uow.record("create", "mystery", uuid.uuid4())
        uow.commit()
    with chart.uow() as uow:
        assert uow.conn.execute(select(func.count()).select_from(t.record_versions)).scalar() == 0
