"""Who does a value belong to: sides and body regions bound to positions in a sentence.

Contract: ``bound_sides(text)`` lists side words that really name a side of the body: a side
word counts only when a body region, joint, muscle or test is bound to it ("right knee",
"knee on the left", "left quadriceps") or when it sits right next to a measured value
("5/5 left"). Words that only sound like sides ("right away", "all right", "left the clinic",
"light touch" heard as "right touch") bind to nothing and are ignored.

``side_for_value`` applies the dictation convention: a side said right after a value belongs
to it ("4-/5 right, 5/5 left"); otherwise the last side said before it since the previous value
("right quad 4-/5, left 5/5"); a value with both takes the one before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scribe.vocab import SIDE_WORDS, regions_in

_SIDE = r"right|left|bilateral(?:ly)?|both"
_AFTER_VALUE = re.compile(
    rf"^\s*(?:(?:on the|on|in the|to the|toward the|towards the)\s+)?({_SIDE})\b"
    rf"(?!\s+(?:side\s+)?\w*\s*\d)", re.I)
_BEFORE_REGION = re.compile(rf"\b({_SIDE})\s+(?:(?:side|sided|lateral|medial|anterior|posterior|"
                            r"upper|lower|distal|proximal)\s+)?$", re.I)
_AFTER_REGION = re.compile(
    rf"^(?:\s+test)?(?:\s+(?:is|was))?(?:\s+(?:positive|negative))?\s*,?\s*"
    rf"(?:on the\s+|in the\s+|)({_SIDE})(?:\s+side)?\b",
    re.I,
)
_BILATERALLY = re.compile(r"\bbilaterally\b", re.I)
NOT_A_SIDE = re.compile(
    r"\b(?:right|left)\s+(?:away|now|after|before|here|there|then|when|off|over|with|the clinic|"
    r"early|home|a\b|message|voicemail)|\ball right\b|\bthat's right\b|\bright\?|"
    r"\bleft (?:at|for)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class BoundSide:
    side: str  # right | left | bilateral
    start: int
    end: int
    region: str | None  # the region it is bound to, or None when bound to a value only


def canonical_side(word: str) -> str:
    return SIDE_WORDS[word.lower()]


def bound_sides(text: str) -> list[BoundSide]:
    """Side words bound to a body region in ``text`` (see module contract)."""
    out: list[BoundSide] = []
    for a, b, region in regions_in(text):
        before = _BEFORE_REGION.search(text[max(0, a - 40) : a])
        if before:
            offset = max(0, a - 40)
            out.append(BoundSide(canonical_side(before.group(1)), offset + before.start(1),
                                 offset + before.end(1), region))
            continue
        after = _AFTER_REGION.match(text[b : b + 25])
        if after:
            out.append(BoundSide(canonical_side(after.group(1)), b + after.start(1),
                                 b + after.end(1), region))
    out = [s for s in out if not NOT_A_SIDE.match(text[s.start : s.start + 20])]
    # "Elbow extension full bilaterally": the adverb ends the clause, far from its region; with
    # one region in the sentence there is nothing else it could qualify.
    adverb = _BILATERALLY.search(text)
    regions = {r for _, _, r in regions_in(text) if r}
    if adverb and len(regions) == 1 and not any(s.side == "bilateral" for s in out):
        out.append(BoundSide("bilateral", adverb.start(), adverb.end(), regions.pop()))
    return sorted({(s.start, s.end): s for s in out}.values(), key=lambda s: s.start)


def side_words(text: str) -> list[tuple[int, int, str]]:
    """Every side word not in a not-a-side phrase: (start, end, side)."""
    out = []
    for m in re.finditer(rf"\b({_SIDE})\b", text, re.I):
        if NOT_A_SIDE.match(text[m.start() : m.start() + 20]):
            continue
        out.append((m.start(), m.end(), canonical_side(m.group(1))))
    return out


def side_for_value(text: str, values: list[tuple[int, int]], index: int,
                   used_after: set[int]) -> str | None:
    """The side of value ``index`` among ``values`` (character ranges) in ``text``.

    ``used_after`` collects the start offsets of sides consumed as "said after a value", so
    the caller passes the same set for all values of one sentence, left to right.
    """
    start, end = values[index]
    prev_end = values[index - 1][1] if index else 0
    # A side said before another number belongs to that number ("Left shoulder flexion 120°,
    # supraspinatus 5/5 right"), so look for this value's side only after the last number.
    numbers = [m.end() for m in re.finditer(r"\d+\S*", text[:start])]
    prev_end = max([prev_end, *numbers])
    sides = side_words(text)
    before = [s for s in sides if prev_end <= s[0] < start and s[0] not in used_after]
    nxt = values[index + 1][0] if index + 1 < len(values) else len(text)
    after = _AFTER_VALUE.match(text[end:nxt])
    if before:
        return before[-1][2]
    if after:
        used_after.add(end + after.start(1))
        return canonical_side(after.group(1))
    return None


def sentence_side(text: str, region: str | None = None) -> str | None:
    """The single side bound to ``region`` (or to any region) in the sentence, if unique."""
    sides = {s.side for s in bound_sides(text) if region is None or s.region == region}
    return sides.pop() if len(sides) == 1 else None
