"""Opaque ids on the wire (issue 22, docs/sync.md §3): the server never sees a chart's own
record, version or change ids (UUIDv7s, which carry the millisecond they were made); every
device of a practice maps a local id to the same wire id; versions the server knew before
(legacy) keep their ids; a key holder cannot file a version under another record's id."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

import syncwire as wire
from core.domain.schedule import AppointmentStatus
from core.rules.schedule import CancellationPolicy
from core.services import patients, schedule
from core.storage import sync_store
from core.storage import tables as t
from core.sync import apply, config, crypto, push, wireids
from core.sync.errors import NewerSchema, TamperedChange
from server.tables import change_log
from tests.sync.helpers import Device, SyncServer, enroll, seed, snapshot


def _cfg(device: Device) -> config.SyncConfig:
    with device.chart.uow() as uow:
        return config.load(uow.conn, device.chart.device_id)


def _server_ids(server: SyncServer) -> set[uuid.UUID]:
    """Every id in the server's log: change, record, version and parent ids."""
    out: set[uuid.UUID] = set()
    with server.engine.connect() as conn:
        for row in conn.execute(select(change_log)).mappings():
            for name in ("change_id", "record_id", "version_id"):
                out.add(uuid.UUID(str(row[name])))
            out.update(uuid.UUID(p) for p in json.loads(row["parent_ids"]))
    return out


def _local_ids(device: Device) -> set[uuid.UUID]:
    v = t.record_versions
    out: set[uuid.UUID] = set()
    with device.chart.uow() as uow:
        for row in uow.conn.execute(select(v.c.change_id, v.c.record_id, v.c.version_id)):
            out.update(row)
    return out


