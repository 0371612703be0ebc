"""Test-side client helpers: an enrolled device speaking the wire protocol through a TestClient.

Changes are built the way the real client will build them: opaque UUIDs and ciphertext from
PyNaCl's SecretBox under a practice key the server never sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import nacl.secret
import nacl.utils
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from server import accounts
from server.config import Settings
from syncwire import SCHEMA_HEADER, b64encode

PRACTICE_KEY = nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE)


def seal(plaintext: bytes, key: bytes = PRACTICE_KEY) -> tuple[str, str]:
    """(ciphertext, nonce) as base64, encrypted client-side with XSalsa20-Poly1305."""
    box = nacl.secret.SecretBox(key)
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    return b64encode(box.encrypt(plaintext, nonce).ciphertext), b64encode(nonce)


def make_change(
    *,
    record_id: uuid.UUID | str | None = None,
    parents: Iterable[uuid.UUID | str] = (),
    kind: str = "create",
    plaintext: bytes = b"draft text",
    change_id: uuid.UUID | None = None,
    version_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    ciphertext, nonce = seal(plaintext)
    return {
        "change_id": str(change_id or uuid.uuid4()),
        "record_id": str(record_id or uuid.uuid4()),
        "entity": "note",
        "version_id": str(version_id or uuid.uuid4()),
        "parent_ids": [str(p) for p in parents],
        "kind": kind,
        "ciphertext": ciphertext,
        "nonce": nonce,
        "key_id": "practice-1",
    }


def child_of(parent: dict[str, Any], *, kind: str = "edit", **kw: Any) -> dict[str, Any]:
    return make_change(
        record_id=parent["record_id"], parents=[parent["version_id"]], kind=kind, **kw
    )


def generous(url: str, **overrides: object) -> Settings:
    """Settings whose rate limits stay out of the way unless a test sets them."""
    values: dict[str, object] = {"rate_per_second": 10_000.0, "rate_burst": 10_000}
    values.update(overrides)
    return Settings(database_url=url, **values)  # type: ignore[arg-type]


@dataclass
class Device:
    client: TestClient
    device_id: str
    token: str
    account_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def push(
        self, changes: Sequence[dict[str, Any]], batch_id: uuid.UUID | str | None = None
    ) -> httpx.Response:
        body = {
            "device_id": self.device_id,
            "batch_id": str(batch_id or uuid.uuid4()),
            "changes": list(changes),
        }
        return self.client.post("/v1/sync/push", json=body, headers=self.headers)

    def push_ok(self, changes: Sequence[dict[str, Any]], **kw: Any) -> list[dict[str, Any]]:
        response = self.push(changes, **kw)
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def pull(self, after: int = 0, limit: int = 500) -> httpx.Response:
        return self.client.get(  # as this app: it reads schema 3 (opaque wire ids)
            "/v1/sync/pull", params={"after": after, "limit": limit},
            headers={**self.headers, SCHEMA_HEADER: "3"},
        )

    def pull_all(self, after: int = 0, limit: int = 500) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        for _ in range(10_000):
            response = self.pull(after, limit)
            assert response.status_code == 200, response.text
            body = response.json()
            changes += body["changes"]
            after = body["next_after"]
            if not body["has_more"]:
                return changes
        raise AssertionError("pull did not finish")


@dataclass
class Practice:
    client: TestClient
    engine: Engine
    account_id: uuid.UUID
    name: str
    devices: list[Device] = field(default_factory=list)

    @classmethod
    def create(cls, client: TestClient, engine: Engine, name: str) -> Practice:
        row = accounts.create_account(engine, name)
        return cls(client, engine, row.account_id, name)

    def code(self, ttl: timedelta = timedelta(minutes=15)) -> str:
        code, _expires = accounts.create_enroll_code(self.engine, self.account_id, ttl)
        return code

    def enroll(self, name: str = "laptop", public_key: str | None = None) -> Device:
        body: dict[str, Any] = {"code": self.code(), "device_name": name}
        if public_key is not None:
            body["public_key"] = public_key
        response = self.client.post("/v1/enroll", json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        device = Device(self.client, data["device_id"], data["token"], data["account_id"])
        self.devices.append(device)
        return device
