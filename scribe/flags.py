"""Review flags the checks attach to a draft.

Contract: a ``Flag`` is a frozen value with a stable ``code`` (e.g. "laterality.dx_conflict")
the panel may key on, a ``kind`` from the closed list the CLI prints, a severity and a message
a clinician can act on. Severities mirror ``core.rules`` findings: ``block`` — the item or
sentence it points to must not be accepted until the clinician confirms or edits it (side
against the diagnosis, negation flipped, a number that was never said); ``warn`` — look before
accepting (implausible value, missing side, low confidence on a number or side); ``info`` —
for the record (a negated finding as understood, a segment removed as hallucination).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scribe.transcript import Span


class FlagKind(StrEnum):
    LATERALITY = "laterality"
    NEGATION = "negation"
    NUMBER = "number"
    LOW_CONFIDENCE = "low_confidence"
    HALLUCINATION = "hallucination"


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Flag:
    kind: FlagKind
    severity: Severity
    code: str
    message: str
    span: Span | None = None
    sentence_id: str | None = None
    item_id: str | None = None
