"""Pure logic of opaque wire ids (core.sync.wireids) and the schema 3 envelope."""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.ids import new_id
from core.sync import crypto, wireids
from core.sync.errors import TamperedChange

KEY = bytes(range(32))


@given(st.uuids(), st.sampled_from(wireids.KINDS))
def test_a_wire_id_is_a_stable_random_looking_uuid4(local: uuid.UUID, kind: str) -> None:
    wire = wireids.wire_id(KEY, kind, local)
    assert wire == wireids.wire_id(KEY, kind, local)
    digest = hmac.new(KEY, kind.encode() + b"|" + local.bytes, hashlib.sha256).digest()
    assert wire == uuid.UUID(bytes=digest[:16], version=4)  # the direct build agrees
    assert str(wire) == str(uuid.UUID(str(wire))) and hash(wire) == hash(uuid.UUID(str(wire)))
    assert wire.version == 4 and wire.variant == uuid.RFC_4122
    assert wire != local and wireids.matches(KEY, kind, local, wire)
    assert wireids.matches(KEY, kind, local, local)  # legacy: the log knows it by itself
    assert not wireids.matches(KEY, kind, local, uuid.uuid4())


def test_kinds_and_keys_separate_ids() -> None:
    local = new_id()
    ids = {wireids.wire_id(KEY, kind, local) for kind in wireids.KINDS}
    ids.add(wireids.wire_id(os.urandom(32), "record", local))
    assert len(ids) == 4
    with pytest.raises(ValueError):
        wireids.wire_id(KEY, "patient", local)


def test_consecutive_uuid7s_share_nothing_on_the_wire() -> None:
    """Ids made in the same millisecond differ by one in their low bits; their wire ids
    agree on no more leading bits than chance."""
    made = [new_id() for _ in range(200)]
    assert len({m.int >> 80 for m in made}) < 20  # the locals: few distinct milliseconds
    wired = [wireids.wire_id(KEY, "version", m) for m in made]
    assert len({w.int >> 80 for w in wired}) == 200


def test_the_fallback_key_is_per_account() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert wireids.fallback_key(a) == wireids.fallback_key(a) != wireids.fallback_key(b)


def _header(parents: tuple[uuid.UUID, ...] = ()) -> crypto.VersionHeader:
    return crypto.VersionHeader(
        uuid.uuid4(), uuid.uuid4(), "note", uuid.uuid4(), parents, "edit", "pk-1"
    )


def test_schema_3_carries_the_local_ids_inside() -> None:
    parents = (uuid.uuid4(), uuid.uuid4())
    local = crypto.LocalIds(new_id(), new_id(), new_id(), (new_id(), new_id()))
    body = crypto.VersionBody("{}", "2026-01-01T00:00:00", "d", ids=local)
    header = _header(parents)
    ciphertext, nonce = crypto.seal_version(KEY, header, body)
    opened = crypto.open_version(KEY, header, ciphertext, nonce)
    assert opened == body
    with pytest.raises(ValueError):  # a schema 3 version must say its ids, one per parent
        crypto.seal_version(KEY, header, crypto.VersionBody("{}", "t", "d"))


def test_schema_2_versions_still_open_without_ids() -> None:
    header = crypto.VersionHeader(
        uuid.uuid4(), uuid.uuid4(), "note", uuid.uuid4(), (), "edit", "pk-1", schema_version=2
    )
    ciphertext, nonce = crypto.seal_version(KEY, header, crypto.VersionBody("{}", "t", "d"))
    assert crypto.open_version(KEY, header, ciphertext, nonce).ids is None
    with pytest.raises(TamperedChange):  # the schema is bound: no relabelling to 3
        crypto.open_version(
            KEY, crypto.VersionHeader(*[getattr(header, f) for f in (
                "change_id", "record_id", "entity", "version_id", "parent_ids", "kind", "key_id"
            )]), ciphertext, nonce
        )


def test_derived_record_ids_go_out_as_they_are() -> None:
    """A UUIDv7 record id tells when it was made: keyed. A derived one (uuid5) does not, and
    devices on both sides of the upgrade must name it alike: as it is."""
    made = new_id()
    derived = uuid.uuid5(uuid.NAMESPACE_URL, "series:20260309T0900")
    assert wireids.record_wire_id(KEY, made) == wireids.wire_id(KEY, "record", made) != made
    assert wireids.record_wire_id(KEY, derived) == derived
    assert wireids.matches(KEY, "record", derived, wireids.record_wire_id(KEY, derived))
