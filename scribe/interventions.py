"""Interventions in a sentence, their candidate CPT codes, doses and times; suggested blocks.

Contract: ``extract_interventions(sentence)`` finds dictated interventions using the catalogue
in ``scribe/data/interventions.json`` (data, with its source and effective date, because code
mappings change with payer guidance), reads the dictated purpose in the same clause ("squats
for strength" → 97110, "squatting to lift a box" → 97530) and, when an exercise that serves
several purposes is dictated without one, returns every candidate (``purpose_clear=False``).
Dose: sets × reps, reps, load (lb/kg), band colour, distance (ft) and bouts. Time: "N min" or
a clock range "10:05 to 10:23" in the same sentence; a clock range gives start, stop and the
minutes between them. ``suggest_blocks`` turns timed interventions into ``SuggestedBlock``s
(one per dictated time) and lists untimed codes with ``minutes=None`` so the clinician is
asked for the time rather than the code being dropped. Units are never computed here.

Evaluations are catalogue entries with a ``by_discipline`` table (discipline → complexity →
code): the complexity said near the phrase ("moderate complexity", "complexity is high") picks
the code and the chart's discipline (``DictationContext.discipline``) picks PT or OT for a bare
"initial evaluation"; whatever is not known leaves every remaining candidate for the clinician
(``purpose_clear=False``), never a guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from scribe.anchors import bound_sides
from scribe.items import Extracted, Intervention, Item, ItemKind, SuggestedBlock

_CLOCK = re.compile(r"\b(\d{1,2}:\d{2}) to (\d{1,2}:\d{2})\b")
_MINUTES = re.compile(r"\b(\d+) min\b")
_VISIT_TIME = re.compile(r"\btime (in|out)\s+(\d{1,2}:\d{2})", re.I)
_SETS = re.compile(r"\b(\d+)×(\d+)\b")
_REPS = re.compile(r"\b(\d+) reps\b")
_LOAD = re.compile(r"\b(\d+(?:\.\d+)?) (lb|kg)\b")
_BAND = re.compile(r"\b(yellow|red|green|blue|black|silver|gold)\s+(?:theraband|band)\b", re.I)
_DISTANCE = re.compile(r"\b(\d+) ft(?:\s*×\s*(\d+))?")
_NONE = Intervention("", ())


_COMPLEXITY = re.compile(
    r"\b(?:(low|moderate|high)[- ]complexity|complexity (?:is |was |of )?(low|moderate|high))\b",
    re.I)
Table = dict[str, dict[str, str]]  # discipline → complexity ("low"/"moderate"/"high"/"any") → code


@dataclass(frozen=True, slots=True)
class Entry:
    pattern: re.Pattern[str]
    name: str
    code: str
    also: tuple[str, ...]
    table: Table | None = None  # evaluations: the code depends on discipline and complexity


@dataclass(frozen=True, slots=True)
class Catalogue:
    entries: tuple[Entry, ...]
    purposes: tuple[tuple[re.Pattern[str], str], ...]
    source: str
    effective: str


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    raw = json.loads(resources.files("scribe.data").joinpath("interventions.json").read_text())
    entries = []
    for item in raw["interventions"]:
        for pattern in item["patterns"]:
            entries.append(Entry(re.compile(rf"\b{pattern}\b", re.I), item["name"],
                                 item["code"], tuple(item.get("also", ())),
                                 item.get("by_discipline")))
    purposes = tuple((re.compile(rf"\b{p}\b", re.I), group["code"])
                     for group in raw["purposes"] for p in group["patterns"])
    return Catalogue(tuple(entries), purposes, raw["source"], raw["effective"])


def _minutes_between(start: str, stop: str) -> int:
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, stop.split(":"))
    minutes = (h2 * 60 + m2) - (h1 * 60 + m1)
    if minutes < 0 and h2 < 12:  # "11:50 to 12:10" said as "11:50 to 12:10"; "12:50 to 1:10"
        minutes += 12 * 60
    return minutes


def visit_times(text: str) -> dict[str, str]:
    """"Time in 9:30, time out 10:15" → {"in": "9:30", "out": "10:15"}."""
    return {m.group(1).lower(): m.group(2) for m in _VISIT_TIME.finditer(text)}


def evaluation_codes(table: Table, text: str, discipline: str | None = None
                     ) -> tuple[str, ...]:
    """The candidate codes of an evaluation entry: the dictated complexity and the chart's
    discipline narrow them; unknown ones keep every candidate (first = the suggestion)."""
    said = _COMPLEXITY.search(text)
    level = (said.group(1) or said.group(2)).lower() if said else None
    disciplines = [discipline] if discipline in table else list(table)
    codes: list[str] = []
    for d in disciplines:
        by_level = table[d]
        if "any" in by_level:
            codes.append(by_level["any"])
        elif level:
            codes.append(by_level[level])
        else:
            codes.extend(by_level.values())
    return tuple(dict.fromkeys(codes))


def extract_interventions(text: str, discipline: str | None = None) -> list[Extracted]:
    """Interventions in one normalized sentence, left to right (see module contract)."""
    cat = catalogue()
    found: list[tuple[int, int, str, str, tuple[str, ...]]] = []
    for e in cat.entries:
        for m in e.pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b, *_ in found):
                continue
            code, also = e.code, e.also
            if e.table is not None:
                code, *rest = evaluation_codes(e.table, text, discipline)
                also = tuple(rest)
            found.append((m.start(), m.end(), e.name, code, also))
    found.sort()
    sides = bound_sides(text)
    visit = bool(_VISIT_TIME.search(text))
    clocks = [] if visit else list(_CLOCK.finditer(text))
    minutes = [] if visit else list(_MINUTES.finditer(text))
    out: list[Extracted] = []
    consumed_until = -1
    for i, (start, end, name, code, also) in enumerate(found):
        if start < consumed_until:
            continue  # part of the previous one's purpose ("squatting to lift a box")
        nxt = next((f[0] for f in found[i + 1 :] if f[0] >= end), len(text))
        window = re.split(r"[,.;]", text[end : end + 60], maxsplit=1)[0]
        purpose_code, purpose = None, None
        for pattern, pcode in cat.purposes:
            pm = pattern.search(window)
            if pm:
                purpose_code, purpose = pcode, pm.group(0)
                consumed_until = end + len(window)
                break
        if consumed_until > nxt:
            nxt = next((f[0] for f in found if f[0] >= consumed_until), len(text))
        clause = text[end:nxt]
        clause_end = nxt
        candidates: tuple[str, ...]
        if purpose_code and (purpose_code == code or purpose_code in also):
            candidates, clear = (purpose_code,), True
        elif also:
            candidates, clear = (code, *also), False
        else:
            candidates, clear = (code,), True
        sets = _SETS.search(clause)
        reps = _REPS.search(clause)
        load = _LOAD.search(clause)
        band = _BAND.search(text[start:clause_end])
        dist = _DISTANCE.search(clause)
        side = next((s.side for s in sides if start - 30 <= s.start <= clause_end), None)
        region = next((s.region for s in sides if start - 30 <= s.start <= clause_end), None)
        item_end = end + len(re.sub(r"[\s,;.]*(?:and\s*)?$", "", clause))
        out.append(Extracted(ItemKind.INTERVENTION, start, item_end, Intervention(
            name=name, cpt_candidates=candidates, purpose=purpose, purpose_clear=clear,
            sets=int(sets.group(1)) if sets else None,
            reps=int(sets.group(2)) if sets else (int(reps.group(1)) if reps else None),
            load=float(load.group(1)) if load else None, load_unit=load.group(2) if load else None,
            band=band.group(1).lower() if band else None,
            distance_ft=float(dist.group(1)) if dist else None,
            bouts=int(dist.group(2)) if dist and dist.group(2) else None,
            region=region, side=side)))
    return _assign_times(text, out, clocks, minutes)


def _assign_times(text: str, items: list[Extracted], clocks: list[re.Match[str]],
                  minutes: list[re.Match[str]]) -> list[Extracted]:
    """Give each dictated time to the nearest intervention before it (or the first one)."""
    if not items:
        return items
    timed = list(items)
    for m in [*clocks, *minutes]:
        if m.start() < items[0].start:
            continue  # said before any intervention here: ``leading_time`` hands it back

        owners = [i for i, it in enumerate(timed) if it.start <= m.start()]
        k = owners[-1] if owners else 0
        iv = _iv(timed[k])
        if iv.minutes is not None:
            continue
        if m.re is _CLOCK:
            iv = replace(iv, start=m.group(1), stop=m.group(2),
                         minutes=_minutes_between(m.group(1), m.group(2)))
        else:
            iv = replace(iv, minutes=int(m.group(1)))
        timed[k] = replace(timed[k], values=iv)
    return timed


def leading_time(text: str) -> tuple[int | None, str | None, str | None]:
    """A time said before any intervention in the sentence ("For 15 minutes, manual ..."):
    (minutes, start, stop) for the previous sentence's untimed intervention, else Nones."""
    first = min((e.start for e in extract_interventions_raw(text)), default=len(text))
    clock = _CLOCK.search(text)
    if clock and clock.start() < first and not _VISIT_TIME.search(text):
        return _minutes_between(clock.group(1), clock.group(2)), clock.group(1), clock.group(2)
    m = _MINUTES.search(text)
    if m and m.start() < first and not _VISIT_TIME.search(text):
        return int(m.group(1)), None, None
    return None, None, None


