"""End-to-end encryption and access: the server holds no plaintext, accounts are sealed off
from each other, a revoked device is refused and told so, pairing resists a meddling server,
and a chart backup plus its recovery key restores the sync key."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from core.services import charts, patients
from core.services import sync as sync_service
from core.storage import sync_store
from core.sync import config
from core.sync.errors import DeviceRevoked, PairingFailed, ProtocolError
from tests.conftest import MARKER_FIRST, MARKER_LAST
from tests.sync.helpers import (
    PASSPHRASE,
    URL,
    Device,
    SyncServer,
    new_chart,
    seed,
    snapshot,
)


def _server_bytes(server: SyncServer) -> bytes:
    server.engine.dispose()  # flush the WAL into the file
    data = server.path.read_bytes()
    for extra in (Path(f"{server.path}-wal"), Path(f"{server.path}-shm")):
        if extra.exists():
            data += extra.read_bytes()
    return data


def test_the_server_never_sees_the_patient_name(
    pair_of_devices: tuple[Device, Device], server: SyncServer
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart, last_name=MARKER_LAST)
    patients.update_patient(a.chart, s.patient_id, first_name=MARKER_FIRST)
    a.sync()
    b.sync()
    assert MARKER_LAST in str(snapshot(b.chart)["patients"])  # it did travel, encrypted
    data = _server_bytes(server)
    for marker in (MARKER_LAST, MARKER_FIRST):
        for encoding in ("utf-8", "utf-16-le"):
            assert marker.encode(encoding) not in data
        assert marker.lower().encode() not in data
    with a.chart.uow() as uow:  # nor the practice key itself
        key = config.load(uow.conn, a.chart.device_id).key
    assert key not in data


def test_another_practice_cannot_read_or_write(
    pair_of_devices: tuple[Device, Device],
    server: SyncServer,
    make_device: Callable[..., Device],
) -> None:
    a, _b = pair_of_devices
    seed(a.chart, last_name=MARKER_LAST)
    a.sync()
    other = make_device(server.practice("Elsewhere OT"), "elsewhere")
    report = other.sync()
    assert report.pulled == 0 and snapshot(other.chart)["patients"] == {}
    with a.chart.uow() as uow:
        a_device = config.load(uow.conn, a.chart.device_id).device_id
    with pytest.raises(ProtocolError):  # another practice's device is simply not there
        sync_service.revoke_device(other.chart, a_device, transport=server.transport)
    assert all(
        d.device_id != a_device
        for d in sync_service.list_devices(other.chart, transport=server.transport)
    )
    seed(other.chart)
    other.sync()
    before = snapshot(a.chart)
    a.sync()
    assert snapshot(a.chart) == before


def test_a_revoked_device_is_refused_and_says_so(
    pair_of_devices: tuple[Device, Device], server: SyncServer
) -> None:
    a, b = pair_of_devices
    b_id = uuid.UUID(b.status().device_id or "")
    sync_service.revoke_device(a.chart, b_id, transport=server.transport)
    seed(b.chart)
    with pytest.raises(DeviceRevoked) as caught:
        b.sync()
    assert "removed from the practice's sync" in str(caught.value)
    status = b.status()
    assert status.revoked and status.state == "revoked" and status.pending > 0
    calls: list[httpx.Request] = []
    transport = server.transport
    original = transport.handle_request
    transport.handle_request = lambda r: (calls.append(r), original(r))[1]  # type: ignore[method-assign]
    with pytest.raises(DeviceRevoked):
        sync_service.sync_now(b.chart, transport=transport)
    assert calls == []  # refused locally: nothing more is sent
    listed = sync_service.list_devices(a.chart, transport=server.transport)
    assert [d.revoked_at is not None for d in listed if d.device_id == b_id] == [True]


def test_pairing_refuses_a_wrong_code_and_a_substituted_device_key(
    server: SyncServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = server.practice()
    from tests.sync.helpers import enroll

    a = enroll(server, account, tmp_path / "a.chart", "desk")
    b_chart = new_chart(tmp_path / "b.chart")
    joined = sync_service.enroll(
        b_chart,
        server=URL,
        code=server.code(account),
        device_name="laptop",
        transport=server.transport,
    )
    assert not joined.key_ready and sync_service.status(b_chart).state == "needs_key"
    approval = sync_service.approve_device(a.chart, joined.device_id, transport=server.transport)
    with pytest.raises(PairingFailed):
        sync_service.pair(b_chart, "0000-0000-0000-0000-0000", transport=server.transport)
    with pytest.raises(PairingFailed):
        sync_service.pair(b_chart, "not a code", transport=server.transport)

    # A server that lists its own public key for B: A wraps to the wrong key, B refuses.
    import nacl.public

    import syncwire as wire

    evil = bytes(nacl.public.PrivateKey.generate().public_key)
    transport = server.transport
    original = transport.handle_request

    def substitute(request: httpx.Request) -> httpx.Response:
        response = original(request)
        if request.url.path == "/v1/devices":
            body = response.json()
            for d in body["devices"]:
                if d["device_id"] == str(joined.device_id):
                    d["public_key"] = wire.b64encode(evil)
            return httpx.Response(200, json=body, request=request)
        return response

    monkeypatch.setattr(transport, "handle_request", substitute)
    forged = sync_service.approve_device(a.chart, joined.device_id, transport=transport)
    monkeypatch.undo()
    with pytest.raises(PairingFailed):
        sync_service.pair(b_chart, forged.pairing_code, transport=server.transport)
    # The honest approval still works.
    sync_service.pair(b_chart, approval.pairing_code, transport=server.transport)
    assert sync_service.status(b_chart).state != "needs_key"
    b_chart.lock()
    a.close()


def test_backup_and_recovery_key_restore_the_sync_key(server: SyncServer, tmp_path: Path) -> None:
    account = server.practice()
    session, recovery = charts.create_chart(
        tmp_path / "c.chart", PASSPHRASE, kdf=charts.KdfParams.fast_for_tests()
    )
    sync_service.enroll(
        session,
        server=URL,
        code=server.code(account),
        device_name="desk",
        transport=server.transport,
    )
    seed(session)
    sync_service.sync_now(session, transport=server.transport)
    with session.uow() as uow:
        key = config.load(uow.conn, session.device_id).key
    backup = session.backup()
    session.lock()
    restored = charts.open_chart(backup, recovery_key=recovery)
    try:
        with restored.uow() as uow:
            assert config.load(uow.conn, restored.device_id).key == key
            assert sync_store.get_meta(uow.conn, config.TOKEN)
        report = sync_service.sync_now(restored, transport=server.transport)
        assert report.refused == 0
    finally:
        restored.lock()


def test_patient_ciphertext_sizes_do_not_track_name_and_address_length(
    pair_of_devices: tuple[Device, Device], server: SyncServer
) -> None:
    """Issue 22: ciphertexts are padded to size buckets (r was 0.97 unpadded)."""
    import datetime as dt
    import random

    from sqlalchemy import func, select

    from server.tables import change_log

    a, b = pair_of_devices
    rng = random.Random(22)
    lengths = []
    for i in range(30):
        last = "".join(rng.choice("abcdefghij") for _ in range(rng.randint(3, 24))).title()
        street = f"{rng.randint(1, 99999)} " + "x" * rng.randint(5, 60) + " Street"
        patients.create_patient(
            a.chart,
            first_name="Pat",
            last_name=last,
            date_of_birth=dt.date(1950 + i, 1, 1),
            address_line1=street,
            city="y" * rng.randint(3, 20),
        )
        lengths.append(len(last) + len(street))
    a.sync()
    with server.engine.connect() as conn:
        sizes = (
            conn.execute(
                select(func.length(change_log.c.ciphertext)).where(change_log.c.entity == "patient")
            )
            .scalars()
            .all()
        )
    assert len(sizes) == 30
    assert len(set(sizes)) == 1, sorted(set(sizes))  # one bucket for every one of them
    assert max(lengths) - min(lengths) > 60  # the plaintexts did differ
    b.sync()
    assert snapshot(a.chart)["patients"] == snapshot(b.chart)["patients"]  # padding stripped
