"""``Changes``: what a service call changed, so screens refresh only that (Anki's OpChanges).

``text`` holds the ids whose only change was typed text (a SOAP section saved as the clinician
types): a note's status, codes, times and signature did not move, so lists that show only those
(today's visits, the patient list, the dashboard, the account) need not re-query —
``structural(kind)`` says whether anything else changed. A panel that shows the text itself keeps
asking ``kind in changes``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Changes:
    """Ids changed per record kind ("patient", "episode", "visit", "note", ...)."""

    changed: dict[str, frozenset[uuid.UUID]] = field(default_factory=dict)
    text: dict[str, frozenset[uuid.UUID]] = field(default_factory=dict)

    def __contains__(self, kind: str) -> bool:
        return bool(self.changed.get(kind))

    def ids(self, kind: str) -> frozenset[uuid.UUID]:
        return self.changed.get(kind, frozenset())

    def structural(self, kind: str) -> bool:
        """Something of ``kind`` changed other than typed text."""
        return bool(self.ids(kind) - self.text.get(kind, frozenset()))

    def __or__(self, other: Changes) -> Changes:
        kinds = set(self.changed) | set(other.changed)
        changed = {k: self.ids(k) | other.ids(k) for k in kinds}
        # text-only in the union only when neither side changed the id structurally
        text = {}
        for k in kinds:
            mine = self.ids(k) - self.text.get(k, frozenset())
            theirs = other.ids(k) - other.text.get(k, frozenset())
            only = (self.text.get(k, frozenset()) | other.text.get(k, frozenset())) - mine - theirs
            if only:
                text[k] = only
        return Changes(changed, text)

    @property
    def empty(self) -> bool:
        return not any(self.changed.values())
