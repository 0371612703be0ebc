"""The definitions pack: complete, sourced, and free of licensed questionnaire wording."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from core.rules.measures import definitions
from core.rules.measures.definitions import MeasurePackError, pack_from_document

REQUIRED = {"LEFS", "ODI", "NDI", "QuickDASH", "NPRS", "PSFS", "Berg", "TUG", "5xSTS", "6MWT",
            "PPS", "KOOS-PAIN", "KOOS-SYMPTOMS", "KOOS-ADL", "KOOS-SPORT", "KOOS-QOL"}
LICENSED = {"LEFS", "ODI", "NDI", "QuickDASH", "QuickDASH-W", "QuickDASH-S", "PPS", "KOOS-PAIN",
            "KOOS-SYMPTOMS", "KOOS-ADL", "KOOS-SPORT", "KOOS-QOL", "Berg"}
LOWER_IS_BETTER = {"ODI", "NDI", "QuickDASH", "NPRS", "TUG", "5xSTS"}


def _document() -> dict:  # type: ignore[type-arg]
    text = resources.files("resources.measures").joinpath("definitions.json").read_text("utf-8")
    return json.loads(text)


def test_every_measure_the_issue_names_is_defined() -> None:
    assert set(definitions()) >= REQUIRED


def test_direction_of_better() -> None:
    for d in definitions().values():
        assert d.higher_is_better is (d.id not in LOWER_IS_BETTER and not d.id.startswith(
            "QuickDASH")), d.id


def test_every_threshold_has_value_population_and_source() -> None:
    for d in definitions().values():
        for t in d.thresholds:
            assert t.value > 0 and t.population and t.source, (d.id, t)
            assert t.kind in {"MCID", "MDC", "MID"}


def test_licensed_instruments_are_not_free_to_show_and_store_no_item_text() -> None:
    for d in definitions().values():
        assert d.licence, d.id
        if d.id in LICENSED:
            assert not d.text_free_to_show, d.id
            if d.max_items > 1:  # a one-field form may carry our own field label only
                assert not d.item_labels, d.id  # no item wording, not even item names
    for row in _document()["measures"]:
        assert not {"questions", "wording", "item_text", "text"} & set(row), row["id"]


def test_missing_rule_is_stated_with_a_source() -> None:
    for d in definitions().values():
        assert d.missing_rule and d.missing_source, d.id
        assert 1 <= d.min_answered <= d.max_items


def test_malformed_pack_is_refused() -> None:
    doc = _document()
    doc["measures"][0]["method"] = "median"
    with pytest.raises(MeasurePackError, match="unknown scoring method"):
        pack_from_document(doc)
    doc = _document()
    doc["measures"][0]["missing"]["min_answered"] = 19  # LEFS is a plain sum
    with pytest.raises(MeasurePackError, match="plain sum"):
        pack_from_document(doc)
    with pytest.raises(MeasurePackError, match="malformed"):
        pack_from_document({"version": "x"})
