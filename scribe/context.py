"""What the scribe knows about the episode: diagnoses (with ICD-10-CM side), goals, the note's
timed blocks. Built from ``core.domain`` objects; the scribe never reads storage.

Contract: ``DictationContext`` is a frozen value; ``from_codes`` validates codes through
``core.domain.icd`` (raises ``InvalidCode``/``ValidationError`` for unknown or category codes)
and derives each diagnosis's side from the code set's description. ``dx_sites`` gives, per
diagnosis, the body regions its description names ("Unilateral primary osteoarthritis, right
knee" → knee; "neck of right femur" → hip; hemiplegia of one side → arm and leg), which is what
the laterality check compares the dictation against.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.domain.enums import Laterality
from core.domain.episode import Diagnosis, Goal
from core.domain.visit import TimedBlock
from scribe.vocab import regions_compatible, regions_in

_BONE_PART = re.compile(
    r"\b(?:neck|head|shaft|base) of (?:the )?(?:(?:right|left|unspecified) )?"
    r"((?:femur|humerus|radius|ulna|tibia|fibula|(?:\w+ )?metacarpal|(?:\w+ )?metatarsal)\b)",
    re.I)
_LIMBS = ("arm", "leg")
_WHOLE_SIDE = re.compile(r"\b(?:hemiplegia|hemiparesis|hemiplegic)\b", re.I)


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
    discipline: str | None = None  # "PT" | "OT" | "SLP": the decoding prompt's vocabulary
    # Context biasing (scribe.prompt): exercise/activity names of the episode's last notes,
    # and the clinician's own smart phrases (their expansions), most useful first.
    recent_terms: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()

    @classmethod
    def from_codes(cls, codes: Iterable[str], discipline: str | None = None
                   ) -> DictationContext:
        return cls(diagnoses=tuple(Diagnosis.from_code(c, rank=i) for i, c in enumerate(codes)),
                   discipline=discipline)

    def dx_sites(self) -> list[DxSite]:
        sites = []
        for dx in self.diagnoses:
            # "neck of right femur" is the hip, not the neck; hemiplegia takes a whole side.
            description = _BONE_PART.sub(r"\1", dx.description)
            regions = tuple(dict.fromkeys(r for _, _, r in regions_in(description)))
            if _WHOLE_SIDE.search(description):
                regions = ("arm", "leg")
            # The specific region only: "carpal tunnel …, right upper limb" is the wrist.
            regions = tuple(r for r in regions
                            if not any(o != r and regions_compatible(r, o) and r in _LIMBS
                                       for o in regions)) or regions
            sites.append(DxSite(dx.code, dx.description, Laterality(dx.laterality), regions))
        return sites
