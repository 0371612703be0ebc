"""Issue 15 (sync): revoking a device rotates the practice key.

Three devices of one practice on a real in-process server (SQLite): after A revokes C, what
anyone writes is sealed under a key C never had, B switches to it on its own, a device
approved later can still read the whole log, and a rotation cut off half way finishes at the
next sync. Pure-logic checks of the rotation blob are in tests/unit/test_key_rotation.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select

from core.services import patients
from core.services import sync as sync_service
from core.sync import config, crypto
from core.sync.errors import ServerUnavailable
from server.tables import change_log
from tests.sync.helpers import Device, SyncServer, seed, snapshot


def _keys(device: Device) -> dict[str, bytes]:
    with device.chart.uow() as uow:
        return config.load(uow.conn, device.chart.device_id).keys


def _key_ids_on_server(server: SyncServer) -> list[str]:
    with server.engine.connect() as conn:
        return [r.key_id for r in conn.execute(select(change_log).order_by(change_log.c.seq))]


def test_revoking_a_device_rotates_the_key_and_the_others_follow(
    server: SyncServer, make_device: Callable[..., Device]
) -> None:
    account = server.practice("Rotation PT")
    a = make_device(account, "desk")
    b = make_device(account, "laptop", approver=a)
    c = make_device(account, "lost-tablet", approver=a)
    s = seed(a.chart, last_name="Beforerotation")
    a.sync()
    b.sync()
    c.sync()
    old = a.status().key_id
    assert old == b.status().key_id == c.status().key_id
    stolen = _keys(c)  # what the lost tablet holds

    c_id = uuid.UUID(c.status().device_id or "")
    sync_service.revoke_device(a.chart, c_id, transport=server.transport)
    new = a.status().key_id
    assert new is not None and new != old and not a.status().key_rotation_pending

    patients.update_patient(a.chart, s.patient_id, first_name="Afterrotation")
    a.sync()
    report = b.sync()  # meets a change under the new key: takes it from its mailbox
    assert report.keys_received == 1 and b.status().key_id == new
    assert "Afterrotation" in str(snapshot(b.chart)["patients"])
    seed(b.chart, last_name="Writtenbyb")
    b.sync()
    a.sync()
    assert "Writtenbyb" in str(snapshot(a.chart)["patients"])

    used = _key_ids_on_server(server)
    assert used[-1] == new and used.count(new) >= 2  # A's and B's later changes
    assert new not in stolen  # the revoked tablet never had it

    # A device approved after the rotation reads the whole log, old key included.
    d = make_device(account, "new-desk", approver=a)
    d.sync()
    people = str(snapshot(d.chart)["patients"])
    assert "Beforerotation" in people and "Writtenbyb" in people
    assert d.status().key_id == new


def test_a_rotation_cut_off_half_way_finishes_at_the_next_sync(
    pair_of_devices: tuple[Device, Device], server: SyncServer
) -> None:
    a, b = pair_of_devices
    old = a.status().key_id
    transport = server.transport
    original = transport.handle_request

    def refuse_keys(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/v1/keys":
            raise httpx.ConnectError("network down", request=request)
        return original(request)

    transport.handle_request = refuse_keys  # type: ignore[method-assign]
    with pytest.raises(ServerUnavailable):
        sync_service.rotate_key(a.chart, transport=transport)
    status = a.status()
    assert status.key_id == old and status.key_rotation_pending  # nothing sealed with it yet

    seed(a.chart, last_name="Afterthecut")
    a.sync()  # finishes the rotation first, then seals under the new key
    status = a.status()
    assert status.key_id != old and not status.key_rotation_pending
    b.sync()
    assert b.status().key_id == status.key_id
    assert "Afterthecut" in str(snapshot(b.chart)["patients"])
    assert len(_keys(b)[status.key_id or ""]) == crypto.KEY_BYTES
