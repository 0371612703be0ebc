"""Measurements and findings in one normalized sentence: pain, ROM, MMT, outcome scores, findings.

Contract: ``extract_measures(sentence, context)`` returns ``Extracted`` items with character
ranges into ``sentence`` (already normalized: "6/10", "110°", "4-/5", "LEFS 42/80"). It never
invents a value: every number it reports is a number written in the sentence. Joint, motion,
muscle and side are taken from the same sentence; when a value has none, the caller may pass
the previous item's context (``Carry``) so "Extension lacking 5°." after "Right knee flexion
110°." keeps the right knee. Negation of findings comes from ``scribe.negation``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from scribe import negation
from scribe.anchors import bound_sides, sentence_side, side_for_value
from scribe.items import (
    Extracted,
    Finding,
    ItemKind,
    MuscleGrade,
    OutcomeScore,
    PainScore,
    RangeOfMotion,
)
from scribe.vocab import (
    FINDING_RE,
    JOINT_RE,
    MOTION_JOINT,
    MOTION_RE,
    MUSCLE_RE,
    OUTCOME_MEASURES,
    TEST_RE,
    region_of,
    regions_in,
)

_DEGREES = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)°")
_MMT = re.compile(r"(?<![\d./])([0-5])([+-]?)/5\b")
_PAIN = re.compile(r"(?<![\d./])(\d+(?:\.\d+)?)/10\b")
_PAIN_WORD = re.compile(r"\b(pain|hurts?|sore(?:ness)?|nprs|vas|discomfort)\b", re.I)
_MODE = re.compile(r"\b(active(?:ly)?|passive(?:ly)?|arom|prom|aarom)\b", re.I)
_DEFICIT = re.compile(r"\b(lacking|lacks|lack of|short of|shy of|minus)\s+$", re.I)
_QUALIFIER = re.compile(
    r"\b(at rest|at worst|at best|on average|currently|today|at night|with (?:stairs|walking|"
    r"activity|sitting|standing|reaching|squatting|exercise|transfers)|after \w+)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Carry:
    """Context carried from earlier sentences of the same section."""

    joint: str | None = None
    motion: str | None = None
    side: str | None = None
    muscle: str | None = None


def _mode(word: str | None) -> str | None:
    if not word:
        return None
    w = word.lower()
    return "passive" if w.startswith(("passive", "prom")) else "active"


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text):  # noqa: B007 - we want the last match
        pass
    return found


def _rom(text: str, carry: Carry) -> tuple[list[Extracted], Carry]:
    values = [m.span() for m in _DEGREES.finditer(text)]
    out: list[Extracted] = []
    joint, motion, side, mode = carry.joint, carry.motion, None, None
    used: set[int] = set()
    for i, m in enumerate(_DEGREES.finditer(text)):
        prev_end = values[i - 1][1] if i else 0
        nxt = values[i + 1][0] if i + 1 < len(values) else len(text)
        before, after = text[prev_end : m.start()], text[m.end() : nxt]
        lead = re.match(r"^\s*,?\s*(?:active|passive|arom|prom|aarom)\b", before, re.I)
        skip = lead.end() if lead else 0  # the previous value's own "active"/"passive"
        before = before[skip:]
        j = _last(JOINT_RE, before)
        mo = _last(MOTION_RE, before)
        post_motion = re.match(r"^\s*(?:of\s+)?(?:\w+\s+)?(" + MOTION_RE.pattern[3:-3] + r")\b",
                               after, re.I)
        if mo is None and post_motion is not None:
            motion = post_motion.group(1).lower()
        elif mo is not None:
            motion = mo.group(1).lower()
        if j is not None:
            joint = j.group(1).lower()
        elif motion in MOTION_JOINT and joint is None:
            joint = MOTION_JOINT[motion]
        if motion is None and not re.search(r"\b(rom|range of motion|arom|prom)\b", before, re.I):
            continue  # a degree value with no motion is not a range of motion (e.g. an incline)
        post_mode = re.match(r"^\s*,?\s*(active|passive|arom|prom|aarom)\b", after, re.I)
        pre_mode = _last(_MODE, before)
        if pre_mode is not None:
            mode = _mode(pre_mode.group(1))
        this_mode = _mode(post_mode.group(1)) if post_mode else mode
        said = side_for_value(text, values, i, used)
        region = joint if joint not in ("cervical", "lumbar", "trunk") else None
        side = said or sentence_side(text, region) or side or (
            carry.side if joint == carry.joint else None)
        value = float(m.group(1))
        deficit = _DEFICIT.search(before[-20:]) is not None or bool(
            re.match(r"^\s*short of (?:full )?extension", after, re.I))
        if deficit:
            rom = RangeOfMotion(joint, "extension", side, this_mode, None, value)
        else:
            rom = RangeOfMotion(joint, motion, side, this_mode, value)
        end = m.end() + (post_mode.end() if post_mode else 0)
        if deficit and post_motion is not None:
            end = m.end() + post_motion.end()
        anchor = j or mo
        start = prev_end + skip + anchor.start() if anchor is not None else m.start()
        out.append(Extracted(ItemKind.ROM, start, end, rom))
    return out, Carry(joint, motion, side, carry.muscle)


def _mmt(text: str, carry: Carry) -> tuple[list[Extracted], Carry]:
    matches = list(_MMT.finditer(text))
    values = [m.span() for m in matches]
    out: list[Extracted] = []
    muscle = carry.muscle
    used: set[int] = set()
    side = None
    for i, m in enumerate(matches):
        prev_end = values[i - 1][1] if i else 0
        before = text[prev_end : m.start()]
        mu = _last(MUSCLE_RE, before)
        if mu is not None:
            muscle = mu.group(1).lower()
        elif i == 0:
            jm = re.search(r"\b(" + JOINT_RE.pattern[3:-3] + r")\s+(" + MOTION_RE.pattern[3:-3]
                           + r")\b", before, re.I)
            if jm:
                muscle = f"{jm.group(1)} {jm.group(2)}".lower()
        region = region_of(muscle) if muscle else None
        if muscle and region is None:
            region = region_of(muscle.split()[0])
        said = side_for_value(text, values, i, used)
        side = said or sentence_side(text, region) or (carry.side if region else None)
        grade = MuscleGrade(muscle, region, side, int(m.group(1)), m.group(2))
        start = prev_end + mu.start() if mu is not None else m.start()
        out.append(Extracted(ItemKind.MMT, start, m.end(), grade))
    return out, replace(carry, muscle=muscle, side=side or carry.side)


def _pain(text: str) -> list[Extracted]:
    if not _PAIN_WORD.search(text):
        return []
    out: list[Extracted] = []
    regions = regions_in(text)
    for m in _PAIN.finditer(text):
        before = [r for a, _b, r in regions if m.start() - 40 <= a < m.start()]
        region = before[-1] if before else None
        tail = text[m.end() : m.end() + 30]
        head = text[max(0, m.start() - 25) : m.start()]
        q = _QUALIFIER.match(tail.strip()) or _last(_QUALIFIER, head)
        side = sentence_side(text, region)
        out.append(Extracted(ItemKind.PAIN, m.start(), m.end(), PainScore(
            float(m.group(1)), 10, q.group(1).lower() if q else None, region, side)))
    return out


def _outcomes(text: str) -> list[Extracted]:
    out: list[Extracted] = []
    for name, (pattern, _low, high, unit) in OUTCOME_MEASURES.items():
        for m in re.finditer(rf"\b(?:{pattern})\b(?:\s+(?:score|total|test|of|was|is|=|:))*\s*"
                             r"(\d+(?:\.\d+)?)(?:\s*(/)\s*(\d+)|\s*(%)|\s*(s)\b|\s*(ft)\b)?",
                             text, re.I):
            scale = float(m.group(3)) if m.group(3) else (100.0 if m.group(4) else high)
            this_unit = "%" if m.group(4) else ("s" if m.group(5) else unit)
            out.append(Extracted(ItemKind.OUTCOME, m.start(), m.end(), OutcomeScore(
                name, float(m.group(1)), this_unit, scale if this_unit != "s" else None)))
    return out


def _findings(text: str, covered: list[tuple[int, int]]) -> list[Extracted]:
    out: list[Extracted] = []
    sides = bound_sides(text)
    concepts = [(m.start(), m.end(), m.group(1), False) for m in FINDING_RE.finditer(text)]
    concepts += [(m.start(), m.end(), m.group(1), True) for m in TEST_RE.finditer(text)]
    results = {(r.start, r.end): r for r in negation.assess(text, {c[2] for c in concepts})}
    for start, end, concept, is_test in sorted(concepts):
        result = results.get((start, end))
        negated = bool(result and result.negated)
        if not is_test and not negated and concept.lower() == "pain":
            continue  # affirmed pain is reported through pain-score items
        if any(a <= start < b for a, b in covered) and not negated:
            continue
        if is_test and not negated and not re.search(
                r"\bpositive\b|\(\+\)", text[max(0, start - 12) : end + 30], re.I):
            continue  # a test named without a result is not a finding
        region = region_of(concept) if is_test else None
        near = [r for a, b, r in regions_in(text) if abs(a - start) < 40]
        region = region or (near[0] if near else None)
        side = next((s.side for s in sides if s.region == region), None) if region else None
        out.append(Extracted(ItemKind.FINDING, start, end, Finding(
            concept.lower(), negated, region, side, is_test,
            result.trigger if result else None)))
    return out


def extract_measures(text: str, carry: Carry = Carry()) -> tuple[list[Extracted], Carry]:
    """All pain, ROM, MMT, outcome and finding items in one sentence, left to right."""
    rom, carry = _rom(text, carry)
    mmt, carry = _mmt(text, carry)
    outcomes = _outcomes(text)
    # An outcome score like "Berg 48/56" or a ROM value must not also be read as pain.
    pains = [p for p in _pain(text) if not any(o.start <= p.start < o.end for o in outcomes)]
    numeric = [*rom, *mmt, *pains, *outcomes]
    findings = _findings(text, [(e.start, e.end) for e in numeric])
    return sorted([*numeric, *findings], key=lambda e: e.start), carry
