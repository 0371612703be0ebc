"""``Changes``: what a service call changed, so screens refresh only that (Anki's OpChanges)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Changes:
    """Ids changed per record kind ("patient", "episode", "visit", "note", ...)."""

    changed: dict[str, frozenset[uuid.UUID]] = field(default_factory=dict)

    def __contains__(self, kind: str) -> bool:
        return bool(self.changed.get(kind))

    def ids(self, kind: str) -> frozenset[uuid.UUID]:
        return self.changed.get(kind, frozenset())

    def __or__(self, other: Changes) -> Changes:
        kinds = set(self.changed) | set(other.changed)
        return Changes({k: self.ids(k) | other.ids(k) for k in kinds})

    @property
    def empty(self) -> bool:
        return not any(self.changed.values())
