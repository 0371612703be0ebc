"""Merge rules between two real devices: drafts keep both heads, signed notes win and the losing
text becomes an addendum draft, demographics merge field by field. Nothing is ever dropped."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from core.domain.errors import SignedNoteImmutable
from core.services import notes, patients
from core.services import sync as sync_service
from core.storage import tables as t
from tests.sync.helpers import Device, heads_by_record, seed, sign, snapshot, start_note


def _converged(a: Device, b: Device) -> None:
    for _ in range(2):
        a.sync()
        b.sync()
    assert heads_by_record(a.chart) == heads_by_record(b.chart)


def _note(device: Device, note_id):  # type: ignore[no-untyped-def]
    return notes.get_note(device.chart, note_id).note


def test_concurrent_draft_edits_keep_both_and_the_clinician_resolves(
    pair_of_devices: tuple[Device, Device],
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    note_id = start_note(a.chart, s)
    _converged(a, b)
    notes.edit_section(a.chart, note_id, "subjective", "A: pain 3/10")
    notes.edit_section(b.chart, note_id, "subjective", "B: pain 4/10")
    _converged(a, b)
    # Each device still shows its own text, and both know about the conflict.
    assert _note(a, note_id).subjective == "A: pain 3/10"
    assert _note(b, note_id).subjective == "B: pain 4/10"
    [ca] = sync_service.list_conflicts(a.chart)
    [cb] = sync_service.list_conflicts(b.chart)
    assert ca["record_id"] == cb["record_id"] == note_id and ca["kind"] == "draft"
    assert len(heads_by_record(a.chart)[note_id]) == 2
    detail = sync_service.conflict_detail(a.chart, ca["id"])
    assert detail.local is not None and detail.local.fields["subjective"] == "A: pain 3/10"
    assert [v.fields["subjective"] for v in detail.others] == ["B: pain 4/10"]
    # Merge on A: a merge version with both parents; B follows after a sync.
    merged = "A+B: pain 3-4/10"
    version = sync_service.resolve_conflict(
        a.chart, ca["id"], "merged", merged={"subjective": merged}
    ).value
    _converged(a, b)
    assert _note(a, note_id).subjective == _note(b, note_id).subjective == merged
    assert heads_by_record(a.chart)[note_id] == (version,)
    assert sync_service.list_conflicts(a.chart) == sync_service.list_conflicts(b.chart) == []
    with a.chart.uow() as uow:
        parents = uow.conn.execute(
            select(t.record_versions.c.parent_ids).where(t.record_versions.c.version_id == version)
        ).scalar_one()
    assert len(parents) == 2
    assert snapshot(a.chart) == snapshot(b.chart)


@pytest.mark.parametrize("choice", ["local", "remote"])
def test_keep_local_or_remote(pair_of_devices: tuple[Device, Device], choice: str) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    note_id = start_note(a.chart, s)
    _converged(a, b)
    notes.edit_section(a.chart, note_id, "plan", "A plan")
    notes.edit_section(b.chart, note_id, "plan", "B plan")
    _converged(a, b)
    [conflict] = sync_service.list_conflicts(b.chart)
    sync_service.resolve_conflict(b.chart, conflict["id"], choice)  # type: ignore[arg-type]
    _converged(a, b)
    expected = "B plan" if choice == "local" else "A plan"
    assert _note(a, note_id).plan == _note(b, note_id).plan == expected
    assert snapshot(a.chart) == snapshot(b.chart)


def test_demographics_merge_field_by_field(pair_of_devices: tuple[Device, Device]) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    _converged(a, b)
    patients.update_patient(a.chart, s.patient_id, phone="555-0101")
    patients.update_patient(b.chart, s.patient_id, email="pat@example.org", last_name="Renamed")
    _converged(a, b)
    for device in (a, b):
        row = snapshot(device.chart)["patients"][str(s.patient_id)]
        assert (row["phone"], row["email"], row["last_name"]) == (
            "555-0101",
            "pat@example.org",
            "Renamed",
        )
        assert row["search_key"] == "renamed pat 1970-01-01"
    assert sync_service.list_conflicts(a.chart) == []
    # Both change the same field: one value wins on both devices, the other stays in history.
    patients.update_patient(a.chart, s.patient_id, phone="555-0111")
    patients.update_patient(b.chart, s.patient_id, phone="555-0222")
    _converged(a, b)
    phone_a = snapshot(a.chart)["patients"][str(s.patient_id)]["phone"]
    assert phone_a == snapshot(b.chart)["patients"][str(s.patient_id)]["phone"]
    with a.chart.uow() as uow:
        stored = [
            json.loads(p)["row"]["phone"]
            for p in uow.conn.execute(
                select(t.record_versions.c.payload).where(
                    t.record_versions.c.record_id == s.patient_id
                )
            ).scalars()
        ]
    assert {"555-0111", "555-0222"} <= set(stored)
    # Nothing silently lost: an open notice on each device with both values and who/when.
    for device in (a, b):
        notices = [c for c in _all_conflicts(device) if c["kind"] == "fields"]
        assert notices and all(c["resolved_at"] is None for c in notices), device.name
        detail = json.loads(notices[0]["detail"])
        [clash] = detail["clashes"]
        assert clash["field"] == "phone"
        assert {clash["kept"], clash["other"]} == {"555-0111", "555-0222"}
        assert clash["kept"] == phone_a
        assert detail["record"] == "Patient Renamed, Pat (1970-01-01)"
        assert sorted(v["device"] for v in detail["versions"]) == sorted(
            [a.chart.device_id, b.chart.device_id]
        )
        assert all(v["at"] for v in detail["versions"])
        assert device.status().notices == len(notices)
        for notice in notices:
            sync_service.resolve_conflict(device.chart, notice["id"], "local")  # acknowledged
        assert device.status().notices == 0


def _all_conflicts(device: Device) -> list[dict]:  # type: ignore[type-arg]
    with device.chart.uow() as uow:
        from core.storage import sync_store

        return sync_store.conflicts(uow.conn, open_only=False)


def test_edit_refused_by_a_signature_becomes_an_addendum_draft(
    pair_of_devices: tuple[Device, Device],
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    note_id = start_note(a.chart, s)
    notes.edit_section(a.chart, note_id, "subjective", "Original")
    _converged(a, b)
    sign(a.chart, note_id, s.clinician_id)
    a.sync()  # the signature reaches the server first
    notes.edit_section(b.chart, note_id, "assessment", "Late thought from B")
    report = b.sync()
    assert report.refused == 1 and report.addendum_drafts == 1
    assert _note(b, note_id).is_signed  # B now shows the signed note
    [draft] = sync_service.list_addendum_drafts(b.chart)
    assert draft["reason"] == "note_signed" and "Late thought from B" in draft["text"]
    _converged(a, b)
    assert [d["id"] for d in sync_service.list_addendum_drafts(a.chart)] == [draft["id"]]
    # Filing it makes a real addendum, on both devices.
    sync_service.file_addendum_draft(b.chart, draft["id"], author_id=s.clinician_id)
    _converged(a, b)
    assert [x.text for x in _note(a, note_id).addenda] == [draft["text"]]
    assert sync_service.list_addendum_drafts(a.chart) == []
    assert snapshot(a.chart) == snapshot(b.chart)
    with pytest.raises(SignedNoteImmutable):
        notes.edit_section(b.chart, note_id, "plan", "cannot")


def test_a_concurrent_edit_that_reached_the_server_first_is_rescued_by_the_signer(
    pair_of_devices: tuple[Device, Device],
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    note_id = start_note(a.chart, s)
    _converged(a, b)
    notes.edit_section(b.chart, note_id, "plan", "B's plan, pushed first")
    b.sync()
    sign(a.chart, note_id, s.clinician_id)  # A has not seen B's edit: concurrent
    report = a.sync()
    assert report.refused == 0 and report.addendum_drafts == 1
    _converged(a, b)
    assert _note(a, note_id).is_signed and _note(b, note_id).is_signed
    [draft] = sync_service.list_addendum_drafts(b.chart)
    assert draft["reason"] == "concurrent_edit" and "B's plan" in draft["text"]
    assert snapshot(a.chart) == snapshot(b.chart)


def test_two_devices_signing_at_once_keep_their_signed_rows_and_are_told(
    pair_of_devices: tuple[Device, Device],
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    note_id = start_note(a.chart, s)
    _converged(a, b)
    notes.edit_section(b.chart, note_id, "plan", "B edited before signing")
    sign(a.chart, note_id, s.clinician_id)
    sign(b.chart, note_id, s.clinician_id)
    a.sync()
    report = b.sync()
    assert report.refused == 2  # B's edit and B's signature
    [race] = sync_service.list_conflicts(b.chart)
    assert race["kind"] == "sign_race"
    assert [d["reason"] for d in sync_service.list_addendum_drafts(b.chart)] == ["sign_race"]
    notes.add_addendum(b.chart, note_id, author_id=s.clinician_id, text="Addendum from B")
    notes.add_addendum(a.chart, note_id, author_id=s.clinician_id, text="Addendum from A")
    _converged(a, b)
    texts = lambda d: sorted(x.text for x in _note(d, note_id).addenda)  # noqa: E731
    assert texts(a) == texts(b) == ["Addendum from A", "Addendum from B"]
    sync_service.resolve_conflict(b.chart, race["id"], "local")
    assert sync_service.list_conflicts(b.chart) == []


def test_a_delete_against_a_concurrent_edit_is_a_conflict_not_a_silent_loss(
    pair_of_devices: tuple[Device, Device],
) -> None:
    from core.services import mileage

    a, b = pair_of_devices
    s = seed(a.chart)
    trip = mileage.record_trip(
        a.chart,
        s.clinician_id,
        date=dt.date(2026, 1, 5),
        miles=12.5,
        purpose="Home visit",
        from_label="Office",
        to_label="Home base",
    ).value
    _converged(a, b)
    mileage.delete_trip(a.chart, trip.id)  # A deletes the trip...
    mileage.update_trip(b.chart, trip.id, miles=14.0)  # ...while B corrects its distance
    _converged(a, b)
    for device in (a, b):
        # The edit is kept for now on both devices, and someone must decide.
        [conflict] = [c for c in sync_service.list_conflicts(device.chart)]
        assert conflict["kind"] == "delete_edit"
        detail = json.loads(conflict["detail"])
        assert detail["record"].startswith("Mileage trip 2026-01-05")
        assert sorted(v["deleted"] for v in detail["versions"]) == [False, True]
        assert device.status().conflicts == 1
    assert _trip_miles(a, trip.id) == _trip_miles(b, trip.id) == 14.0
    # B decides that the delete holds: on both devices the trip is gone, nothing is open.
    [conflict] = sync_service.list_conflicts(b.chart)
    sync_service.resolve_conflict(b.chart, conflict["id"], "remote")
    _converged(a, b)
    assert _trip_miles(a, trip.id) is None and _trip_miles(b, trip.id) is None
    assert sync_service.list_conflicts(a.chart) == sync_service.list_conflicts(b.chart) == []


def _trip_miles(device: Device, trip_id):  # type: ignore[no-untyped-def]
    with device.chart.uow() as uow:
        return uow.conn.execute(
            select(t.mileage_entries.c.miles).where(t.mileage_entries.c.id == trip_id)
        ).scalar_one_or_none()
