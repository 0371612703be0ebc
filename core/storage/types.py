"""Column types that store domain values in a stable, readable form."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

import sqlalchemy
from sqlalchemy import Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_UUID = uuid.UUID
_new = object.__new__
_set = object.__setattr__
_UNKNOWN = uuid.SafeUUID.unknown
_HEX = frozenset("0123456789abcdef")
_SEEN: dict[str, uuid.UUID] = {}
_SEEN_MAX = 20_000


def uuid_from_hex(text: str) -> uuid.UUID:
    """A stored id (32 lower-case hex digits, as ``Uuid`` binds it) as a ``uuid.UUID``.

    Ids repeat across rows (a patient's, an episode's, a clinician's on every visit), so the
    last ~20,000 distinct texts are kept and an id read again is the same immutable object;
    a new one is built directly (``uuid.UUID(hex)`` first strips URN prefixes, braces and
    hyphens). Decoding was about a twentieth of a whole-year claim scrub. Anything that is not
    32 lower-case hex digits goes through ``uuid.UUID``, which raises as before."""
    found = _SEEN.get(text)
    if found is not None:
        return found
    if len(text) == 32 and _HEX.issuperset(text):
        found = _new(_UUID)
        _set(found, "int", int(text, 16))
        _set(found, "is_safe", _UNKNOWN)
    else:
        return _UUID(text)
    if len(_SEEN) >= _SEEN_MAX:
        _SEEN.clear()
    _SEEN[text] = found
    return found


class Uuid(sqlalchemy.Uuid):  # type: ignore[type-arg]
    """``sqlalchemy.Uuid`` (the same CHAR(32) column on SQLite), read by ``uuid_from_hex``."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if (dialect.supports_native_uuid and self.native_uuid) or not self.as_uuid:
            return super().result_processor(dialect, coltype)

        def process(value: Any) -> uuid.UUID | None:
            return None if value is None else uuid_from_hex(value)

        return process


class EnumValue(TypeDecorator[StrEnum]):
    """Stores a ``StrEnum`` by its value (e.g. 'signed'); triggers compare against these."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        if value is None:
            return None
        # the member by its value without the Enum call machinery (a large read decodes one
        # per row and column); anything unknown still goes through the call, which raises
        member = self.enum._value2member_map_.get(value)
        return member if member is not None else self.enum(value)  # type: ignore[return-value]


class IdTuple(TypeDecorator[tuple[uuid.UUID, ...]]):
    """A tuple of UUIDs as a JSON array of strings."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps([str(v) for v in (value or ())])

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[uuid.UUID, ...]:
        if not value or value == "[]":  # most rows: no JSON parse for an empty list
            return ()
        return _id_tuple(value)


@lru_cache(maxsize=4096)
def _id_tuple(value: str) -> tuple[uuid.UUID, ...]:
    """A stored id list, decoded once per distinct text: the blocks of a plan of care link the
    same few goals, and parsing each UUID again was a tenth of reading a year of notes. The
    tuple and its UUIDs are immutable, so sharing them is safe."""
    return tuple(uuid.UUID(v) for v in json.loads(value))


class StrTuple(TypeDecorator[tuple[str, ...]]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps(list(value or ()))

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[str, ...]:
        if not value or value == "[]":
            return ()
        return tuple(json.loads(value))


class JsonValue(TypeDecorator[Any]):
    """JSON text with sorted keys, so equal values store identically."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps(value if value is not None else {}, sort_keys=True, default=str)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if not value or value == "{}":
            return {}  # a fresh dict each time: callers may change it
        if value == "[]":
            return []
        return json.loads(value)


class OptionalJson(TypeDecorator[Any]):
    """JSON text (sorted keys) where ``None`` is stored as NULL and read back as ``None``
    ("not set" differs from an empty list: a note's supplies, issue 20)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, sort_keys=True, default=str)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


class Milli(TypeDecorator[Decimal]):
    """An exact quantity with 3 decimals (``Decimal``) stored as integer thousandths, so sums in
    SQL and sync payloads never see a binary fraction (1.5 m → 1500)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(str(value)) * 1000).to_integral_value())

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else (Decimal(int(value)) / 1000).quantize(Decimal("0.001"))
