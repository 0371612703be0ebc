"""Laterality check: sides said per body region against the diagnoses and the note's blocks.

Contract: ``check_laterality(draft, context)`` flags
- ``laterality.dx_conflict`` (block): a region is only ever given the side opposite to the
  diagnosis's ICD-10-CM side (M17.11 right knee; the dictation says "left knee" throughout);
- ``laterality.opposite_side`` (warn): the opposite side is treated or reported as symptomatic
  outside an explicit comparison, although the diagnosed side is also mentioned;
- ``laterality.dx_unspecified`` (info): the diagnosis has no side but its code family offers one
  and the dictation names a side;
- ``laterality.missing_side`` (warn): a paired region measured (ROM, MMT) with no side;
- ``laterality.both_sides`` (warn): the same finding asserted on both sides, or two side words
  for one body part ("right left knee");
- ``laterality.block_conflict`` (warn): a suggested block's side differs from the same code's
  timed block already on the note;
- ``laterality.bilateral_vs_dx`` (warn): "bilateral"/"both" said for a region whose only
  diagnosis is one-sided (M17.11 and "bilateral knee flexion");
- ``laterality.not_checked`` (info): a diagnosis has a side but no body region the check knows
  ("side check could not run for …"), so silence is never mistaken for agreement.
Comparisons with the uninvolved side are allowed: a sentence with "versus", "compared to",
"uninvolved", "contralateral", "unaffected", "other side", or a measurement of the opposite side
next to the same measurement of the diagnosed side. Side words are counted only when bound to a
body region or a measured value (``scribe.anchors``), so "right away" or "light touch" heard as
"right touch" never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.domain import icd
from core.domain.enums import Laterality
from scribe.anchors import bound_sides
from scribe.context import DictationContext
from scribe.flags import Flag, FlagKind, Severity
from scribe.items import Finding, Intervention, ItemKind, MuscleGrade, PainScore, RangeOfMotion
from scribe.transcript import Span
from scribe.vocab import PAIRED_REGIONS, regions_compatible

if TYPE_CHECKING:
    from scribe.draft import Draft, Sentence

_COMPARISON = re.compile(
    r"\b(versus|vs\.?|compared (?:to|with)|uninvolved|contralateral|unaffected|uninjured|"
    r"non-?involved|other side|opposite side|than the (?:right|left))\b", re.I)
_ADJACENT_SIDES = re.compile(r"\b(right|left)[\s,]+(right|left)\b", re.I)
_OPPOSITE = {"right": "left", "left": "right"}


@dataclass(frozen=True, slots=True)
class Mention:
    side: str
    region: str
    sentence_id: str
    span: Span
    kind: str  # "measure", "symptom", "treatment", "text"
    key: str  # what was measured, for comparisons ("knee flexion", "quadriceps")
    comparison: bool


def mentions(draft: Draft) -> list[Mention]:
    """Every side bound to a region in the draft, from items first, then from the text."""
    out: list[Mention] = []
    comparison = {s.id: bool(_COMPARISON.search(s.text)) for s in draft.sentences}
    for item in draft.items:
        v = item.values
        side, region, kind, key = None, None, "text", ""
        if isinstance(v, RangeOfMotion):
            side, region, kind, key = v.side, v.joint, "measure", f"{v.joint} {v.motion}"
        elif isinstance(v, MuscleGrade):
            side, region, kind, key = v.side, v.region, "measure", v.muscle or ""
        elif isinstance(v, PainScore):
            side, region, kind, key = v.side, v.region, "symptom", "pain"
        elif isinstance(v, Finding):
            side, region = v.side, v.region
            kind = "measure" if v.negated or v.is_test else "symptom"
            key = v.concept
        elif isinstance(v, Intervention):
            side, region, kind, key = v.side, v.region, "treatment", v.name
        if side and region:
            out.append(Mention(side, region, item.sentence_id, item.span, kind, key,
                               comparison[item.sentence_id]))
    seen = {(m.sentence_id, m.region, m.side) for m in out}
    for sentence in draft.sentences:
        for b in bound_sides(sentence.text):
            if b.region and (sentence.id, b.region, b.side) not in seen:
                seen.add((sentence.id, b.region, b.side))
                out.append(Mention(b.side, b.region, sentence.id, sentence.span, "text", "",
                                   comparison[sentence.id]))
    return out


def _sides_of(side: Laterality) -> set[str]:
    return {"right", "left", "bilateral"} if side is Laterality.BILATERAL else {side.value}


def check_laterality(draft: Draft, context: DictationContext) -> list[Flag]:
    found = mentions(draft)
    sites = context.dx_sites()
    flags: list[Flag] = []
    for site in sites:
        if site.side in (Laterality.RIGHT, Laterality.LEFT) and not any(
                r in PAIRED_REGIONS for r in site.regions):
            flags.append(Flag(
                FlagKind.LATERALITY, Severity.INFO, "laterality.not_checked",
                f"The side check could not run for {site.code} ({site.side.value}): its body "
                "region is not one the scribe knows. Check the sides yourself."))
        for region in site.regions:
            if region not in PAIRED_REGIONS:
                continue
            here = [m for m in found if regions_compatible(m.region, region)]
            if site.side is Laterality.UNSPECIFIED:
                said = sorted({m.side for m in here})
                if said:
                    alt = ", ".join(icd.specific_alternatives(site.code)[:3])
                    flags.append(Flag(
                        FlagKind.LATERALITY, Severity.INFO, "laterality.dx_unspecified",
                        f"{site.code} has no side, but the dictation says {'/'.join(said)} "
                        f"{region}. Payers may require a sided code ({alt}).", here[0].span,
                        here[0].sentence_id))
                continue
            if site.side not in (Laterality.RIGHT, Laterality.LEFT):
                continue
            # Another diagnosis on the other side of the same region makes both sides expected.
            if any(s.side is not site.side and s.side.is_sided and region in s.regions
                   for s in sites):
                continue
            both = [m for m in here if m.side == "bilateral" and not m.comparison]
            if both and not any(s.side is Laterality.BILATERAL and region in s.regions
                                for s in sites):
                flags.append(Flag(
                    FlagKind.LATERALITY, Severity.WARN, "laterality.bilateral_vs_dx",
                    f"{site.code} is the {site.side.value} {region} only, but the dictation "
                    f"says both sides ({both[0].key or region}). Add a diagnosis for the other "
                    "side, or correct the side.", both[0].span, both[0].sentence_id))
            same = [m for m in here if m.side in _sides_of(site.side) and m.side != "bilateral"]
            opposite = [m for m in here if m.side == _OPPOSITE[site.side.value]]
            if opposite and not same:
                flags.append(Flag(
                    FlagKind.LATERALITY, Severity.BLOCK, "laterality.dx_conflict",
                    f"{site.code} is the {site.side.value} {region}, but the dictation says "
                    f"{opposite[0].side} {region} ({len(opposite)}×) and never "
                    f"{site.side.value}.", opposite[0].span, opposite[0].sentence_id))
                continue
            measured_same = {m.key for m in same if m.kind == "measure"}
            for m in opposite:
                if m.comparison or (m.kind in ("measure", "text") and
                                    (m.key in measured_same or m.kind == "text")):
                    continue
                flags.append(Flag(
                    FlagKind.LATERALITY, Severity.WARN, "laterality.opposite_side",
                    f"{m.side.capitalize()} {region} ({m.key or m.kind}) while {site.code} is "
                    f"the {site.side.value} side. Is this a comparison?", m.span, m.sentence_id))
    flags.extend(_missing_sides(draft, sites))
    flags.extend(_both_sides(draft, found))
    flags.extend(_block_conflicts(draft, context))
    return flags


def _missing_sides(draft: Draft, sites: list) -> list[Flag]:
    flags = []
    for item in draft.items:
        v = item.values
        if item.kind not in (ItemKind.ROM, ItemKind.MMT):
            continue
        region = v.joint if isinstance(v, RangeOfMotion) else getattr(v, "region", None)
        if region in PAIRED_REGIONS and getattr(v, "side", None) is None:
            dx_sides = {s.side.value for s in sites if region in s.regions and s.side.is_sided}
            hint = f" The diagnosis says {'/'.join(sorted(dx_sides))}." if dx_sides else ""
            flags.append(Flag(FlagKind.LATERALITY, Severity.WARN, "laterality.missing_side",
                              f"{region.capitalize()} measured without a side.{hint}",
                              item.span, item.sentence_id, item.id))
    return flags


def _both_sides(draft: Draft, found: list[Mention]) -> list[Flag]:
    flags = []
    for sentence in draft.sentences:
        for m in _ADJACENT_SIDES.finditer(sentence.text):
            if m.group(1).lower() != m.group(2).lower():
                flags.append(Flag(FlagKind.LATERALITY, Severity.WARN, "laterality.both_sides",
                                  f"Both '{m.group(1)}' and '{m.group(2)}' said for one body "
                                  "part.", sentence.span, sentence.id))
    symptoms: dict[tuple[str, str], set[str]] = {}
    first: dict[tuple[str, str], Mention] = {}
    for mention in found:
        if mention.kind == "symptom" and not mention.comparison and mention.side != "bilateral":
            symptoms.setdefault((mention.key, mention.region), set()).add(mention.side)
            first.setdefault((mention.key, mention.region), mention)
    for (key, region), sides in symptoms.items():
        if sides >= {"right", "left"}:
            mention = first[(key, region)]
            flags.append(Flag(FlagKind.LATERALITY, Severity.WARN, "laterality.both_sides",
                              f"{key.capitalize()} is reported on both the right and the left "
                              f"{region}; say 'bilateral' if both are involved.",
                              mention.span, mention.sentence_id))
    return flags


def _block_conflicts(draft: Draft, context: DictationContext) -> list[Flag]:
    flags = []
    for block in draft.blocks:
        for tb in context.timed_blocks:
            if (tb.code == block.code and tb.laterality in (Laterality.RIGHT, Laterality.LEFT)
                    and block.side in ("right", "left") and block.side != tb.laterality.value):
                flags.append(Flag(FlagKind.LATERALITY, Severity.WARN, "laterality.block_conflict",
                                  f"The note's {tb.code} block is {tb.laterality.value}; the "
                                  f"dictation says {block.side}.", block.span))
    return flags


def side_changes(sentence: Sentence, text: str, context: DictationContext) -> list[Flag]:
    """An edit that changes which side a body region is on, compared with the recording."""
    before = {(b.region, b.side) for b in bound_sides(sentence.source_text)}
    after = {(b.region, b.side) for b in bound_sides(text)}
    flags = []
    for region, side in after - before:
        if any(r == region and s != side for r, s in before):
            flags.append(Flag(FlagKind.LATERALITY, Severity.BLOCK, "laterality.edit_changed_side",
                              f"The text says {side} {region}; the recording did not.",
                              sentence.span, sentence.id))
    return flags
