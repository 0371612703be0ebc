"""Code-specific documentation forms: 97110 (therapeutic exercise), 97530 (therapeutic
activities). The ``TimedBlock.details`` keys read here are documented in docs/rules.md:

97110: ``exercises``: list of ``{name, position, sets, reps, load, load_unit,
target_outcome | target_outcomes}``; optional block-level ``target_outcomes`` list.
97530: ``activity`` (what the patient did), ``functional_task``, ``components`` (list of
movement components, e.g. balance, strength), ``skilled_cues``, ``assistance``.

Contract: functions take ``NoteFacts`` and yield ``Finding``s. Malformed details (wrong
types) are read leniently: a value that is not what we expect counts as absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from core.domain.visit import Note
from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding

_INSTRUCTION = re.compile(
    r"\b(instruct(ed|ion|ing)?|educat(ed|ion|ing)|taught|teach(ing)?|review(ed)?|"
    r"discuss(ed)?|explain(ed)?|advis(ed|ing)|provided (a )?(handout|hep))\b",
    re.I,
)
_PERFORMANCE = re.compile(
    r"\b((pt|patient|client|he|she|they)\s+(was able to\s+)?(performed|completed|"
    r"ambulated|transferred|demonstrated|carried|lifted|reached|stood|walked|negotiated|"
    r"practiced|climbed|squatted|stepped|retrieved|pushed|pulled|returned demo)|performed|"
    r"completed|demonstrated|x\s?\d+|\d+\s*(reps?|trials?|rounds?|laps?|ft|feet|steps))\b",
    re.I,
)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple):
        return " ".join(v.strip() for v in value if isinstance(v, str) and v.strip())
    return ""


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list | tuple):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    return []


def _exercises(details: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = details.get("exercises")
    if not isinstance(items, list | tuple):
        return []
    return [e for e in items if isinstance(e, Mapping)]


def check_97110_targets(f: NoteFacts) -> Iterator[Finding]:
    for line in f.lines:
        if line.code != "97110":
            continue
        groups = [("the block", _strings(line.details.get("target_outcomes")))]
        for ex in _exercises(line.details):
            targets = _strings(ex.get("target_outcomes")) + _strings(ex.get("target_outcome"))
            groups.append((f"“{_text(ex.get('name')) or 'an exercise'}”", targets))
        for owner, targets in groups:
            distinct = sorted({t.lower() for t in targets})
            if len(distinct) > 1:
                yield make_finding(
                    "form.97110.multiple_targets",
                    f"In 97110, {owner} aims at {' and '.join(distinct)} at once; exercise "
                    "that trains several components together in a task reads as "
                    "therapeutic activity.",
                    f"{line.field}.details.exercises",
                    "Name one target outcome per exercise, or document the task as 97530.",
                    block_id=line.id,
                )
                break


def _exercise_key(ex: Mapping[str, Any]) -> tuple[str, ...]:
    fields = ("name", "position", "sets", "reps", "load", "load_unit")
    return tuple(str(ex.get(k, "")).strip().lower() for k in fields)


def exercise_parameters(note: Note) -> tuple[tuple[str, ...], ...]:
    """The sorted 97110 exercise parameters of a note (empty when it has none)."""
    keys = [
        _exercise_key(ex)
        for block in note.blocks if block.code == "97110"
        for ex in _exercises(block.details)
    ]
    return tuple(sorted(keys))


def check_97110_progression(f: NoteFacts) -> Iterator[Finding]:
    current = [x for x in f.lines if x.code == "97110"]
    if not current or len(f.earlier) < 2:
        return
    now = exercise_parameters(f.note)
    if not now:
        return
    before = [exercise_parameters(p.note) for p in f.earlier[-2:]]
    if all(b == now for b in before):
        dates = ", ".join(f"{p.visit.date:%Y-%m-%d}" for p in f.earlier[-2:])
        yield make_finding(
            "form.97110.no_progression",
            f"97110 exercises and parameters are identical to the visits of {dates}: "
            "three visits without progression reads as maintenance, not skilled care.",
            f"{current[0].field}.details.exercises",
            "Progress load, sets, reps or position, or document why they are held.",
            block_id=current[0].id,
        )


def check_97530(f: NoteFacts) -> Iterator[Finding]:
    for line in f.lines:
        if line.code != "97530":
            continue
        d = line.details
        components = {c.lower() for c in _strings(d.get("components"))}
        if len(components) < 2:
            yield make_finding(
                "form.97530.few_components",
                f"97530 lists {len(components) or 'no'} movement component"
                f"{'' if len(components) == 1 else 's'}; therapeutic activities combine two "
                "or more (e.g. balance and strength) in a dynamic task.",
                f"{line.field}.details.components",
                "List the components the activity works on, or bill 97110/97112 instead.",
                block_id=line.id,
            )
        if not _text(d.get("skilled_cues")):
            yield make_finding(
                "form.97530.no_skilled_cues",
                "97530 does not document the skilled direction given (cues, facilitation, "
                "grading).",
                f"{line.field}.details.skilled_cues",
                "Describe the cues or facilitation you provided and how you graded the task.",
                block_id=line.id,
            )
        if not _text(d.get("functional_task")):
            yield make_finding(
                "form.97530.no_functional_task",
                "97530 does not name the functional task being trained.",
                f"{line.field}.details.functional_task",
                "Name the task, e.g. “floor-to-waist lifting for laundry”.",
                block_id=line.id,
            )
        narrative = " ".join((_text(d.get("activity")), _text(d.get("functional_task"))))
        if _INSTRUCTION.search(narrative) and not _PERFORMANCE.search(narrative):
            yield make_finding(
                "form.97530.reads_as_instruction",
                "97530 reads as instruction given rather than the patient's performance.",
                f"{line.field}.details.activity",
                "Describe what the patient performed (task, repetitions, assistance); "
                "training in self-care is 97535.",
                block_id=line.id,
            )
