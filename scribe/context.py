"""What the scribe knows about the episode: diagnoses (with ICD-10-CM side), goals, the note's
timed blocks. Built from ``core.domain`` objects; the scribe never reads storage.

Contract: ``DictationContext`` is a frozen value; ``from_codes`` validates codes through
``core.domain.icd`` (raises ``InvalidCode``/``ValidationError`` for unknown or category codes)
and derives each diagnosis's side from the code set's description. ``dx_sites`` gives, per
diagnosis, the body regions its description names ("Unilateral primary osteoarthritis, right
knee" → knee), which is what the laterality check compares the dictation against.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.domain.enums import Laterality
from core.domain.episode import Diagnosis, Goal
from core.domain.visit import TimedBlock
from scribe.vocab import regions_in


@dataclass(frozen=True, slots=True)
class DxSite:
    code: str
    description: str
    side: Laterality
    regions: tuple[str, ...]


@dataclass(frozen=True)
class DictationContext:
    diagnoses: tuple[Diagnosis, ...] = ()
    goals: tuple[Goal, ...] = ()
    timed_blocks: tuple[TimedBlock, ...] = ()

    @classmethod
    def from_codes(cls, codes: Iterable[str]) -> DictationContext:
        return cls(diagnoses=tuple(Diagnosis.from_code(c, rank=i) for i, c in enumerate(codes)))

    def dx_sites(self) -> list[DxSite]:
        sites = []
        for dx in self.diagnoses:
            regions = tuple(dict.fromkeys(r for _, _, r in regions_in(dx.description)))
            sites.append(DxSite(dx.code, dx.description, Laterality(dx.laterality), regions))
        return sites
