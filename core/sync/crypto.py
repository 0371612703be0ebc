"""End-to-end encryption of record versions with the practice sync key.

Contract:

* The practice sync key is 32 random bytes made once, at the first enrollment of the first
  device, and kept in the encrypted chart's ``meta`` (so a chart backup plus its recovery key
  restores it). ``key_id`` names it on the wire (``pk-`` + 16 hex digits).
* Each version is sealed with XChaCha20-Poly1305 (libsodium via PyNaCl), a fresh random
  24-byte nonce, and associated data binding it to its place in the log:
  ``["chartside-sync-v1", change_id, record_id, entity, version_id, sorted parent_ids, kind,
  key_id, schema_version]`` as canonical JSON. The server can therefore neither move a
  ciphertext to another record or version, nor relabel an edit as an addendum, nor change its
  parents, without ``open_version`` failing.
* The plaintext is one header line of canonical JSON (``created_at``, ``device``, ``v``)
  followed by the record payload exactly as ``core.storage.outbox`` stored it, then (schema 2)
  NUL bytes up to a size bucket: powers of two from 1 KiB to 64 KiB, then Padmé (at most ~12 %
  over), so a ciphertext's size says which bucket, not how long a name or address is. Canonical
  JSON never holds a raw NUL, so the padding strips unambiguously; schema 1 (unpadded)
  versions still open.
* Schema 3: the ids in the header (and so in the AAD and on the wire) are opaque
  (``core.sync.wireids``); the chart's own change, record, version and parent ids ride in the
  plaintext header's ``ids`` (``LocalIds``). A schema newer than
  this app's is refused (``NewerSchema``) before anything is applied.
* Sealing happens once per version; the ciphertext is stored before the first send.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

import syncwire as wire
from core.sync.errors import NewerSchema, TamperedChange

SCHEMA_VERSION = 3  # 2: padded to a size bucket; 3: opaque wire ids, local ids inside
AAD_TAG = "chartside-sync-v1"
KEY_BYTES = 32
NONCE_BYTES = 24


def new_sync_key() -> tuple[str, bytes]:
    """A fresh practice key and its id."""
    return f"pk-{secrets.token_hex(8)}", os.urandom(KEY_BYTES)


@dataclass(frozen=True, slots=True)
class VersionHeader:
    """What the AAD binds: a version's identity and place in its record's graph."""

    change_id: uuid.UUID
    record_id: uuid.UUID
    entity: str
    version_id: uuid.UUID
    parent_ids: tuple[uuid.UUID, ...]
    kind: str
    key_id: str
    schema_version: int = SCHEMA_VERSION


def bound(doc: dict[str, object]) -> bytes:
    """Associated data for the key mailbox's blobs (pairing, rotation, audit anchors): the
    document as canonical JSON (sorted keys, no spaces), so every device builds the same bytes."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def aad(h: VersionHeader) -> bytes:
    fields = [
        AAD_TAG,
        str(h.change_id),
        str(h.record_id),
        h.entity,
        str(h.version_id),
        sorted(str(p) for p in h.parent_ids),
        h.kind,
        h.key_id,
        h.schema_version,
    ]
    return json.dumps(fields, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class LocalIds:
    """The chart's own ids of a version sealed under opaque wire ids (schema 3)."""

    change_id: uuid.UUID
    record_id: uuid.UUID
    version_id: uuid.UUID
    parent_ids: tuple[uuid.UUID, ...]  # the same parents as the header's wire parent ids

    def to_json(self) -> dict[str, object]:
        return {
            "c": self.change_id.hex,
            "r": self.record_id.hex,
            "v": self.version_id.hex,
            "p": [p.hex for p in self.parent_ids],
        }

    @classmethod
    def from_json(cls, doc: object) -> LocalIds:
        if not isinstance(doc, dict) or not isinstance(doc.get("p"), list):
            raise ValueError("ids")
        return cls(
            uuid.UUID(hex=str(doc["c"])),
            uuid.UUID(hex=str(doc["r"])),
            uuid.UUID(hex=str(doc["v"])),
            tuple(uuid.UUID(hex=str(p)) for p in doc["p"]),
        )


@dataclass(frozen=True, slots=True)
class VersionBody:
    """The decrypted content of a version."""

    payload: str
    created_at: str
    device: str
    ids: LocalIds | None = None  # schema 3; None: the wire ids are the chart's ids


MIN_BUCKET = 1024
POW2_UNTIL = 64 * 1024


def bucket(length: int) -> int:
    """The padded size of a plaintext of ``length`` bytes (see the module docstring)."""
    if length <= MIN_BUCKET:
        return MIN_BUCKET
    if length <= POW2_UNTIL:
        return 1 << (length - 1).bit_length()
    exponent = length.bit_length() - 1  # Padmé: keep the top bits of the length
    mask = (1 << (exponent - exponent.bit_length())) - 1
    return (length + mask) & ~mask


def seal_version(key: bytes, h: VersionHeader, body: VersionBody) -> tuple[bytes, bytes]:
    """(ciphertext, nonce) for one version."""
    doc: dict[str, object] = {
        "created_at": body.created_at,
        "device": body.device,
        "v": h.schema_version,
    }
    if h.schema_version >= 3:
        if body.ids is None or len(body.ids.parent_ids) != len(h.parent_ids):
            raise ValueError("a schema 3 version carries its local ids, one per parent")
        doc["ids"] = body.ids.to_json()
    header = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    plaintext = (header + "\n" + body.payload).encode("utf-8")
    if h.schema_version >= 2:
        plaintext += b"\0" * (bucket(len(plaintext)) - len(plaintext))
    nonce = os.urandom(NONCE_BYTES)
    return crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad(h), nonce, key), nonce


