"""Stored ids read back by ``uuid_from_hex`` are exactly ``uuid.UUID``'s, and bad text fails
the way ``uuid.UUID`` fails."""

from __future__ import annotations

import pickle
import uuid

import pytest

from core.storage import types
from core.storage.types import uuid_from_hex


def test_an_id_reads_back_as_the_standard_uuid() -> None:
    for made in (uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1)):
        got = uuid_from_hex(made.hex)
        assert type(got) is uuid.UUID
        assert got == made and hash(got) == hash(made) and str(got) == str(made)
        assert got.version == made.version and got.is_safe is made.is_safe
        assert pickle.loads(pickle.dumps(got)) == made
        assert uuid_from_hex(made.hex) is got  # read again: the same immutable object


def test_other_text_goes_through_uuid_uuid() -> None:
    made = uuid.uuid4()
    assert uuid_from_hex(str(made)) == made  # hyphenated
    assert uuid_from_hex(made.hex.upper()) == made
    for bad in ("", "xyz", made.hex[:31], made.hex + "0", "g" * 32):
        with pytest.raises(ValueError):
            uuid_from_hex(bad)


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(types, "_SEEN_MAX", 5)
    types._SEEN.clear()
    ids = [uuid.uuid4() for _ in range(12)]
    assert [uuid_from_hex(u.hex) for u in ids] == ids
    assert len(types._SEEN) <= 5
