"""Payer rules on the note: supervision of assistants, modifier 50, bilateral vs the plan."""

from __future__ import annotations

from rules_fixtures import Chart

from core.domain.enums import Discipline, Laterality
from core.domain.practice import Clinician
from core.rules.checks import check_note
from core.rules.modifiers import modifiers_for


def ids(chart: Chart, **ctx: object) -> set[str]:
    note, visit = chart.typical()
    return {f.id for f in check_note(note, chart.ctx(visit, **ctx))}


def test_assistant_visit_for_medicare_needs_a_supervising_therapist(chart: Chart) -> None:
    pta = Clinician("Lee", "Park", Discipline.PT, credentials="PTA", is_assistant=True)
    pt = Clinician("Ana", "Lima", Discipline.PT, npi=None)
    found = ids(chart, payer="medicare", clinician=pta)
    assert "claim.supervisor_missing" in found
    found = ids(chart, payer="medicare", clinician=pta, supervisor=pt)
    assert "claim.supervisor_missing" not in found and "claim.billed_under_supervisor" in found
    other_pta = Clinician("Mo", "Ree", Discipline.PT, is_assistant=True)
    assert "claim.supervisor_missing" in ids(chart, payer="medicare", clinician=pta,
                                             supervisor=other_pta)
    # a therapist's own visit, or a payer without assistant modifiers: nothing
    assert not ids(chart, payer="medicare") & {"claim.supervisor_missing",
                                               "claim.billed_under_supervisor"}
    assert "claim.supervisor_missing" not in ids(chart, payer="commercial", clinician=pta)
    note, visit = chart.typical()
    mods = modifiers_for(note, chart.ctx(visit, payer="medicare", clinician=pta, supervisor=pt))
    assert all("CQ" in m for m in mods.values())


def test_modifier_50_on_a_therapy_code(chart: Chart) -> None:
    note, visit = chart.typical()
    assert "code.modifier_50" not in {f.id for f in check_note(note, chart.ctx(visit))}
    block = note.ordered_blocks[0]
    note.update_block(block.id, modifiers=("50",))
    found = [f for f in check_note(note, chart.ctx(visit)) if f.id == "code.modifier_50"]
    assert len(found) == 1 and found[0].block_id == block.id


def test_bilateral_block_against_a_one_sided_plan(chart: Chart) -> None:
    chart.diagnosis("M17.11", Laterality.RIGHT)
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20",
                                          laterality=Laterality.BILATERAL)])
    assert "block.bilateral_one_sided_plan" in {f.id for f in check_note(note, chart.ctx(visit))}
    chart.diagnosis("M17.12", Laterality.LEFT)  # both sides on the plan now
    assert "block.bilateral_one_sided_plan" not in {
        f.id for f in check_note(note, chart.ctx(visit))}
    right = chart.note(visit, [chart.block("97110", "09:00", "09:20",
                                           laterality=Laterality.RIGHT)])
    assert "block.bilateral_one_sided_plan" not in {
        f.id for f in check_note(right, chart.ctx(visit))}
