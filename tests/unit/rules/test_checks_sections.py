"""Required sections per note type (``note.section_required``): a blank note never signs."""

from __future__ import annotations

import pytest
from rules_fixtures import Chart

from core.domain.enums import NoteType
from core.domain.visit import SECTIONS
from core.rules.checks import check_note
from core.rules.checks.sections import REQUIRED_SECTIONS, required_sections
from core.rules.findings import Severity, blocking


def _required(note, chart: Chart, visit) -> list[str]:  # type: ignore[no-untyped-def]
    found = check_note(note, chart.ctx(visit))
    return [f.field for f in found if f.id == "note.section_required"]


def test_blank_daily_note_blocks_on_objective_and_assessment(chart: Chart) -> None:
    note, visit = chart.typical()
    for section in SECTIONS:
        note.set_section(section, "  \n ")  # whitespace is empty
    found = check_note(note, chart.ctx(visit))
    required = [f for f in found if f.id == "note.section_required"]
    assert [f.field for f in required] == ["objective", "assessment"]
    assert all(f.severity is Severity.BLOCK and f in blocking(found) for f in required)
    assert "Objective section is empty; a daily note needs it" in required[0].message
    assert found[0].id == "note.section_required"  # listed first: the top of the note


@pytest.mark.parametrize(
    ("note_type", "needed"),
    [
        (NoteType.DAILY, ["objective", "assessment"]),
        (NoteType.EVALUATION, ["subjective", "objective", "assessment", "plan"]),
        (NoteType.RE_EVALUATION, ["subjective", "objective", "assessment", "plan"]),
        (NoteType.PROGRESS_REPORT, ["objective", "assessment", "plan"]),
        (NoteType.DISCHARGE, ["objective", "assessment", "plan"]),
    ],
)
def test_each_note_type_needs_its_sections(
    chart: Chart, note_type: NoteType, needed: list[str]
) -> None:
    note, visit = chart.typical()
    note.note_type = note_type
    for section in SECTIONS:
        note.set_section(section, "")
    assert _required(note, chart, visit) == needed
    assert list(required_sections(note_type)) == needed
    note.set_section(needed[0], "Written.")
    assert _required(note, chart, visit) == needed[1:]


def test_written_note_has_no_section_finding(chart: Chart) -> None:
    note, visit = chart.typical()
    assert _required(note, chart, visit) == []
    assert set(REQUIRED_SECTIONS) == set(NoteType)  # every type says what it needs


def test_section_findings_cannot_be_acknowledged(chart: Chart) -> None:
    note, visit = chart.typical()
    note.set_section("assessment", "")
    note.acknowledged = [{"finding_id": "note.section_required", "reason": "later"}]
    found = [f for f in check_note(note, chart.ctx(visit)) if f.id == "note.section_required"]
    assert found and not found[0].acknowledged
