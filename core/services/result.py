"""What a write service returns: the value it produced and the ``Changes`` it made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from core.domain.changes import Changes

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Result(Generic[T]):
    value: T
    changes: Changes
