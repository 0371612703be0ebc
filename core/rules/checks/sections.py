"""Required note sections, per note type: a blank note must not sign.

- ``note.section_required`` (block): a section the note type needs is empty (blank or only
  whitespace). One finding per section, pointing at it (``field`` = the section name), so
  the editor can put the cursor there.

What each type needs (``REQUIRED_SECTIONS``; docs/rules.md):

- daily note: Objective (what was done and measured) and Assessment (the response and the
  skilled need) — Pub. 100-02 Ch. 15 §220.3.E asks the treatment note for the interventions
  and the clinician's judgement; Subjective and Plan are welcome but optional;
- evaluation and re-evaluation: all four (history, tests and measures, assessment and
  prognosis, the plan of care) — §220.3.C;
- progress report and discharge summary: Objective, Assessment and Plan (progress toward the
  goals, the judgement, what comes next or the discharge plan) — §220.3.D.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from core.domain.enums import NoteType
from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding

REQUIRED_SECTIONS: Mapping[NoteType, tuple[str, ...]] = {
    NoteType.DAILY: ("objective", "assessment"),
    NoteType.EVALUATION: ("subjective", "objective", "assessment", "plan"),
    NoteType.RE_EVALUATION: ("subjective", "objective", "assessment", "plan"),
    NoteType.PROGRESS_REPORT: ("objective", "assessment", "plan"),
    NoteType.DISCHARGE: ("objective", "assessment", "plan"),
}
_FIX = {
    "subjective": "Write what the patient reports: history, symptoms, function.",
    "objective": "Write what you did and measured: interventions, tests, observations.",
    "assessment": "Write your judgement: response to treatment, progress, skilled need.",
    "plan": "Write what comes next: frequency, progression, discharge or referral.",
}
_TYPE_NAME = {
    NoteType.DAILY: "daily note",
    NoteType.EVALUATION: "evaluation",
    NoteType.RE_EVALUATION: "re-evaluation",
    NoteType.PROGRESS_REPORT: "progress report",
    NoteType.DISCHARGE: "discharge summary",
}


def required_sections(note_type: NoteType | str) -> tuple[str, ...]:
    """The sections a note of ``note_type`` must not leave empty."""
    return REQUIRED_SECTIONS.get(NoteType(note_type), ())


def check_required_sections(f: NoteFacts) -> Iterator[Finding]:
    kind = NoteType(f.note.note_type)
    for section in required_sections(kind):
        if not (getattr(f.note, section) or "").strip():
            yield make_finding(
                "note.section_required",
                f"The {section.capitalize()} section is empty; a {_TYPE_NAME[kind]} needs it.",
                section,
                _FIX[section],
            )