def test_the_server_never_sees_a_charts_own_ids(
    pair_of_devices: tuple[Device, Device], server: SyncServer
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    patients.update_patient(a.chart, s.patient_id, phone="555-0101")  # an edit: parents
    a.sync()
    b.sync()
    patients.update_patient(b.chart, s.patient_id, email="pat@example.test")
    b.sync()
    a.sync()
    assert snapshot(a.chart) == snapshot(b.chart)  # same local ids on both charts
    on_server = _server_ids(server)
    assert len(on_server) > 10
    assert not on_server & (_local_ids(a) | _local_ids(b))
    assert {u.version for u in on_server} == {4}  # nothing time-ordered: no UUIDv7
    with server.engine.connect() as conn:
        batches = [uuid.UUID(str(r)) for r in conn.execute(select(change_log.c.batch_id)).scalars()]
    assert {u.version for u in batches} == {4}
    # the wire key went to B with the pairing blob; it is random, not the fallback
    key_a, key_b = _cfg(a), _cfg(b)
    assert key_a.wire_key and key_a.wire_key == key_b.wire_key
    assert key_a.id_key != wireids.fallback_key(key_a.account_id)


def test_two_devices_making_the_same_derived_record_meet_under_one_wire_id(
    pair_of_devices: tuple[Device, Device], server: SyncServer
) -> None:
    """A no-show marked on both devices offline: the occurrence and its fee have ids derived
    from the series, the same on both charts, so on the wire too (as they are: a derived id
    holds no time)."""
    a, b = pair_of_devices
    s = seed(a.chart)
    schedule.set_policy(a.chart, CancellationPolicy(no_show_fee_cents=4000))
    start = dt.datetime(2026, 3, 2, 9, 0)
    booked = schedule.book(
        a.chart, s.patient_id, s.clinician_id, start, 45, repeat="FREQ=WEEKLY;COUNT=4",
        allow_outside_hours=True,
    )
    assert booked.series is not None
    a.sync()
    b.sync()
    [occurrence] = schedule.day(b.chart, dt.date(2026, 3, 9))
    later = dt.datetime(2026, 3, 9, 12, 0)
    for device in (a, b):
        schedule.set_status(
            device.chart, occurrence.id, AppointmentStatus.NO_SHOW, "did not come", now=later
        )
    for device in (a, b, a, b):
        device.sync()
    for device in (a, b):
        status = device.status()
        assert (status.pending, status.stuck, status.last_error) == (0, 0, None)
    fees = []
    for device in (a, b):
        with device.chart.uow() as uow:
            fees.append(uow.conn.execute(select(t.appointment_fees)).mappings().all())
    assert fees[0] == fees[1] and len(fees[0]) == 1
    fee_id = fees[0][0]["id"]
    assert fee_id.version == 5  # derived from the appointment: no time in it
    expected = wireids.record_wire_id(_cfg(a).id_key, fee_id)
    assert expected == fee_id
    with server.engine.connect() as conn:
        records = {
            uuid.UUID(str(r))
            for r in conn.execute(
                select(change_log.c.record_id).where(change_log.c.entity == "appointment_fee")
            ).scalars()
        }
    assert records == {expected}  # two creates, one record


def test_records_the_server_knew_before_keep_their_ids(
    pair_of_devices: tuple[Device, Device], server: SyncServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A practice synced by an older app (schema 2: wire ids = local ids). After the upgrade,
    new versions of those records name the record and parents as the log knows them, with
    opaque ids of their own; both devices keep converging."""
    a, b = pair_of_devices
    s = seed(a.chart)

    def legacy(conn, cfg, rows):  # type: ignore[no-untyped-def]
        ids = [push.WireIds.legacy(r) for r in rows]
        return ids, [(r.version_id, r.version_id, r.record_id) for r in rows]

    monkeypatch.setattr(push, "wire_ids", legacy)
    a.sync()
    b.sync()
    monkeypatch.undo()
    before = _server_ids(server)
    assert s.patient_id in before  # the older app's log: local ids on the wire
    patients.update_patient(b.chart, s.patient_id, phone="555-0177")
    report = b.sync()
    assert (report.pushed, report.refused, report.retrying) == (1, 0, 0)
    a.sync()
    assert snapshot(a.chart)["patients"][str(s.patient_id)]["phone"] == "555-0177"
    with server.engine.connect() as conn:
        last = conn.execute(select(change_log).order_by(change_log.c.seq.desc())).mappings().first()
    assert last is not None
    assert uuid.UUID(str(last["record_id"])) == s.patient_id  # the record as the log knows it
    assert uuid.UUID(str(last["version_id"])).version == 4  # the new version: opaque
    assert {uuid.UUID(p) for p in json.loads(last["parent_ids"])} <= before


def test_a_version_filed_under_another_records_wire_id_is_refused(
    pair_of_devices: tuple[Device, Device], server: SyncServer
) -> None:
    """A device holding the keys (a bug, or another practice's data) seals a version whose
    inner ids do not derive its wire ids: the receiver refuses it and applies nothing."""
    a, b = pair_of_devices
    seed(a.chart)
    cfg = _cfg(a)
    with a.chart.uow() as uow:
        [row, *_rest] = sync_store.pending_rows(uow.conn, 10)
    assert row.parents == ()
    ids = push.WireIds(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), ())  # not derived from row
    ciphertext, nonce, key_id, _new = push.seal_row(cfg, row, ids)
    change = push.to_change(row, ciphertext, nonce, key_id, ids=ids)
    pulled = wire.PulledChange(
        **change.model_dump(), seq=1, device_id=cfg.device_id, received_at=dt.datetime.now(dt.UTC)
    )
    cfg_b = _cfg(b)
    with b.chart.uow() as uow, pytest.raises(TamperedChange):
        apply.apply_page(uow.conn, cfg_b, [pulled], apply.ApplyOutcome())
    assert snapshot(b.chart).get("clinicians", {}) == {}


def test_a_change_from_a_newer_app_is_refused_before_anything_is_applied(
    pair_of_devices: tuple[Device, Device],
) -> None:
    a, _b = pair_of_devices
    cfg = _cfg(a)
    header = crypto.VersionHeader(
        uuid.uuid4(), uuid.uuid4(), "patient", uuid.uuid4(), (), "create", cfg.key_id or "",
        schema_version=crypto.SCHEMA_VERSION + 1,
    )
    with pytest.raises(NewerSchema, match="newer version of Chartside"):
        crypto.open_version(cfg.key, header, b"\0" * 64, b"\0" * 24)


def test_a_practice_from_before_wire_keys_derives_the_same_key_on_every_device(
    server: SyncServer, tmp_path: Path
) -> None:
    """Neither device has a wire key (both enrolled by an older app): both derive it from the
    account, so they still agree."""
    account = server.practice("Old Mill PT")
    a = enroll(server, account, tmp_path / "a.chart", "desk")
    for device in (a,):
        with device.chart.uow() as uow:
            config.store_wire_key(uow.conn, None)
            uow.commit()
    b = enroll(server, account, tmp_path / "b.chart", "car", approver=a)
    try:
        assert _cfg(b).wire_key == b""
        assert _cfg(a).id_key == _cfg(b).id_key == wireids.fallback_key(account)
        s = seed(a.chart)
        a.sync()
        b.sync()
        patients.update_patient(b.chart, s.patient_id, phone="555-0123")
        b.sync()
        a.sync()
        assert snapshot(a.chart) == snapshot(b.chart)
    finally:
        a.close()
        b.close()


def test_the_upgrade_keeps_the_ids_the_server_already_knows(tmp_path: Path) -> None:
    """r0024 on a chart synced by an older app: pulled versions, acknowledged ones and the
    open batch's keep their own ids on the wire; an unsent one, or one sealed into a batch the
    server answered without storing it, gets opaque ids, but its record keeps the id the log
    knows it by."""
    from sqlalchemy import text

    from core.domain.ids import new_id
    from core.storage import migrate
    from core.storage.engine import KeyHolder, make_engine

    keys = KeyHolder(b"k" * 32)
    engine = make_engine(tmp_path / "old.chart", keys)
    migrate.upgrade(engine, "r0023")
    record, other = new_id(), new_id()
    pulled, acked, sealed, unsent, fresh, retried = (new_id() for _ in range(6))
    changes = {v: new_id() for v in (pulled, acked, sealed, unsent, fresh, retried)}
    with engine.begin() as conn:
        for version, rec, seq in (
            (pulled, record, 1), (acked, record, None), (sealed, other, None),
            (unsent, record, None), (fresh, new_id(), None), (retried, new_id(), None),
        ):
            conn.execute(
                text(
                    "INSERT INTO record_versions (version_id, change_id, record_id, entity, kind, "
                    "parent_ids, payload, device_id, created_at, server_seq) VALUES "
                    "(:v, :c, :r, 'patient', 'edit', '[]', '{}', 'd', '2026-01-01 00:00:00', :s)"
                ),
                {"v": version.hex, "c": changes[version].hex, "r": rec.hex, "s": seq},
            )
        for version, acked_seq, key_id in (
            (acked, 2, None), (sealed, None, "pk-1"), (unsent, None, None), (fresh, None, None),
            (retried, None, "pk-1"),
        ):
            conn.execute(
                text(
                    "INSERT INTO sync_outbox (change_id, version_id, created_at, key_id, "
                    "acked_seq) VALUES (:c, :v, '2026-01-01 00:00:00', :k, :a)"
                ),
                {"c": changes[version].hex, "v": version.hex, "k": key_id, "a": acked_seq},
            )
        body = json.dumps({"changes": [{"change_id": str(changes[sealed])}]}).encode()
        conn.execute(  # the open batch carries "sealed"; "retried"'s batch was answered
            text("INSERT INTO sync_batches (batch_id, created_at, body, sends) "
                 "VALUES (:b, '2026-01-01 00:00:00', :body, 1)"),
            {"b": new_id().hex, "body": body},
        )
    migrate.upgrade(engine, "r0024")
    with engine.begin() as conn:
        assert sync_store.wire_ids_of(conn, [pulled, acked, sealed, unsent, fresh, retried]) == {
            pulled: pulled, acked: acked, sealed: sealed
        }
        assert sync_store.wire_records_of(conn, [record, other]) == {
            record: record, other: other
        }
    engine.dispose()


def test_a_derived_record_sent_by_an_older_app_keeps_one_id_across_the_upgrade(
    pair_of_devices: tuple[Device, Device], server: SyncServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A marks a series occurrence arrived with the older app (its derived uuid5 id on the
    wire); B marks it too, offline, and upgrades first. Both must name the occurrence alike:
    one record on the server, and later edits go through (none stuck)."""
    a, b = pair_of_devices
    s = seed(a.chart)

    def legacy(conn, cfg, rows):  # type: ignore[no-untyped-def]
        ids = [push.WireIds.legacy(r) for r in rows]
        return ids, [(r.version_id, r.version_id, r.record_id) for r in rows]

    monkeypatch.setattr(push, "wire_ids", legacy)  # the older app on both devices
    schedule.book(a.chart, s.patient_id, s.clinician_id, dt.datetime(2026, 3, 2, 9, 0), 45,
                  repeat="FREQ=WEEKLY;COUNT=4", allow_outside_hours=True)
    a.sync()
    b.sync()
    [occurrence] = schedule.day(b.chart, dt.date(2026, 3, 9))
    at = dt.datetime(2026, 3, 9, 9, 5)
    schedule.set_status(a.chart, occurrence.id, AppointmentStatus.ARRIVED, now=at)
    a.sync()
    schedule.set_status(b.chart, occurrence.id, AppointmentStatus.ARRIVED, now=at)  # offline
    monkeypatch.undo()  # both upgraded; B syncs first
    for device in (b, a, b, a):
        device.sync()
    schedule.set_status(a.chart, occurrence.id, AppointmentStatus.COMPLETED,
                        now=at + dt.timedelta(hours=1))
    for device in (a, b, a, b):
        device.sync()
    for device in (a, b):
        status = device.status()
        assert (status.pending, status.stuck, status.last_error) == (0, 0, None), device.name
    assert snapshot(a.chart) == snapshot(b.chart)
    assert schedule.day(b.chart, dt.date(2026, 3, 9))[0].status is AppointmentStatus.COMPLETED
    with server.engine.connect() as conn:
        records = set(conn.execute(select(change_log.c.record_id).where(
            change_log.c.entity == "appointment")).scalars())
    assert {uuid.UUID(str(r)) for r in records} == {occurrence.id}  # as it is: a derived id


def test_an_older_app_is_refused_schema_3_changes_not_handed_them(
    pair_of_devices: tuple[Device, Device], server: SyncServer
) -> None:
    """An app from before opaque ids reads schemas 1-2 and would file a schema 3 change under
    its opaque ids: the server refuses it the page (409 upgrade_required; no header means 2),
    and this app, asked with a lower schema, says to update and applies nothing."""
    from core.sync.api import SyncApi
    from tests.sync.helpers import URL

    a, b = pair_of_devices
    seed(a.chart)
    a.sync()
    cfg = _cfg(b)
    auth = {"Authorization": f"Bearer {cfg.token}"}
    old = server.client.get("/v1/sync/pull", params={"after": 0}, headers=auth)
    assert old.status_code == 409 and old.json()["error"] == "upgrade_required"
    two = server.client.get("/v1/sync/pull", params={"after": 0},
                            headers={**auth, wire.SCHEMA_HEADER: "2"})
    assert two.status_code == 409
    three = server.client.get("/v1/sync/pull", params={"after": 0},
                              headers={**auth, wire.SCHEMA_HEADER: "3"})
    assert three.status_code == 200 and three.json()["changes"]
    api = SyncApi(URL, cfg.token, transport=server.transport)
    api._http.headers[wire.SCHEMA_HEADER] = "2"
    with pytest.raises(NewerSchema, match="newer version"):
        api.pull(0, 10)
    api.close()
    assert b.sync().pulled > 0  # this app reads them


def test_a_log_of_older_schemas_still_serves_an_older_app(
    pair_of_devices: tuple[Device, Device], server: SyncServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair_of_devices
    seed(a.chart)

    def legacy(conn, cfg, rows):  # type: ignore[no-untyped-def]
        ids = [push.WireIds.legacy(r) for r in rows]
        return ids, [(r.version_id, r.version_id, r.record_id) for r in rows]

    header, change = push._header, push.to_change  # the older app seals schema 2
    monkeypatch.setattr(push, "wire_ids", legacy)
    monkeypatch.setattr(push, "_header", lambda row, key_id, schema=2, ids=None: header(
        row, key_id, 2, ids))
    monkeypatch.setattr(push, "to_change", lambda row, c, n, k, schema=2, ids=None: change(
        row, c, n, k, 2, ids))
    a.sync()
    cfg = _cfg(b)
    old = server.client.get("/v1/sync/pull", params={"after": 0},
                            headers={"Authorization": f"Bearer {cfg.token}"})
    assert old.status_code == 200 and old.json()["changes"]
    assert {c["schema_version"] for c in old.json()["changes"]} == {2}
    monkeypatch.undo()
    assert b.sync().pulled == len(old.json()["changes"])  # and this app still reads them
