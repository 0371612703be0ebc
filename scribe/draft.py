"""Transcript → Draft: SOAP sentences, structured items, suggested timed blocks, flags.

Contract: ``build_draft(transcript, context)`` is pure and deterministic (same transcript,
same draft) and takes ~10 ms per minute of dictation. Every ``Sentence`` and ``Item`` keeps
its transcript ``Span`` (seconds, word range, confidence) so the review panel can play the
source audio in one click. Nothing here is accepted into a note: the clinician does that.
``check_sentence_edit`` re-runs the targeted checks on a sentence the clinician (or any later
rewriting step) edited, against what the recording said.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from scribe import negation
from scribe.context import DictationContext
from scribe.flags import Flag
from scribe.interventions import (
    extract_interventions,
    leading_time,
    suggest_blocks,
    visit_times,
)
from scribe.items import Extracted, Finding, Intervention, Item, SuggestedBlock
from scribe.mapped import MappedText
from scribe.measures import Carry, extract_measures
from scribe.normalize import normalize
from scribe.sections import Section, assign_sections, split_sentences
from scribe.transcript import Span, Transcript, Word

_INTERVENTION_SECTIONS = (Section.OBJECTIVE, Section.ASSESSMENT)


@dataclass(frozen=True, slots=True)
class Sentence:
    id: str
    section: Section
    text: str  # normalized, as the draft shows it
    source_text: str  # the recognizer's words it came from
    span: Span
    spoken_heading: bool
    negated: tuple[str, ...] = ()  # findings negated in this sentence


@dataclass(frozen=True)
class Draft:
    transcript: Transcript
    sentences: tuple[Sentence, ...]
    items: tuple[Item, ...]
    blocks: tuple[SuggestedBlock, ...]
    flags: tuple[Flag, ...] = ()
    visit_start: str | None = None
    visit_end: str | None = None
    _by_id: dict[str, Sentence] = field(default_factory=dict, init=False, repr=False, compare=False)

    def sentence(self, sentence_id: str) -> Sentence:
        if not self._by_id:
            self._by_id.update({s.id: s for s in self.sentences})
        return self._by_id[sentence_id]

    def section_text(self, section: Section) -> str:
        return " ".join(s.text for s in self.sentences if s.section is section)

    @property
    def sections(self) -> dict[str, str]:
        return {s.value: self.section_text(s) for s in Section}


def _span(transcript: Transcript, mapped: MappedText, start: int, end: int) -> Span:
    words = mapped.words_of(start, end)
    if words is None:
        return transcript.span(0, 0)
    return transcript.span(*words)


def build_draft(transcript: Transcript, context: DictationContext | None = None, *,
                checks: bool = True) -> Draft:
    """The draft of a transcript; with ``checks`` the flags of ``scribe.checks`` are attached."""
    words = transcript.words
    mapped = normalize(MappedText.from_words([w.text for w in words],
                                             glued=[w.glued for w in words]))
    raw = split_sentences(mapped)
    sections = assign_sections(raw)
    sentences: list[Sentence] = []
    items: list[Item] = []
    visit: dict[str, str] = {}
    carry, previous_section = Carry(), None
    ctx_discipline = context.discipline if context else None
    for n, (rs, section) in enumerate(zip(raw, sections, strict=True), 1):
        text = rs.text.text
        sid = f"s{n}"
        span = _span(transcript, rs.text, 0, len(text))
        if section is not previous_section:
            carry, previous_section = Carry(), section
        found, carry = extract_measures(text, carry)
        if section in _INTERVENTION_SECTIONS:
            found = sorted([*found, *extract_interventions(text, ctx_discipline)],
                           key=lambda e: e.start)
            _hand_back_time(items, text, section)
        visit.update(visit_times(text))
        negated = tuple(e.values.concept for e in found
                        if isinstance(e.values, Finding) and e.values.negated)
        source = _join(words[span.first_word : span.last_word + 1])
        sentences.append(Sentence(sid, section, text, source, span, rs.heading is not None,
                                  negated))
        items.extend(_item(transcript, rs.text, e, sid, section, len(items) + 1) for e in found)
    draft = Draft(transcript, tuple(sentences), tuple(items), tuple(suggest_blocks(items)),
                  visit_start=visit.get("in"), visit_end=visit.get("out"))
    if checks:
        from scribe.checks import run_checks

        draft = replace(draft, flags=tuple(run_checks(draft, context or DictationContext())))
    return draft


def _join(words: tuple[Word, ...]) -> str:
    return "".join(("" if w.glued or i == 0 else " ") + w.text for i, w in enumerate(words))


def _hand_back_time(items: list[Item], text: str, section: Section) -> None:
    """Give a time said at the start of a sentence to the previous untimed intervention."""
    minutes, start, stop = leading_time(text)
    if minutes is None:
        return
    for k in range(len(items) - 1, -1, -1):
        v = items[k].values
        if items[k].section is not section:
            return
        if isinstance(v, Intervention):
            if v.minutes is None:
                # The whole run of untimed same-code interventions shares it; the first owns it.
                j = k
                while j > 0 and _same_untimed_run(items[j - 1].values, v):
                    j -= 1
                owner = items[j].values
                assert isinstance(owner, Intervention)
                items[j] = replace(items[j], values=replace(owner, minutes=minutes, start=start,
                                                            stop=stop))
            return


def _item(transcript: Transcript, mapped: MappedText, e: Extracted, sid: str, section: Section,
          n: int) -> Item:
    return Item(f"i{n}", e.kind, mapped.text[e.start : e.end].strip(" ,;"), sid, section,
                _span(transcript, mapped, e.start, e.end), e.values)


def draft_from_text(text: str, context: DictationContext | None = None) -> Draft:
    """Draft typed text (tests, edited notes): words without times, probability 1."""
    return build_draft(Transcript.from_text(text), context)


def negations_of(text: str) -> dict[str, bool]:
    """Polarity of every finding and test named in ``text``: concept → negated (first wins)."""
    from scribe.vocab import FINDING_RE, TEST_RE

    concepts = {m.group(1).lower() for m in FINDING_RE.finditer(text)}
    concepts |= {m.group(1).lower() for m in TEST_RE.finditer(text)}
    out: dict[str, bool] = {}
    for r in negation.assess(text, concepts):
        out.setdefault(r.concept, r.negated)
    return out


def check_sentence_edit(draft: Draft, sentence_id: str, new_text: str,
                        context: DictationContext | None = None) -> list[Flag]:
    """Flags for an edited sentence against what the recording said (see scribe.checks)."""
    from scribe.checks import check_edit

    return check_edit(draft, draft.sentence(sentence_id), new_text, context or DictationContext())


def _same_untimed_run(prev: object, current: Intervention) -> bool:
    """True when ``prev`` is an intervention without minutes for the same candidate code."""
    return (
        isinstance(prev, Intervention)
        and prev.minutes is None
        and prev.cpt_candidates[0] == current.cpt_candidates[0]
    )
