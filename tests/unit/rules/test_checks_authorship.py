"""Authorship checks: unfinished drafted text, assistants and clinician-only note types."""

from __future__ import annotations

import dataclasses

from rules_fixtures import Chart

from core.domain.enums import NoteType
from core.rules.checks import check_note
from core.rules.findings import Finding


def _ids(findings: list[Finding]) -> set[str]:
    return {f.id for f in findings}


def test_placeholder_blocks_until_written(chart: Chart) -> None:
    note, visit = chart.typical()
    note.assessment = "Progress toward goals: [clinician to complete]"
    found = check_note(note, chart.ctx(visit))
    assert "note.unfinished_text" in _ids(found)
    assert any(f.blocks_signing for f in found if f.id == "note.unfinished_text")
    note.assessment = "Progressing; stairs now reciprocal."
    assert "note.unfinished_text" not in _ids(check_note(note, chart.ctx(visit)))


def test_assistant_cannot_author_a_progress_report(chart: Chart) -> None:
    note, visit = chart.typical()
    pta = dataclasses.replace(chart.clinician, credentials="PTA", is_assistant=True)
    assert "note.assistant_author" not in _ids(check_note(note, chart.ctx(visit, clinician=pta)))
    note.note_type = NoteType.PROGRESS_REPORT
    assert "note.assistant_author" in _ids(check_note(note, chart.ctx(visit, clinician=pta)))
    assert "note.assistant_author" not in _ids(check_note(note, chart.ctx(visit)))
