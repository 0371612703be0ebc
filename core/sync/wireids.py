"""Opaque ids on the wire: what the sync server sees instead of the chart's own ids.

Contract (docs/sync.md §3 "Ids on the wire"):

* The chart's record, version and change ids are UUIDv7: their first 48 bits are the
  millisecond they were made, offline ones too. From schema 3 on, the server is sent instead
  ``wire_id(key, kind, local)``: HMAC-SHA-256 under the practice's *wire key*, truncated to 128
  bits and stamped as a version-4 UUID, so it reads as random and says nothing about time.
  The chart's own ids travel inside the ciphertext (``crypto.VersionBody.ids``), where the
  AEAD binds them to the wire ids it was sealed with.
* The mapping is a keyed function, not a table of random ids, because some records have
  deterministic ids that two devices can make independently (schedule occurrences, supplies
  used by a note): both must arrive at the same wire record. Each version's and record's wire
  id is still stored with the version (``record_versions.wire_id`` / ``wire_record``), so an
  echo is recognised without decrypting and versions already on the server under their own
  ids (sent before schema 3: "legacy", wire id = local id) keep the ids the log knows them by.
* The wire key is 32 random bytes made with the practice's first key and handed to every
  device with the pairing blob. It is never rotated: a revoked device that kept it learns
  only which wire id is which record, which it knew. A practice enrolled before wire keys
  existed has none on any device; every device then derives the same key from the account id
  (still opaque to the server: it never sees the local ids, whose 74 random bits it cannot
  guess), so the devices of one practice always agree.
* Record ids that are not UUIDv7s (derived ids: ``record_wire_id``) go out as they are: they
  hold no time, and devices on both sides of the upgrade must name them alike.
* HMAC comes from the standard library (``hmac``): nothing here is hand-rolled crypto.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable

KINDS = ("record", "version", "change")
WIRE_KEY_BYTES = 32
_V4 = (0xFFFF_FFFF_FFFF_0FFF_3FFF_FFFF_FFFF_FFFF, 0x0000_0000_0000_4000_8000_0000_0000_0000)
_new, _set = object.__new__, object.__setattr__


def fallback_key(account_id: uuid.UUID) -> bytes:
    """The wire key of a practice enrolled before wire keys were made (see the contract)."""
    return hashlib.sha256(b"chartside-wire-ids-v1|" + account_id.bytes).digest()


def wire_id(key: bytes, kind: str, local: uuid.UUID) -> uuid.UUID:
    """The opaque id the server knows ``local`` by; the same on every device of a practice."""
    if kind not in KINDS:
        raise ValueError(f"unknown id kind {kind!r}")
    digest = hmac.digest(key, kind.encode() + b"|" + local.bytes, "sha256")  # one-shot, in C
    # uuid.UUID(bytes=..., version=4), built directly: a push derives three per version and
    # the general constructor was most of that cost (tests/unit/test_wire_ids.py checks both
    # agree).
    out = _new(uuid.UUID)
    _set(out, "int", int.from_bytes(digest[:16], "big") & _V4[0] | _V4[1])
    _set(out, "is_safe", uuid.SafeUUID.unknown)
    return out


def record_wire_id(key: bytes, local: uuid.UUID) -> uuid.UUID:
    """A record's id on the wire: its keyed id when it is a UUIDv7 (which tells when it was
    made); itself otherwise. Records with derived ids (``uuid5`` of a schedule occurrence, a
    no-show fee, a note's supply use) carry no time, and two devices make them independently:
    one that synced before schema 3 sent the id as it is, so every device must keep doing so,
    or the server would hold one record under two ids."""
    return wire_id(key, "record", local) if local.version == 7 else local


def matches(key: bytes, kind: str, local: uuid.UUID, wire: uuid.UUID) -> bool:
    """Whether ``wire`` is ``local``'s id on the wire: its keyed id, or (legacy) itself."""
    return wire == local or hmac.compare_digest(wire.bytes, wire_id(key, kind, local).bytes)


def all_match(
    key: bytes, kind: str, pairs: Iterable[tuple[uuid.UUID, uuid.UUID]]
) -> bool:
    return all(matches(key, kind, local, wire) for local, wire in pairs)
