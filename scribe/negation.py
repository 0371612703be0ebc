"""ConText-style negation for therapy dictation: is a finding in a sentence negated?

Contract: ``assess(sentence, concepts)`` returns, for every occurrence of each concept (matched
case-insensitively on word boundaries), whether it falls in a negation scope; ``is_negated``
answers for the first occurrence. Pure, thread-safe, no model, ~0.05 ms per sentence.

Algorithm (Harkema et al. 2009, ConText): triggers negate *forward* ("no", "denies",
"without", "negative for", "-ve for", "(-)"), *backward* ("is absent", "not present", "was denied",
"has resolved", "not noted") or *both* for words dictated on either side of a test name
("negative", "absent", "ruled out", "free", "none"). Pseudo-triggers that look like negation
are skipped ("no change in", "not only", "no increase", "without increase", "not able to").
A scope ends at a terminator ("but", "however", "although", "except", "other than", an
affirming verb such as "reports"/"complains" — or "has"/"feels" opening a new clause —,
"positive", ";"), at the sentence end, or after 12 tokens; a both-ways trigger reaches
forward only to the next comma; a comma followed by a severity word ("no redness, mild
swelling") ends a scope too, and so does a clause verb said right after its subject ("without
a cane patient shows ..."). A forward trigger with nothing after it ("Instability denied.")
reaches backward. A concept's own words are never cues ("no change in vision" negates a change
in vision; "absent reflexes" is a finding). One rule is ours, not
ConText's: a finding given a non-zero score right after it ("pain 4/10") is affirmed.

Why not medspaCy's ConText: it pins spaCy < 3.8 and numpy < 2 (downgrading the numpy our
transcription stack runs on), adds ~280 MB, and its default rules miss therapy phrasing
(post-negations such as "Tingling was not present", "Lachman negative", "pain-free").
``bench/bench_scribe.py`` measures both side by side on tests/scribe/fixtures/negation_set.jsonl.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Direction(Enum):
    FORWARD = "forward"
    BACKWARD = "backward"
    BOTH = "both"
    PSEUDO = "pseudo"
    TERMINATE = "terminate"


_FORWARD = """
no|not|never|without|denies|deny|denied|denying|negative for|free of|free from|absence of
no evidence of|no signs of|no sign of|no complaints of|no complaint of|no history of
no longer|none of|does not have|did not have|has not had|have not had|does not report
did not report|not reporting|not complaining of|fails to reveal|failed to reveal|no further
(-)|neg|non|rules out|resolution of|unremarkable for|not experiencing|not demonstrate
was negative for|is negative for|were negative for|no longer reports|no longer complains of
-ve for|-ve|neg for|nil|no reports of|no report of|no reported|no c/o|no complaints|no complaint
"""
_BACKWARD = """
is absent|are absent|was absent|were absent|not present|is not present|are not present
was not present|were not present|not noted|not seen|not observed|not appreciated
not elicited|not reported|not palpated|not detected|not found|not felt|is negative
was negative|were negative|are negative|was ruled out|were ruled out|has been ruled out
has resolved|have resolved|had resolved|is resolved|was denied|were denied|is denied
are denied|resolved|no longer present|is no longer present|are no longer present
was no longer present|no longer noted|no longer seen|no longer reported|no longer observed
"""
_BOTH = "negative|absent|ruled out|free|none"
_PSEUDO = """
no change|no changes|no significant change|no significant changes|not changed|no increase
no increased|no significant increase|no decrease|no worsening|no improvement|not only
not necessarily|gram negative|without increase|without increased|without any increase
without change|not certain|not sure|not able to|not able|can not|not limited to|no new
"""
_TERMINATE = """
but|however|although|though|yet|except|except for|other than|apart from|aside from|which
who|whereas|while|positive|(+)|reports|reported|reporting|endorses|endorsed|complains
complaining|notes|states|presents|persists|increases|with the exception of|;|.|?|!
"""
# Verbs that end a scope only when they open a new clause ("no swelling and has tingling",
# "denies pain, feels tingling"), not as the negated clause's own verb ("never had a stroke",
# "no longer has swelling").
_CLAUSE_VERBS = {"has", "have", "had", "feels", "felt", "describes", "experiences",
                 "experiencing", "demonstrates", "shows", "displays", "exhibits", "presents",
                 "ambulates", "walks", "tolerates", "requires", "uses", "needs"}
# ... or when said right after the subject ("without assistive device patient shows ...").
_CLAUSE_OPENERS = {"and", ",", "but", "yet", "patient", "pt", "client", "he", "she", "they"}
# "No redness, mild swelling": a comma followed by a severity word lists an affirmed finding.
_SEVERITY = {"mild", "mildly", "moderate", "moderately", "severe", "minimal", "trace",
             "slight", "marked", "significant", "increased", "persistent"}
# Forward triggers said after the finding with nothing left to negate ("Instability denied.")
# reach backward instead.
_TRAILING_OK = {"denied", "denies", "none", "negative", "absent", "not", "no", "nil"}
# "No small airways present to evaluate bronchiolitis": a forward scope ends after the verb that
# closes the negated phrase (NegEx set, dev part; the finding before it stays negated: "No
# pericardial effusion is seen").
_CLOSERS = {"present", "seen", "identified", "appreciated", "noted"}
MAX_SCOPE = 12
MAX_BOTH_FORWARD = 5


def _table(spec: str, direction: Direction) -> dict[tuple[str, ...], Direction]:
    phrases = [p.strip() for line in spec.strip().splitlines() for p in line.split("|")]
    return {tuple(_tokens_of(p)): direction for p in phrases if p}


_TOKEN_RE = re.compile(
    r"\(\s*[-+]\s*\)|[a-z]+(?:'[a-z]+)?|\d+(?:[./:]\d+)*[°%]?(?:[+-]?/\d+)?|[^\sa-z\d]")


def _tokens_of(text: str) -> list[str]:
    return [t.replace(" ", "") for t in _TOKEN_RE.findall(text.lower())]


TRIGGERS: dict[tuple[str, ...], Direction] = {}
for _spec, _dir in (
    (_FORWARD, Direction.FORWARD),
    (_BACKWARD, Direction.BACKWARD),
    (_BOTH, Direction.BOTH),
    (_PSEUDO, Direction.PSEUDO),
    (_TERMINATE, Direction.TERMINATE),
):
    TRIGGERS.update(_table(_spec, _dir))
_LONGEST = max(len(k) for k in TRIGGERS)
_SCORE_RE = re.compile(r"^(\d+(?:\.\d+)?)(?:/\d+|°|%)?$")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class NegationResult:
    concept: str
    start: int  # character offsets of this occurrence in the sentence
    end: int
    negated: bool
    trigger: str | None


def tokenize(sentence: str) -> list[Token]:
    lower = sentence.lower()
    return [Token(m.group(0).replace(" ", ""), m.start(), m.end())
            for m in _TOKEN_RE.finditer(lower)]


def _find_triggers(tokens: list[Token]) -> list[tuple[int, int, Direction]]:
    """(first, last+1, direction) of every trigger, longest match first, left to right."""
    found: list[tuple[int, int, Direction]] = []
    i = 0
    while i < len(tokens):
        for n in range(min(_LONGEST, len(tokens) - i), 0, -1):
            key = tuple(t.text for t in tokens[i : i + n])
            if key in TRIGGERS:
                found.append((i, i + n, TRIGGERS[key]))
                i += n
                break
        else:
            i += 1
    return found


_MASK = "\x00"  # a concept's own tokens: never read as a trigger ("absent reflexes")


def scopes(tokens: list[Token]) -> list[str | None]:
    """For each token, the trigger phrase whose negation scope covers it (or None)."""
    triggers = _find_triggers(tokens)
    stops = {i for a, b, d in triggers if d is Direction.TERMINATE for i in range(a, b)}
    stops |= {i for i in range(1, len(tokens)) if tokens[i].text in _CLAUSE_VERBS
              and tokens[i - 1].text in _CLAUSE_OPENERS}
    stops |= {i for i in range(1, len(tokens)) if tokens[i - 1].text == ","
              and tokens[i].text in _SEVERITY}
    trigger_tokens = {i for a, b, _ in triggers for i in range(a, b)}
    covered: list[str | None] = [None] * len(tokens)
    for a, b, direction in triggers:
        phrase = " ".join(t.text for t in tokens[a:b])
        if (direction is Direction.FORWARD and phrase in _TRAILING_OK
                and (b == len(tokens) or b in stops or tokens[b].text in {",", ":"})):
            direction = Direction.BACKWARD
        if direction in (Direction.FORWARD, Direction.BOTH):
            limit = MAX_SCOPE if direction is Direction.FORWARD else MAX_BOTH_FORWARD
            for i in range(b, min(len(tokens), b + limit)):
                if i in stops or (direction is Direction.BOTH and tokens[i].text == ","):
                    break
                if i not in trigger_tokens:
                    covered[i] = covered[i] or phrase
                if i > b and tokens[i].text in _CLOSERS:
                    break
        if direction in (Direction.BACKWARD, Direction.BOTH):
            for i in range(a - 1, max(-1, a - 1 - MAX_SCOPE), -1):
                if i in stops:
                    break
                if i not in trigger_tokens:
                    covered[i] = covered[i] or phrase
    return covered


def assess(sentence: str, concepts: Iterable[str]) -> list[NegationResult]:
    """Negation status of every occurrence of every concept in ``sentence``."""
    tokens = tokenize(sentence)
    starts = [t.start for t in tokens]
    base = scopes(tokens)
    in_trigger = [False] * len(tokens)
    for a, b, _ in _find_triggers(tokens):
        for i in range(a, b):
            in_trigger[i] = True
    reach = MAX_SCOPE + _LONGEST + 2
    results: list[NegationResult] = []
    lower = sentence.lower()
    for concept in concepts:
        pattern = re.compile(r"(?<![a-z])" + re.escape(concept.lower()) + r"(?![a-z])")
        for m in pattern.finditer(lower):
            # Tokens overlapping the match (bisect: linear scans made long inputs quadratic).
            first = max(0, bisect.bisect_right(starts, m.start()) - 1)
            if first < len(tokens) and tokens[first].end <= m.start():
                first += 1
            last = bisect.bisect_left(starts, m.end())
            inside = list(range(first, last))
            covered: list[str | None] = base
            offset = 0
            if any(in_trigger[i] for i in inside):
                # The concept's own words are not cues: "no change in vision" negates a change
                # in vision, "absent reflexes" is a finding. Re-scope a window around it with
                # them masked (no scope reaches further than ``reach`` tokens).
                offset = max(0, first - reach)
                window = [Token(_MASK, t.start, t.end) if first <= i < last else t
                          for i, t in enumerate(tokens[offset : last + reach], offset)]
                covered = scopes(window)
            trigger = next((covered[i - offset] for i in inside if covered[i - offset]), None)
            if trigger and inside and _scored(tokens, inside[-1]):
                trigger = None
            results.append(
                NegationResult(concept, m.start(), m.end(), trigger is not None, trigger))
    return sorted(results, key=lambda r: r.start)


_SCORE_LEAD = {"is", "was", "of", "at", "rated", "level", "score"}
_NOT_A_SCORE_NEXT = {"×", "x", "sets", "set", "times", "reps", "repetitions", "min", "minutes"}


def _scored(tokens: list[Token], last: int) -> bool:
    """A non-zero score attached to the finding ("pain 4/10", "pain is 4/10") affirms it; a
    number after a comma or one that is a dose ("without pain, 3×10") does not."""
    i = last + 1
    while i < len(tokens) and tokens[i].text.lower() in _SCORE_LEAD:
        i += 1
    m = _SCORE_RE.match(tokens[i].text) if i < len(tokens) else None
    if m is None:
        return False
    after = tokens[i + 1].text.lower() if i + 1 < len(tokens) else ""
    return after not in _NOT_A_SCORE_NEXT and float(m.group(1)) > 0


def is_negated(sentence: str, concept: str) -> bool:
    """Whether the first occurrence of ``concept`` in ``sentence`` is negated (False if absent)."""
    results = assess(sentence, [concept])
    return bool(results) and results[0].negated


def negated_ranges(sentence: str) -> list[tuple[int, int, str]]:
    """Character ranges (start, end, trigger) inside a negation scope, merged per trigger."""
    tokens = tokenize(sentence)
    out: list[tuple[int, int, str]] = []
    for token, trigger in zip(tokens, scopes(tokens), strict=True):
        if trigger is None:
            continue
        if out and out[-1][2] == trigger and token.start - out[-1][1] <= 2:
            out[-1] = (out[-1][0], token.end, trigger)
        else:
            out.append((token.start, token.end, trigger))
    return out
