"""Delivery under failure: lost acknowledgements, replayed, duplicated and reordered batches,
tampered or moved ciphertext. (A server restored from an older backup: test_sync_restore.py.)"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from core.domain.ids import new_id
from core.services import notes, patients
from core.services import sync as sync_service
from core.storage import sync_store
from core.storage import tables as t
from core.sync import config, push
from core.sync.errors import ServerUnavailable, TamperedChange
from server.tables import change_log
from tests.sync.helpers import Device, SyncServer, seed, snapshot, start_note


def _server_rows(server: SyncServer) -> int:
    with server.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(change_log)).scalar_one())


def _cfg(device: Device) -> config.SyncConfig:
    with device.chart.uow() as uow:
        return config.load(uow.conn, device.chart.device_id)


def test_lost_acknowledgement_is_recovered_by_resending_the_same_bytes(
    pair_of_devices: tuple[Device, Device], server: SyncServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair_of_devices
    seed(a.chart)
    sent: list[bytes] = []
    lossy = server.transport
    original = lossy.handle_request

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/sync/push":
            sent.append(request.content)
            if len(sent) == 1:
                lossy.drop_next_response = True  # the server commits, the answer is lost
        return original(request)

    monkeypatch.setattr(lossy, "handle_request", handle)
    with pytest.raises(ServerUnavailable):
        sync_service.sync_now(a.chart, transport=lossy)
    committed = _server_rows(server)
    assert committed == 3 and a.status().pending == 3 and a.status().last_error
    report = sync_service.sync_now(a.chart, transport=lossy)
    assert sent[0] == sent[1]  # byte-identical retry
    assert (report.pushed, report.duplicates) == (3, 0)  # the stored answer was replayed
    assert _server_rows(server) == committed
    assert a.status().pending == 0 and a.status().last_error is None
    b.sync()
    assert snapshot(a.chart) == snapshot(b.chart)


def test_replayed_batch_gets_the_identical_answer(
    pair_of_devices: tuple[Device, Device], server: SyncServer
) -> None:
    a, _b = pair_of_devices
    seed(a.chart)
    cfg = _cfg(a)
    with a.chart.uow() as uow:
        batch = push.prepare_batch(uow.conn, cfg)
        uow.commit()
    assert batch is not None
    headers = {"Authorization": f"Bearer {cfg.token}", "Content-Type": "application/json"}
    first = server.client.post("/v1/sync/push", content=batch.body, headers=headers)
    again = server.client.post("/v1/sync/push", content=batch.body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and again.headers["Idempotent-Replayed"] == "true"
    with a.chart.uow() as uow:  # a duplicate answer recorded twice changes nothing
        push.record_response(uow.conn, cfg, batch, again.content)
        uow.commit()
    assert _server_rows(server) == 3 and a.status().pending == 0


def test_reordered_and_duplicated_batches_converge(
    pair_of_devices: tuple[Device, Device], server: SyncServer
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    cfg = _cfg(a)
    with a.chart.uow() as uow:  # seal the first versions (freezes them; no coalescing)
        first = push.prepare_batch(uow.conn, cfg)
        uow.commit()
    assert first is not None
    patients.update_patient(a.chart, s.patient_id, phone="555-0199")  # child of a sealed version
    with a.chart.uow() as uow:
        [child] = [r for r in sync_store.pending_rows(uow.conn, 10) if r.key_id is None]
        [ids], _assigned = push.wire_ids(uow.conn, cfg, [child])
        ciphertext, nonce, key_id, _new = push.seal_row(cfg, child, ids)
        change = push.to_change(child, ciphertext, nonce, key_id, ids=ids)
        uow.commit()
    headers = {"Authorization": f"Bearer {cfg.token}"}
    body = {
        "device_id": str(cfg.device_id),
        "batch_id": str(uuid.uuid4()),
        "changes": [json.loads(change.model_dump_json())],
    }
    early = server.client.post("/v1/sync/push", json=body, headers=headers).json()
    assert early["results"][0]["status"] == "unknown_parent"  # the child arrived first
    for _ in range(2):  # the parent batch, twice
        server.client.post(
            "/v1/sync/push",
            content=first.body,
            headers={**headers, "Content-Type": "application/json"},
        )
    report = a.sync()  # resends the open batch (replayed answer), then the child in a new one
    assert report.refused == 0 and a.status().pending == 0
    b.sync()
    assert snapshot(a.chart) == snapshot(b.chart)
    assert snapshot(b.chart)["patients"][str(s.patient_id)]["phone"] == "555-0199"
    assert _server_rows(server) == 4


def test_tampered_or_moved_ciphertext_is_refused_and_the_cursor_stays(
    pair_of_devices: tuple[Device, Device], server: SyncServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    start_note(a.chart, s)
    a.sync()
    transport = server.transport
    original = transport.handle_request

    def swap_two(request: httpx.Request) -> httpx.Response:
        response = original(request)
        if request.url.path != "/v1/sync/pull":
            return response
        body = response.json()
        c0, c1 = body["changes"][0], body["changes"][1]
        c0["ciphertext"], c1["ciphertext"] = c1["ciphertext"], c0["ciphertext"]
        c0["nonce"], c1["nonce"] = c1["nonce"], c0["nonce"]
        return httpx.Response(200, json=body, request=request)

    monkeypatch.setattr(transport, "handle_request", swap_two)
    with pytest.raises(TamperedChange):
        sync_service.sync_now(b.chart, transport=transport)
    assert b.status().cursor == 0 and snapshot(b.chart)["patients"] == {}
    monkeypatch.undo()
    b.sync()
    assert snapshot(a.chart) == snapshot(b.chart)


def test_a_crash_before_commit_leaves_nothing_behind(
    pair_of_devices: tuple[Device, Device],
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    note_id = start_note(a.chart, s)
    a.sync()
    with a.chart.uow() as uow:  # the app dies mid-edit: no commit
        note = uow.notes.get(note_id)
        note.set_section("plan", "never saved")
        uow.notes.save(note)
        uow.record("update", "note", note.id)
    assert a.status().pending == 0
    b.sync()
    assert snapshot(a.chart) == snapshot(b.chart)
    notes.edit_section(a.chart, note_id, "plan", "saved")
    with a.chart.uow() as uow:
        count = uow.conn.execute(
            select(func.count())
            .select_from(t.record_versions)
            .where(t.record_versions.c.record_id == note_id)
        ).scalar_one()
    assert count == 2
    assert new_id()


def test_a_version_sealed_unpadded_by_an_older_app_still_goes_out_and_opens(
    pair_of_devices: tuple[Device, Device],
) -> None:
    """Schema 1 ciphertexts stored before the padding (issue 22) keep their schema on the
    wire, so the AAD still matches on the other device."""
    from core.sync import crypto

    a, b = pair_of_devices
    s = seed(a.chart)
    patients.update_patient(a.chart, s.patient_id, phone="555-0142")
    cfg = _cfg(a)
    with a.chart.uow() as uow:
        rows = sync_store.pending_rows(uow.conn, 10)
        sealed = []
        for row in rows:
            header = push._header(row, cfg.key_id or "", schema=1)
            body = crypto.VersionBody(row.payload, row.created_at.isoformat(), row.device)
            ciphertext, nonce = crypto.seal_version(cfg.key, header, body)
            sealed.append((row.change_id, ciphertext, nonce, cfg.key_id or ""))
        sync_store.store_ciphertexts(uow.conn, sealed)
        uow.commit()
    report = a.sync()
    assert report.pushed == len(rows) and report.refused == 0
    b.sync()
    assert snapshot(b.chart)["patients"][str(s.patient_id)]["phone"] == "555-0142"
