"""Key-sharing mailbox: an enrolled device hands the practice key to a new one, end to end.

This is the flow docs/server.md describes, played with PyNaCl: the new device's public key
travels through the server, the pairing code (a fingerprint of that key) does not, and the
wrapped practice key is a ``crypto_box`` only the new device can open.
"""

from __future__ import annotations

import base64
import hashlib

import nacl.public
import nacl.secret
from fastapi.testclient import TestClient
from server_helpers import PRACTICE_KEY, Practice, make_change
from sqlalchemy import Engine

from syncwire import b64decode, b64encode


def pairing_code(public_key: bytes) -> str:
    """What the new device shows and the user types on the approving device (100 bits)."""
    digest = hashlib.sha256(b"chartside-pair-v1" + public_key).digest()
    text = base64.b32encode(digest).decode()[:20]
    return "-".join(text[i : i + 4] for i in range(0, 20, 4))


def test_practice_key_reaches_a_new_device_through_the_mailbox(practice: Practice) -> None:
    old_secret = nacl.public.PrivateKey.generate()
    old = practice.enroll("desk", public_key=b64encode(bytes(old_secret.public_key)))
    old.push_ok([make_change(plaintext=b"visit note")])

    new_secret = nacl.public.PrivateKey.generate()
    new = practice.enroll("new laptop", public_key=b64encode(bytes(new_secret.public_key)))
    shown_on_new_device = pairing_code(bytes(new_secret.public_key))

    # The approving device looks the new device up and checks the code the user typed.
    devices = practice.client.get("/v1/devices", headers=old.headers).json()["devices"]
    [listed] = [d for d in devices if d["device_id"] == new.device_id]
    served_key = b64decode(listed["public_key"])
    assert pairing_code(served_key) == shown_on_new_device
    box = nacl.public.Box(old_secret, nacl.public.PublicKey(served_key))
    post = {
        "recipient_device_id": new.device_id,
        "key_id": "practice-1",
        "scheme": "x25519-box-v1",
        "wrapped_key": b64encode(bytes(box.encrypt(PRACTICE_KEY))),
        "sender_public_key": b64encode(bytes(old_secret.public_key)),
    }
    response = practice.client.post("/v1/keys", json=post, headers=old.headers)
    assert response.status_code == 201, response.text
    assert response.json()["sender_device_id"] == old.device_id

    # Only the recipient's mailbox holds it.
    assert practice.client.get("/v1/keys", headers=old.headers).json() == {"keys": []}
    [blob] = practice.client.get("/v1/keys", headers=new.headers).json()["keys"]
    opener = nacl.public.Box(
        new_secret, nacl.public.PublicKey(b64decode(blob["sender_public_key"]))
    )
    practice_key = opener.decrypt(b64decode(blob["wrapped_key"]))
    assert practice_key == PRACTICE_KEY

    # ... and with it the new device reads what the old one wrote.
    [change] = new.pull_all()
    plain = nacl.secret.SecretBox(practice_key).decrypt(
        b64decode(change["ciphertext"]), b64decode(change["nonce"])
    )
    assert plain == b"visit note"


def test_mailbox_refuses_revoked_and_unknown_recipients(
    practice: Practice, client: TestClient, engine: Engine
) -> None:
    sender, gone = practice.enroll("desk"), practice.enroll("gone")
    client.post(f"/v1/devices/{gone.device_id}/revoke", headers=sender.headers)
    post = {
        "recipient_device_id": gone.device_id,
        "key_id": "practice-1",
        "scheme": "x25519-box-v1",
        "wrapped_key": b64encode(b"\x00" * 72),
    }
    response = client.post("/v1/keys", json=post, headers=sender.headers)
    assert (response.status_code, response.json()["error"]) == (404, "unknown_device")
    oversized = dict(post, recipient_device_id=sender.device_id, wrapped_key=b64encode(b"x" * 5000))
    assert client.post("/v1/keys", json=oversized, headers=sender.headers).status_code == 422
