"""Enrollment codes, bearer tokens, revocation and account isolation (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from server_helpers import Practice, child_of, make_change
from sqlalchemy import Engine, select

from server import accounts
from server.tables import device as device_table


def test_enroll_returns_a_working_token(practice: Practice) -> None:
    device = practice.enroll("Front desk")
    response = practice.client.get("/v1/devices", headers=device.headers)
    assert response.status_code == 200
    [info] = response.json()["devices"]
    assert info["device_id"] == device.device_id
    assert info["name"] == "Front desk"
    assert info["current"] is True
    assert device.account_id == str(practice.account_id)


def test_code_is_single_use(practice: Practice, client: TestClient) -> None:
    code = practice.code()
    first = client.post("/v1/enroll", json={"code": code, "device_name": "a"})
    assert first.status_code == 201
    second = client.post("/v1/enroll", json={"code": code, "device_name": "b"})
    assert second.status_code == 401
    assert second.json()["error"] == "code_used"


def test_expired_and_unknown_codes_are_refused(
    practice: Practice, client: TestClient, engine: Engine
) -> None:
    stale, expires = accounts.create_enroll_code(
        engine,
        practice.account_id,
        timedelta(minutes=15),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    assert expires < datetime.now(UTC)
    response = client.post("/v1/enroll", json={"code": stale, "device_name": "x"})
    assert (response.status_code, response.json()["error"]) == (401, "code_expired")
    response = client.post("/v1/enroll", json={"code": "AAAA-BBBB-CCCC-DDDD", "device_name": "x"})
    assert (response.status_code, response.json()["error"]) == (401, "invalid_code")


def test_code_tolerates_case_dashes_and_lookalikes(practice: Practice, client: TestClient) -> None:
    code = practice.code()
    typed = code.replace("-", "").lower().replace("0", "o").replace("1", "l")
    response = client.post("/v1/enroll", json={"code": typed, "device_name": "phone"})
    assert response.status_code == 201, response.text


def test_only_a_hash_of_the_token_is_stored(practice: Practice, engine: Engine) -> None:
    device = practice.enroll()
    with engine.connect() as conn:
        stored = conn.execute(select(device_table.c.token_hash)).scalar_one()
    assert bytes(stored) == hashlib.sha256(device.token.encode()).digest()
    assert device.token.encode() not in bytes(stored)


def test_missing_and_unknown_tokens_get_401(client: TestClient) -> None:
    response = client.get("/v1/sync/pull")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
    response = client.get("/v1/sync/pull", headers={"Authorization": "Bearer csd1_nope"})
    assert (response.status_code, response.json()["error"]) == (401, "invalid_token")


def test_revoked_device_is_refused_everywhere(practice: Practice) -> None:
    keeper, lost = practice.enroll("desk"), practice.enroll("stolen laptop")
    assert lost.push_ok([make_change()])[0]["status"] == "accepted"
    response = practice.client.post(f"/v1/devices/{lost.device_id}/revoke", headers=keeper.headers)
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    for attempt in (
        lost.push([make_change()]),
        lost.pull(),
        practice.client.get("/v1/devices", headers=lost.headers),
        practice.client.get("/v1/keys", headers=lost.headers),
    ):
        assert attempt.status_code == 401
        assert attempt.json()["error"] == "device_revoked"
    assert keeper.pull().status_code == 200


def test_admin_revocation_takes_effect_immediately(practice: Practice, engine: Engine) -> None:
    device = practice.enroll()
    accounts.revoke_device(engine, uuid.UUID(device.device_id))
    assert device.pull().json()["error"] == "device_revoked"


def test_accounts_cannot_read_each_other(
    practice: Practice, client: TestClient, engine: Engine
) -> None:
    alice = practice.enroll("A-1")
    other = Practice.create(client, engine, "Practice B")
    bob = other.enroll("B-1")
    alice.push_ok([make_change(), make_change()])
    pulled = bob.pull()
    assert pulled.status_code == 200
    body = pulled.json()
    assert body.pop("epoch")  # Practice B's own log identity
    assert body == {"changes": [], "next_after": 0, "has_more": False, "last_seq": 0}
    names = [d["name"] for d in client.get("/v1/devices", headers=bob.headers).json()["devices"]]
    assert names == ["B-1"]
    assert bob.pull(after=1).json()["error"] == "resync_required"


def test_accounts_cannot_write_each_other(
    practice: Practice, client: TestClient, engine: Engine
) -> None:
    alice = practice.enroll("A-1")
    bob = Practice.create(client, engine, "Practice B").enroll("B-1")
    root = make_change()
    alice.push_ok([root])

    # Pushing as another device (even naming Alice's id) is refused outright.
    body = {"device_id": alice.device_id, "batch_id": str(uuid.uuid4()), "changes": [root]}
    response = client.post("/v1/sync/push", json=body, headers=bob.headers)
    assert (response.status_code, response.json()["error"]) == (403, "device_mismatch")
    # Alice's versions do not exist for Bob: no grafting onto her records.
    [result] = bob.push_ok([child_of(root)])
    assert result["status"] == "unknown_parent"
    # Reusing Alice's change id stores a separate change in Bob's log and tells Bob nothing.
    [result] = bob.push_ok([root])
    assert (result["status"], result["seq"]) == ("accepted", 1)
    # Revoking or mailing keys to another account's device looks like "no such device".
    response = client.post(f"/v1/devices/{alice.device_id}/revoke", headers=bob.headers)
    assert (response.status_code, response.json()["error"]) == (404, "unknown_device")
    key = {
        "recipient_device_id": alice.device_id,
        "key_id": "practice-1",
        "scheme": "x25519-box-v1",
        "wrapped_key": "AAAA",
    }
    response = client.post("/v1/keys", json=key, headers=bob.headers)
    assert (response.status_code, response.json()["error"]) == (404, "unknown_device")
    # Alice's log is exactly what Alice pushed.
    assert [c["change_id"] for c in alice.pull_all()] == [root["change_id"]]
    assert alice.pull().json()["changes"][0]["device_id"] == alice.device_id
