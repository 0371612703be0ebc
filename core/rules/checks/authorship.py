"""Who may author a note, and whether a drafted note is finished.

- ``note.unfinished_text`` (block): a section still holds the ``[clinician to complete]``
  marker that the progress-report and discharge drafts leave for the clinician's assessment.
- ``note.assistant_author`` (block): PT/OT assistants may write daily notes, but not
  evaluations, re-evaluations, progress reports or discharge summaries (Pub. 100-02 Ch. 15
  §220.3: an assistant can contribute elements but cannot write the complete report).
"""

from __future__ import annotations

from collections.abc import Iterator

from core.domain.enums import NoteType
from core.domain.visit import SECTIONS
from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding
from core.rules.measures.reports import PLACEHOLDER

CLINICIAN_ONLY = frozenset(
    {NoteType.EVALUATION, NoteType.RE_EVALUATION, NoteType.PROGRESS_REPORT, NoteType.DISCHARGE}
)


def check_authorship(f: NoteFacts) -> Iterator[Finding]:
    for section in SECTIONS:
        if PLACEHOLDER in (getattr(f.note, section) or ""):
            yield make_finding(
                "note.unfinished_text",
                f"The {section} section still says {PLACEHOLDER}.",
                section,
                "Write your assessment in place of the marker.",
            )
    clinician = f.ctx.clinician
    if clinician is not None and clinician.is_assistant and NoteType(f.note.note_type) in (
        CLINICIAN_ONLY
    ):
        kind = NoteType(f.note.note_type).value.replace("_", " ")
        yield make_finding(
            "note.assistant_author",
            f"An assistant cannot author a {kind}.",
            "note_type",
            "The supervising therapist writes and signs it; assistants write daily notes.",
        )
