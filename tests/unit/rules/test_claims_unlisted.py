"""Massage and unlisted codes (issue 18): 97124 is its own family; an unlisted code (97139,
97039, 97799) blocks signing until the service is described, and the description reaches the
claim (CMS-1500 item 19, 837P SV101-7)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from core.domain.visit import UntimedService
from core.rules.checks import check_note
from core.rules.claims import cms1500, x837
from core.rules.claims.model import build_claims, problems
from core.rules.findings import Severity
from core.rules.packs import default_packs
from tests.unit.test_claims_rules import DAY, world

if TYPE_CHECKING:
    from rules_fixtures import Chart


def test_massage_and_unlisted_codes_in_the_catalog() -> None:
    packs = default_packs()
    massage = packs.code("97124")
    assert massage.timed and massage.unit_minutes == 15 and massage.family == "massage"
    assert packs.code("97140").family == "manual"
    assert {packs.code(c).family for c in ("97139", "97039", "97799")} == {"unlisted"}


def test_unlisted_code_needs_a_description(chart: Chart) -> None:
    visit = chart.visit()
    bare = chart.note(visit, untimed=[UntimedService("97139")])
    (f,) = [x for x in check_note(bare, chart.ctx(visit)) if x.id == "code.unlisted_description"]
    assert f.severity is Severity.BLOCK and "97139" in f.message
    described = chart.note(visit, untimed=[UntimedService(
        "97139", details={"description": "Instrument-assisted soft tissue mobilization"})])
    assert not [x for x in check_note(described, chart.ctx(visit))
                if x.id == "code.unlisted_description"]


def test_description_goes_on_the_form_and_the_file() -> None:
    bill, src = world(n_lines=1)
    line = bill.lines[0]
    bill = type(bill)(**{**bill.__dict__, "lines": (type(line)(
        line.date, line.place_of_service, "97139", "unlisted", ("GP",), line.pointers, 1,
        9000, 9000, line.rendering_npi, line.visit_id),)})
    src = type(src)(**{**src.__dict__, "unlisted": frozenset({"97139"})})
    (draft,) = build_claims(bill, src, per_day=True)
    assert any("no description" in p for p in problems(draft, for_file=True))
    src = type(src)(**{**src.__dict__, "descriptions": {
        (line.visit_id, "97139"): "Instrument-assisted soft tissue mobilization"}})
    (draft,) = build_claims(bill, src, per_day=True)
    assert not any("description" in p for p in problems(draft, for_file=True))
    (page,) = cms1500.form_pages(draft, DAY)
    # item 19 holds 48 characters on the form; the 837P line carries up to 80
    assert page.text("19") == "97139 INSTRUMENT-ASSISTED SOFT TISSUE MOBILIZATION"[:48]
    text = x837.interchange([draft], x837.Envelope(
        draft.payer, src.practice, 5, dt.datetime(2026, 3, 20, 9, 0),  # type: ignore[arg-type]
        claim_numbers=["C1"]))
    assert "SV1*HC:97139:GP::::INSTRUMENT-ASSISTED SOFT TISSUE MOBILIZATION*90*UN*1***" in text
