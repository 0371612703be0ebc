"""Rotating the practice sync key after a device is revoked.

A revoked device is refused by the server, but it still holds the practice key. Rotation makes
sure that what the practice writes from now on is sealed under a key it never had, so a copy
of the server's log (a breach, a subpoena, a stolen backup) plus the revoked device's chart
cannot read it.

The flow (docs/sync.md §4, "Key rotation"):

1. The device that revokes (``devices.revoke_run``), or any device on ``sync rotate-key``,
   makes a new key and stores it in its chart as *pending* (not yet used for sealing) before
   anything goes on the network, so a crash cannot lose the only copy.
2. It wraps the new key for every active device the server lists (other than itself) and
   posts each blob to that device's key mailbox:
   * inner: ``crypto_box`` from the sender's X25519 secret to the recipient's public key as
     listed, so only that device can open it;
   * outer: XChaCha20-Poly1305 under a key derived from the *previous* practice key (BLAKE2b,
     salted with the recipient's id), with associated data naming the scheme, sender,
     recipient, the recipient's public key, the new key id and the previous key id. Only a
     holder of the practice key can make a blob a device accepts; the server cannot.
3. It then makes the new key current: every version sealed from now on uses it. Versions
   already sealed stay under the key they were sealed with (every device keeps every key).
4. Another device switches when its pull meets a change under a key it does not hold: it
   reads its mailbox, opens the rotation blobs with the keys it has, stores the new key as
   current and applies the page again (``engine``). ``sync rotate-key`` or a plain sync run
   finishes a rotation that a crash interrupted (pending key → blobs posted again).

A device approved later receives every practice key in its pairing blob (``pairing``), so it
can read the whole log.

Limit (documented): a revoked device that colludes with the server still holds the previous
key and could make a rotation blob for a device whose public key the server substitutes. The
rotation protects against the revoked device on its own and against a later copy of the log.

Written here rather than taken from a library: it reuses the same libsodium primitives as
``pairing`` (PyNaCl); no kept library implements a group-key rotation over our mailbox.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid

import nacl.public
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from core.sync import config, crypto
from core.sync.errors import PairingFailed

SCHEME = "chartside-rotate-v1"
PENDING = config.KEY_PENDING  # meta: id of a new key whose blobs are not all posted yet


def _outer_key(previous_key: bytes, recipient: uuid.UUID) -> bytes:
    return hashlib.blake2b(
        previous_key, digest_size=32, salt=recipient.bytes, person=b"chartside-rot1"
    ).digest()


def _aad(
    sender: uuid.UUID,
    recipient: uuid.UUID,
    recipient_pub: bytes,
    key_id: str,
    previous_key_id: str,
) -> bytes:
    return crypto.bound({
        "key_id": key_id,
        "previous_key_id": previous_key_id,
        "recipient": str(recipient),
        "recipient_pub": base64.b64encode(recipient_pub).decode("ascii"),
        "scheme": SCHEME,
        "sender": str(sender),
    })


def wrap_rotated_key(
    *,
    previous_key_id: str,
    previous_key: bytes,
    sender: uuid.UUID,
    sender_secret: bytes,
    recipient: uuid.UUID,
    recipient_pub: bytes,
    key_id: str,
    key: bytes,
) -> bytes:
    """``len(previous_key_id) ‖ previous_key_id ‖ nonce ‖ AEAD(box)`` for one recipient."""
    inner = nacl.public.Box(
        nacl.public.PrivateKey(sender_secret), nacl.public.PublicKey(recipient_pub)
    ).encrypt(json.dumps({"key": base64.b64encode(key).decode(), "key_id": key_id}).encode())
    nonce = os.urandom(24)
    outer = crypto_aead_xchacha20poly1305_ietf_encrypt(
        bytes(inner),
        _aad(sender, recipient, recipient_pub, key_id, previous_key_id),
        nonce,
        _outer_key(previous_key, recipient),
    )
    label = previous_key_id.encode("ascii")
    return bytes([len(label)]) + label + nonce + outer


def unwrap_rotated_key(
    *,
    blob: bytes,
    keys: dict[str, bytes],
    sender: uuid.UUID,
    sender_pub: bytes,
    recipient: uuid.UUID,
    recipient_secret: bytes,
    key_id: str,
) -> bytes:
    """The new key inside ``blob``; ``PairingFailed`` if it was not made by a key holder for
    this device (wrong previous key, other recipient or public key, tampered bytes)."""
    if not blob or len(blob) < 1 + blob[0] + 24 + 16:
        raise PairingFailed("A key rotation message for this device is damaged.")
    size = blob[0]
    try:
        previous_key_id = blob[1 : 1 + size].decode("ascii")
    except UnicodeDecodeError as exc:
        raise PairingFailed("A key rotation message for this device is damaged.") from exc
    previous = keys.get(previous_key_id)
    if previous is None:
        raise PairingFailed(
            "A key rotation message names a practice key this device never had.",
            hint="Approve this device again from a device that syncs.",
        )
    rest = blob[1 + size :]
    recipient_pub = bytes(nacl.public.PrivateKey(recipient_secret).public_key)
    try:
        inner = crypto_aead_xchacha20poly1305_ietf_decrypt(
            rest[24:],
            _aad(sender, recipient, recipient_pub, key_id, previous_key_id),
            rest[:24],
            _outer_key(previous, recipient),
        )
        opened = nacl.public.Box(
            nacl.public.PrivateKey(recipient_secret), nacl.public.PublicKey(sender_pub)
        ).decrypt(inner)
    except CryptoError as exc:
        raise PairingFailed(
            "A key rotation message for this device does not open.",
            hint="It was not made by a device of this practice; tell your practice admin.",
        ) from exc
    doc = json.loads(opened)
    if doc.get("key_id") != key_id:
        raise PairingFailed("A rotated key does not carry the id it was announced with.")
    key = base64.b64decode(doc["key"])
    if len(key) != 32:
        raise PairingFailed("A rotated key has the wrong length.")
    return key
