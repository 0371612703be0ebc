"""Handing the practice sync key to a new device without the server ever being able to read it.

The flow (docs/sync.md §4):

1. The new device B enrolls with an X25519 public key (its secret stays in B's chart).
2. On a device A that already syncs, the user picks B in the device list and approves it.
   A makes a **pairing code**: 100 random bits shown as ``XXXX-XXXX-XXXX-XXXX-XXXX`` (Crockford
   base32). The code is shown on A's screen only; it never travels over the network.
3. A wraps the key twice and posts the blob to the server's key mailbox for B:
   * inner: ``crypto_box`` (X25519 + XSalsa20-Poly1305) from A's secret key to B's public key
     as the server listed it, so only the holder of B's secret key can open it;
   * outer: XChaCha20-Poly1305 under ``BLAKE2b(code, salt=B's device id)``, with associated
     data naming the scheme, A, B, B's public key and the key id.
4. The user types the code on B; B opens the outer layer (proving the blob comes from someone
   who saw the code on A's screen and names B's own public key), then the inner layer.

A server that substitutes B's public key when A lists devices gets a blob it cannot open (it
lacks the code) and B refuses it (the AAD names another public key). A server that plants its
own blob cannot produce the outer layer without the code. Guessing the code offline means
searching 2^100 values.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import uuid

import nacl.public
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from core.sync import crypto
from core.sync.errors import PairingFailed

SCHEME = "chartside-pair-v1"
CODE_CHARS = 20
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_IN = {c: i for i, c in enumerate(_CROCKFORD)} | {"O": 0, "I": 1, "L": 1}


def new_box_keypair() -> tuple[bytes, bytes]:
    """(secret, public) X25519 keys for a device."""
    secret = nacl.public.PrivateKey.generate()
    return bytes(secret), bytes(secret.public_key)


def new_pairing_code() -> str:
    value = secrets.randbits(CODE_CHARS * 5)
    chars = [_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(CODE_CHARS))]
    text = "".join(chars)
    return "-".join(text[i : i + 4] for i in range(0, CODE_CHARS, 4))


def parse_pairing_code(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch not in "- \t\n")
    if len(cleaned) != CODE_CHARS or any(c not in _CROCKFORD_IN for c in cleaned):
        raise PairingFailed(
            "That is not a pairing code.", hint="It has 20 characters in 5 groups of 4."
        )
    value = 0
    for ch in cleaned:
        value = (value << 5) | _CROCKFORD_IN[ch]
    return value.to_bytes((CODE_CHARS * 5 + 7) // 8, "big")


def _code_key(code: str, recipient: uuid.UUID) -> bytes:
    return hashlib.blake2b(
        parse_pairing_code(code), digest_size=32, salt=recipient.bytes, person=b"chartside-pair1"
    ).digest()


def _outer_aad(sender: uuid.UUID, recipient: uuid.UUID, recipient_pub: bytes, key_id: str) -> bytes:
    return crypto.bound({
        "key_id": key_id,
        "recipient": str(recipient),
        "recipient_pub": base64.b64encode(recipient_pub).decode("ascii"),
        "scheme": SCHEME,
        "sender": str(sender),
    })


def wrap_key(
    *,
    code: str,
    sender: uuid.UUID,
    sender_secret: bytes,
    recipient: uuid.UUID,
    recipient_pub: bytes,
    key_id: str,
    key: bytes,
    older: dict[str, bytes] | None = None,
    wire_key: bytes | None = None,
) -> bytes:
    """The mailbox blob for ``recipient``: nonce ‖ XChaCha20-Poly1305(code key, box).

    ``older``: the practice's earlier keys (after rotations), so the new device can read
    the versions sealed under them. ``wire_key``: the practice's wire-id key
    (``core.sync.wireids``), if it has one."""
    doc: dict[str, object] = {"key": base64.b64encode(key).decode(), "key_id": key_id}
    if wire_key:
        doc["wire_key"] = base64.b64encode(wire_key).decode()
    if older:
        doc["older"] = {k: base64.b64encode(v).decode() for k, v in sorted(older.items())}
    inner = nacl.public.Box(
        nacl.public.PrivateKey(sender_secret), nacl.public.PublicKey(recipient_pub)
    ).encrypt(json.dumps(doc).encode())
    nonce = os.urandom(24)
    outer = crypto_aead_xchacha20poly1305_ietf_encrypt(
        bytes(inner),
        _outer_aad(sender, recipient, recipient_pub, key_id),
        nonce,
        _code_key(code, recipient),
    )
    return nonce + outer


def unwrap_key(
    *,
    code: str,
    blob: bytes,
    sender: uuid.UUID,
    sender_pub: bytes,
    recipient: uuid.UUID,
    recipient_secret: bytes,
    key_id: str,
) -> tuple[bytes, dict[str, bytes], bytes | None]:
    """The practice key inside ``blob``, the earlier keys and the wire-id key it carries;
    ``PairingFailed`` if the code or any binding is wrong."""
    recipient_pub = bytes(nacl.public.PrivateKey(recipient_secret).public_key)
    try:
        inner = crypto_aead_xchacha20poly1305_ietf_decrypt(
            blob[24:],
            _outer_aad(sender, recipient, recipient_pub, key_id),
            blob[:24],
            _code_key(code, recipient),
        )
    except CryptoError as exc:
        raise PairingFailed(
            "The pairing code does not match the key offered to this device.",
            hint="Check the code on the approving device, or approve this device again.",
        ) from exc
    try:
        opened = nacl.public.Box(
            nacl.public.PrivateKey(recipient_secret), nacl.public.PublicKey(sender_pub)
        ).decrypt(inner)
    except CryptoError as exc:
        raise PairingFailed(
            "The offered key was not sealed for this device's key pair.",
            hint="The server may have altered the device list; approve this device again and "
            "tell your practice admin.",
        ) from exc
    doc = json.loads(opened)
    if doc.get("key_id") != key_id:
        raise PairingFailed("The offered key does not carry the id it was announced with.")
    older = doc.get("older") or {}
    wire_key = doc.get("wire_key")
    if not isinstance(older, dict) or not isinstance(wire_key, str | None):
        raise PairingFailed("The offered key is damaged.")
    return (
        base64.b64decode(doc["key"]),
        {str(k): base64.b64decode(v) for k, v in older.items() if k != key_id},
        base64.b64decode(wire_key) if wire_key else None,
    )


def fingerprint(public_key: bytes) -> str:
    """Short, readable fingerprint of a device key (shown next to device names)."""
    digest = hashlib.sha256(b"chartside-device-key" + public_key).digest()
    text = base64.b32encode(digest).decode()[:8]
    return f"{text[:4]}-{text[4:]}"