def open_version(key: bytes, h: VersionHeader, ciphertext: bytes, nonce: bytes) -> VersionBody:
    """Decrypt and authenticate; ``TamperedChange`` if anything bound by the AAD was altered,
    ``NewerSchema`` if it was sealed by a newer app than this one."""
    if h.schema_version > SCHEMA_VERSION:
        raise NewerSchema(
            "The sync server holds changes made by a newer version of Chartside.",
            hint="Update Chartside on this device, then sync again. Nothing was changed here.",
        )
    try:
        plaintext = crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, aad(h), nonce, key)
    except CryptoError as exc:
        raise TamperedChange(
            "A change from the sync server failed its integrity check and was not applied.",
            hint="Nothing was changed here. Tell your practice admin; the server may be "
            "damaged or tampered with.",
        ) from exc
    text = plaintext.rstrip(b"\0").decode("utf-8")
    header_text, _, payload = text.partition("\n")
    header = json.loads(header_text)
    ids = None
    if h.schema_version >= 3:
        try:
            ids = LocalIds.from_json(header.get("ids"))
        except (ValueError, KeyError, TypeError) as exc:
            raise TamperedChange(
                "A change from the sync server does not say which record it belongs to.",
                hint="Nothing was changed here. Tell your practice admin.",
            ) from exc
        if len(ids.parent_ids) != len(h.parent_ids):
            raise TamperedChange("A change from the sync server lists parents it does not name.")
    return VersionBody(
        payload=payload,
        created_at=str(header["created_at"]),
        device=str(header["device"]),
        ids=ids,
    )


def header_of(change: wire.Change) -> VersionHeader:
    """The header a change on the wire was sealed under (its ids as the server knows them)."""
    return VersionHeader(
        change_id=change.change_id,
        record_id=change.record_id,
        entity=change.entity,
        version_id=change.version_id,
        parent_ids=tuple(change.parent_ids),
        kind=change.kind,
        key_id=change.key_id,
        schema_version=change.schema_version,
    )


def sorted_ids(ids: Sequence[uuid.UUID]) -> tuple[uuid.UUID, ...]:
    return tuple(sorted(ids, key=str))
