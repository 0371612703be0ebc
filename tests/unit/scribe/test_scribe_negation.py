"""ConText-style negation detector on the annotated set and on targeted phrasing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scribe.negation import assess, is_negated, negated_ranges

SET = Path(__file__).resolve().parents[2] / "scribe" / "fixtures" / "negation_set.jsonl"


def _rows(subset: str | None = None) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in SET.read_text().splitlines() if line.strip()]
    return [r for r in rows if subset is None or r["subset"] == subset]


@pytest.mark.parametrize(
    ("sentence", "concept", "negated"),
    [
        ("Denies numbness or tingling.", "tingling", True),
        ("Tingling was not present.", "Tingling", True),
        ("Lachman negative bilaterally.", "Lachman", True),
        ("Pain-free knee flexion.", "Pain", True),
        ("No change in pain since last visit.", "pain", False),
        ("Not only knee pain but also hip stiffness.", "hip stiffness", False),
        ("Denies numbness but reports tingling.", "tingling", False),
        ("Unable to climb stairs due to knee pain.", "knee pain", False),
        ("No swelling, pain 4/10 with stairs.", "pain", False),
        ("Hawkins-Kennedy positive, Neer negative.", "Hawkins-Kennedy", False),
        ("Hawkins-Kennedy positive, Neer negative.", "Neer", True),
        ("(-) Spurling test.", "Spurling", True),
        ("Rule out meniscus tear.", "meniscus tear", False),
    ],
)
def test_cases(sentence: str, concept: str, negated: bool) -> None:
    assert is_negated(sentence, concept) is negated


def test_absent_concept_is_not_negated() -> None:
    assert is_negated("No swelling.", "numbness") is False


def test_every_occurrence_is_assessed() -> None:
    results = assess("Pain with stairs, no pain at rest.", ["pain"])
    assert [r.negated for r in results] == [False, True]


def test_negated_ranges_cover_the_scope() -> None:
    sentence = "Denies numbness but reports pain."
    ranges = negated_ranges(sentence)
    assert [sentence[a:b] for a, b, _ in ranges] == ["numbness"]


def test_accuracy_on_development_set() -> None:
    rows = [r for r in _rows() if r["subset"] in ("general", "therapy")]
    right = sum(is_negated(str(r["sentence"]), str(r["concept"])) is r["negated"] for r in rows)
    assert right / len(rows) >= 0.97


def test_accuracy_on_held_out_set() -> None:
    # Written after the detector; 46/50 when first run, then its four misses were fixed
    # (2026-12-06), so it is no longer held out — see heldout2 (docs/scribe.md).
    rows = _rows("heldout")
    right = sum(is_negated(str(r["sentence"]), str(r["concept"])) is r["negated"] for r in rows)
    assert right / len(rows) >= 0.96


def test_accuracy_on_second_held_out_set() -> None:
    # 30 sentences written before the 2026-12-06 scope fixes: 29/30 when first run.
    rows = _rows("heldout2")
    right = sum(is_negated(str(r["sentence"]), str(r["concept"])) is r["negated"] for r in rows)
    assert right / len(rows) >= 0.93


@pytest.mark.parametrize(("sentence", "concept", "negated"), [
    ("No change in vision.", "change in vision", True),       # the cue is the concept's own word
    ("No change in pain.", "pain", False),                     # pseudo-negation still holds
    ("Patient has absent reflexes at the ankle.", "absent reflexes", False),
    ("Reflexes absent at the ankle.", "reflexes", True),
    ("No redness, mild swelling around the incision.", "swelling", False),
    ("No pain, swelling or numbness.", "numbness", True),
    ("Instability denied.", "instability", True),              # trailing trigger reaches back
    ("Patient denied pain, numbness, tingling.", "tingling", True),
    ("Knee effusion is no longer present.", "effusion", True),
    ("No reports of dizziness with supine to sit.", "dizziness", True),
    ("Without assistive device patient shows a trendelenburg gait.", "trendelenburg gait", False),
])
def test_scope_rules(sentence: str, concept: str, negated: bool) -> None:
    assert is_negated(sentence, concept) is negated


def test_negex_annotated_sentences_we_did_not_write() -> None:
    """Issue 21: 305 physician-annotated sentences of the NegEx test set (de-identified clinical
    reports; rows 1-150 tuned on, 151-305 held out — tests/scribe/fixtures/README.md). The
    annotated occurrence is the upper-case one. Measured F1 1.000 / 0.987 (medspaCy's ConText
    0.962 / 0.975, negspacy 0.906 / 0.962 in the same bench run)."""
    path = SET.with_name("negex_annotations.jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert len(rows) == 305
    for subset, floor in (("dev", 0.97), ("heldout", 0.95)):
        tp = fp = fn = 0
        for r in (r for r in rows if r["subset"] == subset):
            found = assess(r["sentence"], [r["concept"]])
            got = bool(found) and found[min(r.get("occurrence", 0), len(found) - 1)].negated
            tp += got and r["negated"]
            fp += got and not r["negated"]
            fn += r["negated"] and not got
        assert 2 * tp / (2 * tp + fp + fn) >= floor, (subset, tp, fp, fn)


def test_a_forward_scope_ends_at_the_verb_that_closes_its_phrase() -> None:
    assert not is_negated("No small airways present to evaluate bronchiolitis.", "bronchiolitis")
    assert is_negated("No pericardial effusion is seen.", "pericardial effusion")
    assert not is_negated("No swelling noted, tenderness at the joint line.", "tenderness")
    assert is_negated("No swelling, redness or warmth noted.", "warmth")