def extract_interventions_raw(text: str) -> list[Extracted]:
    return [x for e in catalogue().entries for x in
            (Extracted(ItemKind.INTERVENTION, m.start(), m.end(), _NONE) for m in
             e.pattern.finditer(text))]


def _iv(e: Extracted | Item) -> Intervention:
    assert isinstance(e.values, Intervention)
    return e.values


def suggest_blocks(items: list[Item]) -> list[SuggestedBlock]:
    """One block per dictated time; untimed codes (not covered by a block) with minutes None.

    An untimed intervention whose first candidate matches a block's code in the same or the
    previous two sentences joins that block (its exercises were listed after the time).
    """
    ivs = [i for i in items if i.kind is ItemKind.INTERVENTION]
    blocks: list[SuggestedBlock] = []
    order = {i.sentence_id: n for n, i in enumerate(items)}
    for item in ivs:
        iv = _iv(item)
        if iv.minutes is None:
            continue
        same_sentence = [o for o in ivs if o.sentence_id == item.sentence_id
                         and _iv(o).minutes is None and o is not item]
        alternatives = {c for o in [item, *same_sentence] for c in _iv(o).cpt_candidates}
        alternatives.discard(iv.cpt_candidates[0])
        blocks.append(SuggestedBlock(
            code=iv.cpt_candidates[0], minutes=iv.minutes, start=iv.start, stop=iv.stop,
            alternatives=tuple(sorted(alternatives)),
            item_ids=(item.id, *[o.id for o in same_sentence]),
            side=iv.side, span=item.span))
    claimed = {i for b in blocks for i in b.item_ids}
    for item in ivs:
        if item.id in claimed:
            continue
        iv = _iv(item)
        near = [b for b in blocks if b.code == iv.cpt_candidates[0] and iv.purpose_clear
                and order[item.sentence_id] - min(order[_sid(items, x)] for x in b.item_ids) >= 0]
        if near:
            b = near[-1]
            blocks[blocks.index(b)] = replace(b, item_ids=(*b.item_ids, item.id))
            continue
        open_block = next((b for b in blocks if b.minutes is None and b.code == iv.cpt_candidates[0]
                           and b.alternatives == iv.cpt_candidates[1:]), None)
        if open_block:
            blocks[blocks.index(open_block)] = replace(
                open_block, item_ids=(*open_block.item_ids, item.id))
            continue
        blocks.append(SuggestedBlock(iv.cpt_candidates[0], None, None, None,
                                     iv.cpt_candidates[1:], (item.id,), iv.side, item.span))
    return blocks


def _sid(items: list[Item], item_id: str) -> str:
    return next(i.sentence_id for i in items if i.id == item_id)
