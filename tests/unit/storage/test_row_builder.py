"""``row_builder`` builds exactly what ``from_row`` builds (same rule: an extra, else the
column, else the default, else the factory), for dict-backed and slotted dataclasses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest

from core.domain.enums import Laterality
from core.domain.visit import Note, TimedBlock
from core.storage.mapper import from_row, row_builder


@dataclasses.dataclass(frozen=True, slots=True)
class Slotted:
    a: int
    b: str = "b"
    c: list[int] = dataclasses.field(default_factory=list)


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def test_a_block_row_builds_as_from_row_does() -> None:
    note_id, goal = uuid.uuid4(), uuid.uuid4()
    row = {"id": uuid.uuid4(), "position": 2, "code": "97110", "start": dt.time(9),
           "stop": dt.time(9, 12), "goal_ids": (goal,), "laterality": Laterality.LEFT,
           "details": {"exercises": []}, "goal_connection": "stairs", "modifiers": ("59",),
           "unknown_column": "ignored"}
    keys = tuple(row)
    built = row_builder(TimedBlock, keys, ("note_id",))(tuple(row.values()), note_id)
    expected = from_row(TimedBlock, row, note_id=note_id)
    assert type(built) is TimedBlock and _fields(built) == _fields(expected)
    assert built.note_id == note_id and built.minutes == 12
    assert row_builder(TimedBlock, keys, ("note_id",)) is row_builder(TimedBlock, keys,
                                                                      ("note_id",))


def test_defaults_factories_and_slots() -> None:
    build = row_builder(Slotted, ("a",))
    one, two = build((1,)), build((2,))
    assert _fields(one) == _fields(from_row(Slotted, {"a": 1})) == {"a": 1, "b": "b", "c": []}
    assert one.c is not two.c  # a factory runs per row
    assert _fields(row_builder(Slotted, ("a", "b"), ("c",))((5, "x"), [7])) == \
        {"a": 5, "b": "x", "c": [7]}
    note = row_builder(Note, ("visit_id", "id"))((uuid.uuid4(), uuid.uuid4()))
    assert note.blocks == [] and note.subjective == ""  # defaults as from_row gives them


def test_a_field_without_column_or_default_is_a_key_error() -> None:
    with pytest.raises(KeyError, match=r"Slotted\.a has no column"):
        row_builder(Slotted, ("b",))
