"""Split a normalized transcript into sentences and assign each to a SOAP section.

Contract: ``split_sentences(MappedText) -> list[RawSentence]`` cuts at sentence punctuation and
around spoken headings; ``assign_sections`` gives every sentence a ``Section``. A spoken
heading ("Subjective.", "Objective", "Assessment:", "Plan.", and synonyms such as "history",
"exam", "impression", "plan of care") wins and holds until the next heading; sentences before
any heading, or in a dictation without headings, are placed by a keyword classifier
(``classify``) that scores cue words per section and, on a tie, keeps the previous section.

The classifier is a transparent keyword scorer, not a trained model: a few dozen cue words
cover therapy dictation, every decision can be explained to the clinician, and it needs no
training data we do not have. Its limits are documented in docs/scribe.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from scribe.mapped import MappedText


class Section(StrEnum):
    SUBJECTIVE = "subjective"
    OBJECTIVE = "objective"
    ASSESSMENT = "assessment"
    PLAN = "plan"


HEADINGS: dict[str, Section] = {
    "subjective": Section.SUBJECTIVE, "history": Section.SUBJECTIVE,
    "objective": Section.OBJECTIVE, "exam": Section.OBJECTIVE,
    "examination": Section.OBJECTIVE, "treatment": Section.OBJECTIVE,
    "interventions": Section.OBJECTIVE, "assessment": Section.ASSESSMENT,
    "impression": Section.ASSESSMENT, "plan": Section.PLAN, "plan of care": Section.PLAN,
}
# Headings that may start an unpunctuated sentence ("Subjective patient reports ...").
_BARE_HEADINGS = ("subjective", "objective")
_HEADING_RE = re.compile(
    r"(?:(?<=^)|(?<=[.,;:!?]))\s*(plan of care|subjective|objective|assessment|plan|history|"
    r"impression|examination|exam|treatment|interventions)\s*(?:[.,;:!?]+|$)",
    re.IGNORECASE,
)
_BARE_RE = re.compile(r"(?:(?<=^)|(?<=[.;!?]))\s*(subjective|objective)\b\s*", re.I)
_STARTS_HEADING_RE = re.compile(r"^\s*(assessment|plan)\s+(?!of\b|for\b|is\b|was\b|and\b)", re.I)
_INNER_HEADING_RE = re.compile(
    r"[,;]\s*(subjective|objective|assessment|plan)\s*(?:[,;:.]+\s*|$)", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?;])\s+|(?<=[.!?;])$")

CUES: dict[Section, tuple[str, ...]] = {
    Section.SUBJECTIVE: (
        "reports", "reported", "states", "denies", "denied", "complains", "c/o", "feels",
        "says", "patient's goal", "goal is", "history", "since last visit", "sleep",
        "endorses", "notes that", "pain is", "at worst", "at best", "at rest",
    ),
    Section.OBJECTIVE: (
        "°", "/5", "flexion", "extension", "abduction", "rotation", "strength", "mmt", "rom",
        "×", " min", "sets", "reps", "gait training", "ambulated", "tug", "lefs", "odi",
        "positive", "negative", "palpation", "performed", "therapeutic", "mobilization",
        "manual", "sensation", "intact", "training", "exercise", "balance", "transfers",
    ),
    Section.ASSESSMENT: (
        "tolerated", "progressing", "improving", "improved", "limited by", "demonstrates",
        "would benefit", "impairments", "rehab potential", "consistent with", "responding",
        "decreased", "deficits", "presents with",
    ),
    Section.PLAN: (
        "continue", "will ", "next visit", "next week", "plan", "progress to", "per week",
        "×/week", "follow up", "discharge", "recommend", "hep", "home exercise program",
        "return", "schedule",
    ),
}


@dataclass(frozen=True, slots=True)
class RawSentence:
    text: MappedText
    heading: Section | None  # the spoken heading that opened this sentence, if any


def _heading_of(word: str) -> Section:
    return HEADINGS[word.lower()]


def split_sentences(text: MappedText) -> list[RawSentence]:
    """Sentences in order, each with the spoken heading that immediately precedes it."""
    out: list[RawSentence] = []
    pending: Section | None = None
    for chunk in text.split(_SENTENCE_END_RE):
        piece = chunk.strip()
        while piece.text:
            m = _HEADING_RE.match(piece.text)
            bare = _BARE_RE.match(piece.text) if not m else None
            starts = _STARTS_HEADING_RE.match(piece.text) if not (m or bare) else None
            found = m or bare or starts
            if found is None:
                # A heading glued inside a sentence by commas ("..., objective. Right knee",
                # "8 minutes, plan, continue"): cut there and start the next section.
                inner = _INNER_HEADING_RE.search(piece.text)
                if inner:
                    body = piece.slice(0, inner.start()).strip()
                    if body.text:
                        out.append(RawSentence(body, pending))
                    pending = _heading_of(inner.group(1))
                    piece = piece.slice(inner.end(), len(piece.text)).strip()
                    continue
                out.append(RawSentence(piece, pending))
                pending = None
                break
            pending = _heading_of(found.group(1))
            if found is starts and piece.text[found.end() :].lower().startswith("to "):
                out.append(RawSentence(piece, pending))  # "Plan to continue ..." reads as is
                pending = None
                break
            end = found.end() if found is not starts else found.end(1)
            piece = piece.slice(end, len(piece.text)).strip()
            piece = piece.slice(len(piece.text) - len(piece.text.lstrip(",.;: ")), len(piece.text))
    return out


def _scores(sentence: str) -> dict[Section, int]:
    lower = f" {sentence.lower()} "
    return {s: sum(lower.count(c) for c in cues) for s, cues in CUES.items()}


def classify(sentence: str, previous: Section | None = None) -> Section:
    """The section whose cue words score highest; ties keep ``previous`` (default subjective)."""
    scores = _scores(sentence)
    best = max(scores.values())
    if best == 0:
        return previous or Section.SUBJECTIVE
    leaders = [s for s, v in scores.items() if v == best]
    if previous in leaders:
        return previous  # type: ignore[return-value]
    return leaders[0]


def assign_sections(sentences: list[RawSentence]) -> list[Section]:
    """Section per sentence: spoken headings first, then the classifier where none was said.

    Inside a headed section a sentence moves on to a *later* section only on strong evidence
    (two or more cue words for it and none for the current one): dictations often skip the
    "Assessment" heading but rarely go back.
    """
    order = list(Section)
    sections: list[Section] = []
    current: Section | None = None
    headed = False
    for sentence in sentences:
        if sentence.heading is not None:
            current, headed = sentence.heading, True
        elif not headed:
            current = classify(sentence.text.text, current)
        else:
            assert current is not None
            scores = _scores(sentence.text.text)
            later = [s for s in order[order.index(current) + 1 :] if scores[s] >= 2]
            if later and scores[current] == 0:
                current = max(later, key=lambda s: scores[s])
        assert current is not None
        sections.append(current)
    return sections
