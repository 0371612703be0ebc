"""core.rules.packs: the shipped packs load, carry provenance, and fail clearly."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from importlib import resources

import pytest

from core.domain.enums import Discipline, UnitMethod
from core.domain.errors import ChartsideError, InvalidCode, NotFound
from core.rules.packs import (
    PACK_FILES,
    RulePackError,
    RulePacks,
    Sidedness,
    UnknownPayer,
    code_info,
    default_packs,
    kx_threshold,
    payer_rules,
    read_documents,
)


def test_every_pack_has_provenance() -> None:
    for name in PACK_FILES:
        doc = json.loads(resources.files("resources.rules").joinpath(name).read_text())
        assert {"version", "effective_date", "source"} <= set(doc), name
        dt.date.fromisoformat(doc["effective_date"])
    assert [i.name for i in default_packs().info] == list(PACK_FILES)


def test_default_packs_are_cached() -> None:
    assert default_packs() is default_packs()


@pytest.mark.parametrize(
    ("code", "timed", "unit", "family"),
    [("97110", True, 15, "exercise"), ("97161", False, None, "evaluation"),
     ("98961", True, 30, "education"), ("G0283", False, None, "modality"),
     ("92507", False, None, "speech"), ("97130", True, 15, "cognitive")],
)
def test_catalog_entries(code: str, timed: bool, unit: int | None, family: str) -> None:
    info = code_info(code)
    assert (info.timed, info.unit_minutes, info.family) == (timed, unit, family)
    assert info.label and "each 15 minutes" not in info.label.lower()


def test_catalog_facts() -> None:
    assert code_info("97130").add_on_to == "97129"
    assert code_info("97129").max_units_per_day == 1
    assert code_info("97140").usually_sided and not code_info("97116").usually_sided
    assert code_info("97110").laterality is Sidedness.SOMETIMES
    assert code_info("97010").payer_note("medicare").action == "bundled"  # type: ignore[union-attr]
    note = code_info("97014").payer_note("medicare")
    assert note is not None and note.replacement == "G0283"
    assert Discipline.SLP in code_info("92526").disciplines
    required = {f"9716{i}" for i in range(1, 9)} | {"97150", "97750", "97755", "97760",
                                                    "97761", "97763", "98960", "98962"}
    assert required <= set(default_packs().codes)


def test_unknown_code_error() -> None:
    with pytest.raises(InvalidCode, match="not in Chartside's therapy code catalog"):
        code_info("99999")


def test_pairs_and_verification() -> None:
    packs = default_packs()
    (edit,) = packs.ncci_edits("97140", "97530", dt.date(2025, 1, 1))
    assert edit.indicator == 1 and edit.verified
    assert packs.ncci_edits("97161", "97530", dt.date(2025, 1, 1)) == ()  # deleted edit
    assert any(not e.verified for e in packs.pairs)


def test_kx_thresholds() -> None:
    assert kx_threshold(2024) == Decimal("2330.00")
    assert kx_threshold(2025) == Decimal("2410.00")
    assert kx_threshold(2026) == Decimal("2480.00")
    kx = default_packs().kx
    assert 2026 in kx.unverified_years
    assert kx.targeted_review_amount(2026) == Decimal("3000.00")
    assert kx.bucket(Discipline.SLP) == frozenset({Discipline.PT, Discipline.SLP})
    assert kx.bucket(Discipline.OT) == frozenset({Discipline.OT})
    with pytest.raises(NotFound, match="No KX threshold for 2031"):
        kx_threshold(2031)


def test_payer_profiles() -> None:
    medicare = payer_rules("medicare")
    assert medicare.unit_method is UnitMethod.CMS_TOTAL_TIME
    assert medicare.requires_discipline_modifier and medicare.uses_kx_threshold
    assert medicare.progress_report_every == 10
    assert medicare.certification and medicare.certification.max_days == 90
    assert medicare.certification.sign_within_days == 30
    commercial = payer_rules("commercial")
    assert commercial.unit_method is UnitMethod.PER_CODE
    assert ("97110", "97530") in {(p.column1, p.column2) for p in commercial.payer_pairs}
    cash = payer_rules("cash")
    assert cash.out_of_network and not cash.requires_discipline_modifier
    with pytest.raises(UnknownPayer, match="Known profiles: cash, commercial, medicare"):
        payer_rules("bcbs")


def test_malformed_packs_fail_clearly() -> None:
    docs = read_documents()
    broken = copy.deepcopy(docs)
    del broken["codes.json"]["version"]
    with pytest.raises(RulePackError, match=r"codes\.json needs version"):
        RulePacks.from_documents(broken)
    broken = copy.deepcopy(docs)
    broken["ncci_pairs.json"]["pairs"].append(
        {"column1": "97110", "column2": "12345", "indicator": 1,
         "effective_date": "2025-01-01", "source": "x"})
    with pytest.raises(RulePackError, match="12345"):
        RulePacks.from_documents(broken)
    broken = copy.deepcopy(docs)
    broken["codes.json"]["codes"][0]["disciplines"] = ["XX"]
    with pytest.raises(RulePackError, match="malformed"):
        RulePacks.from_documents(broken)
    with pytest.raises(RulePackError, match=r"payers\.json missing"):
        RulePacks.from_documents({k: v for k, v in docs.items() if k != "payers.json"})
    assert issubclass(RulePackError, ChartsideError)


def test_docs_list_every_finding_id() -> None:
    from pathlib import Path

    from core.rules.findings import CATALOG

    doc = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text()
    missing = [fid for fid in CATALOG if f"`{fid}`" not in doc]
    assert missing == []
