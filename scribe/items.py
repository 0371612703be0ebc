"""Structured items the drafter extracts, and the draft's other value types.

Contract: every value type is a frozen dataclass of plain fields (str, int, float, bool,
tuples) so ``dataclasses.asdict`` gives JSON directly. Items hold character offsets into their
sentence's normalized text while being extracted (``Extracted``); the drafter turns those into
``Item``s with a transcript ``Span``. Sides are "right", "left", "bilateral" or None (not said).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scribe.sections import Section
from scribe.transcript import Span


class ItemKind(StrEnum):
    PAIN = "pain"
    ROM = "rom"
    MMT = "mmt"
    OUTCOME = "outcome"
    INTERVENTION = "intervention"
    FINDING = "finding"


@dataclass(frozen=True, slots=True)
class PainScore:
    score: float
    scale_max: int = 10
    qualifier: str | None = None  # "at rest", "with stairs", "at worst", ...
    region: str | None = None
    side: str | None = None


@dataclass(frozen=True, slots=True)
class RangeOfMotion:
    joint: str | None
    motion: str | None
    side: str | None
    mode: str | None  # "active" | "passive" | None
    degrees: float | None
    extension_deficit: float | None = None  # "lacking 5° of extension" → 5, never -5


@dataclass(frozen=True, slots=True)
class MuscleGrade:
    muscle: str | None
    region: str | None
    side: str | None
    grade: int
    modifier: str = ""  # "+", "-" or ""
    scale_max: int = 5

    @property
    def label(self) -> str:
        return f"{self.grade}{self.modifier}/{self.scale_max}"


@dataclass(frozen=True, slots=True)
class OutcomeScore:
    measure: str
    score: float
    unit: str
    scale_max: float | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    concept: str
    negated: bool
    region: str | None = None
    side: str | None = None
    is_test: bool = False
    trigger: str | None = None


@dataclass(frozen=True, slots=True)
class Intervention:
    name: str
    cpt_candidates: tuple[str, ...]  # first is the suggestion; several when purpose is unclear
    purpose: str | None = None
    purpose_clear: bool = True
    minutes: int | None = None
    start: str | None = None  # "10:05"
    stop: str | None = None
    sets: int | None = None
    reps: int | None = None
    load: float | None = None
    load_unit: str | None = None
    band: str | None = None
    distance_ft: float | None = None
    bouts: int | None = None
    region: str | None = None
    side: str | None = None


ItemValues = PainScore | RangeOfMotion | MuscleGrade | OutcomeScore | Finding | Intervention


@dataclass(frozen=True, slots=True)
class Extracted:
    """An item found in one sentence: character range in the normalized sentence text."""

    kind: ItemKind
    start: int
    end: int
    values: ItemValues


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    kind: ItemKind
    text: str  # the normalized words it came from
    sentence_id: str
    section: Section
    span: Span
    values: ItemValues

    @property
    def negated(self) -> bool:
        return isinstance(self.values, Finding) and self.values.negated


@dataclass(frozen=True, slots=True)
class SuggestedBlock:
    """A timed service suggested from the dictation; minutes None when no time was said."""

    code: str
    minutes: int | None
    start: str | None
    stop: str | None
    alternatives: tuple[str, ...]  # other candidate codes when the purpose was unclear
    item_ids: tuple[str, ...]
    side: str | None
    span: Span
