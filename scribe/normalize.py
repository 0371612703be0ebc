"""Spoken clinical language to chart notation, keeping every character tied to its words.

Contract: ``normalize(MappedText) -> MappedText`` (and ``normalize_text(str) -> str``) rewrite,
in this order: common mishearings of therapy terms, number words to digits, clock times
("ten oh five to ten twenty three" → "10:05 to 10:23"; never a number followed by a unit),
hundreds said short before a unit ("one twenty degrees" → 120°), pain scales
("six out of ten" → 6/10),
manual muscle test grades ("three plus over five", "four minus", "good minus" after a strength
word → 3+/5, 4-/5, 4-/5), degrees ("110 degrees" → 110°), sets × reps ("3 sets of 15" → 3×15)
and units (lb, kg, min, s, ft, m, %). It accepts both the words Whisper hears and the digits it
often writes itself ("6 out of 10", "10-05 to 10-23", "4- over 5"). It is idempotent.

What it will not do: guess a number that was not said (except the documented mishearings
"for/to/free" right before an MMT or pain scale, which the numbers check then marks as
inferred), or turn "10 15" into a time without a time word or a "to" pair around it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from scribe.mapped import MappedText
from scribe.numbers import NUMBER_WORDS_RE, parse_run, run_to_digits

Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]
_I = re.IGNORECASE

# Mishearings seen on therapy dictation with small Whisper models (see docs/scribe.md).
MISHEARINGS: list[tuple[str, str]] = [
    (r"\b(denies|denied|no|any)\s+(?:hummus|humus|her mass|humans|numbers|numbest|numb ness)\b",
     r"\1 numbness"),
    (r"\b(?:pereputic|perapeutic|therapudic|therapeudic|thereputic)\b", "therapeutic"),
    (r"\b(?:star|stare|stairs)\s+training\b", "stair training"),
    (r"\bright\s+touch\b", "light touch"),
    (r"\bgate(?=\s+(?:training|pattern|belt|speed|deviations?|cycle|mechanics)\b)", "gait"),
    (r"\b(?:lock\s?man|lachmann?'?s?|lackman|lachman)\b", "Lachman"),
    (r"\b(?:mc\s?murray'?s?|mac\s?murray|mcmurry)\b", "McMurray"),
    (r"\bhawkins[\s-]+kennedy\b", "Hawkins-Kennedy"),
    (r"\bquad\s+(?:sex|sits|sats)\b", "quad sets"),
    (r"\b(?:thera|terra|sarah|tara|vera)[\s-]?bands?\b", "theraband"),
    (r"\b(?:supra|super)[\s-]spinatus\b", "supraspinatus"),
    (r"\b(?:nu|new)[\s-]step\b", "NuStep"),
    (r"\bfree\s+sets?\b", "three sets"),
    (r"\b(?:free|tree)(?=\s+(?:degrees|sets|reps|repetitions|times|minutes)\b)", "three"),
    (r"\b(?:for)(?=\s+(?:degrees|sets of)\b)", "four"),
    (r"\b(?:to|too)(?=\s+(?:degrees|sets of)\b)", "two"),
    (r"\bpolice(?=\s+for\s+(?:range|rom|shoulder|flexion))", "pulleys"),
    (r"\brose(?=\s+with\s+(?:a\s+)?(?:\w+\s+)?(?:band|theraband)\b)", "rows"),
    (r"\b(?:awestry|ostrey|oswestri)\b", "Oswestry"),
    (r"\blach\s+press\b", "leg press"),
    (r"\b(bowel\s+(?:or|and)\s+)(?:leather|ladder|blatter)\b", r"\1bladder"),
    (r"\b(?:by|my)\s?lateral+y\b", "bilaterally"),
    (r"\btimes?\s+up\s+and\s+go\b", "timed up and go"),
    # Hyphens Whisper glues to spoken digits: "3- plus over 5-", "5- over 5-".
    (r"\b([0-5])-\s*(plus|minus)\b", r"\1 \2"),
    (r"\b([0-5])(\s+(?:plus|minus))?-?\s+(over|out of)\s+5-(?=\s|$|[,.;])", r"\1\2 \3 5"),
    (r"\bfive\s+times\s+sit[\s-]+to[\s-]+stand\b", "5xSTS"),
    (r"\bsit[\s-]+to[\s-]+stand\b", "sit-to-stand"),
    (r"\blower\s+extremity\s+functional\s+(?:scale|index)\b", "LEFS"),
    (r"\b(?:lefts|leafs|l\.?\s?e\.?\s?f\.?\s?s\.?)(?=\s+(?:score|of|was|is|\d))", "LEFS"),
    (r"\boswestry(?:\s+(?:low\s+back\s+pain\s+)?disability\s+(?:index|questionnaire))?\b", "ODI"),
    (r"\bo\.\s?d\.\s?i\.?", "ODI"),
    (r"\bneck\s+disability\s+index\b", "NDI"),
    (r"\bquick\s?dash\b", "QuickDASH"),
    (r"\btimed\s+up\s+and\s+go(?:\s+test)?\b", "TUG"),
    (r"\bberg\s+balance(?:\s+(?:scale|test))?\b", "Berg"),
    (r"\bsix[\s-]+minute\s+walk(?:\s+test)?\b", "6MWT"),
    (r"\bfront[\s-]wheeled?\s+walker\b", "front-wheeled walker"),
    # Digit words misheard as "for", "to", "free" right before a muscle-grade or pain scale.
    (r"\bfor(?=\s*(?:plus|minus|\+|-)?\s*(?:/|over|out of)\s*(?:5|five|10|ten)\b)", "four"),
    (r"\b(?:to|too)(?=\s*(?:plus|minus|\+|-)?\s*(?:/|over|out of)\s*(?:5|five|10|ten)\b)", "two"),
    (r"\b(?:free|tree)(?=\s*(?:plus|minus|\+|-)?\s*(?:/|over|out of)\s*(?:5|five)\b)", "three"),
]

_TIME_WORDS = (
    r"from|at|since|until|till|started at|starting at|start|started|stop|stopped at|stopped|"
    r"ended at|ending at|time in|time out|in at|out at|began at|beginning at|begin at"
)
_TIME = r"\d{1,2}(?::\d{2}|[.-]\d{2}|\s+oh?\s+\d|\s+\d{2}(?!\d))|\d{3,4}(?!\d)|\d{1,2}\s+o'?clock"
# A number followed by a unit is a measurement, never a clock time: "flexion at 120 degrees",
# "leg press at 110 pounds", "from 150 to 200 feet".
_UNIT = (r"°|degrees?\b|deg\b|pounds?\b|lbs?\b|kg\b|kilos?\b|kilograms?\b|feet\b|foot\b|"
         r"ft\b|meters?\b|metres?\b|m\b|inch(?:es)?\b|cm\b|%|percent\b|reps?\b|"
         r"repetitions?\b|sets?\b|steps?\b|seconds?\b|secs?\b|minutes?\b|mins?\b")
_NOT_MEASURE = rf"(?!\s*(?:{_UNIT}))(?!\s*(?:to|-|–)\s*\d+\s*(?:{_UNIT}))"
_TIME_PAIR = re.compile(
    rf"(?<![\d:.])({_TIME})(\s*(?:to|until|till|through|thru|-|–)\s*)({_TIME})(?![\d:])"
    rf"{_NOT_MEASURE}", _I
)
_TIME_SINGLE = re.compile(rf"\b({_TIME_WORDS})(\s+)({_TIME})(?![\d:]){_NOT_MEASURE}", _I)
# "one twenty degrees", "one oh five degrees": hundreds said the short way before a unit.
_DIGIT_WORD = "one|two|three|four|five|six|seven|eight|nine"
_SHORT_HUNDREDS = re.compile(
    rf"\b({_DIGIT_WORD})\s+(?:(?:oh|o)\s+({_DIGIT_WORD})|"
    r"((?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)|"
    rf"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:{_DIGIT_WORD}))?))"
    r"(?=\s*(?:°|degrees?\b|pounds?\b|lbs?\b|feet\b|ft\b))", _I)


def _short_hundreds(m: re.Match[str]) -> str:
    hundreds = int(parse_run(m.group(1))[0])
    rest = parse_run(m.group(2) or m.group(3))
    return str(hundreds * 100 + int(sum(rest)))
_MUSCLE_CONTEXT = (
    r"strength|graded|grade|mmt|quadriceps|quads?|hamstrings?|abductors?|adductors?|flexors?|"
    r"extensors?|rotators?|supraspinatus|infraspinatus|deltoids?|glut\w*|biceps|triceps|"
    r"dorsiflexors?|plantarflexors?|cuff|grip"
)
_GRADE_WORDS = {"normal": 5, "good": 4, "fair": 3, "poor": 2, "trace": 1, "zero": 0}


def _clock(text: str) -> str | None:
    """"10 05", "10-05", "1005", "10 oh 5", "9 o'clock" → "10:05"; None if not a valid time."""
    t = text.lower().strip()
    m = re.fullmatch(r"(\d{1,2})\s*o'?clock", t)
    if m:
        hour, minute = int(m.group(1)), 0
    else:
        m = re.fullmatch(r"(\d{1,2})(?::|[.-]|\s+oh?\s+|\s+)(\d{1,2})", t)
        if m:
            hour, minute = int(m.group(1)), int(m.group(2))
            if re.search(r"\s+oh?\s+", t) is None and len(m.group(2)) != 2:
                return None
        elif re.fullmatch(r"\d{3,4}", t):
            hour, minute = int(t[:-2]), int(t[-2:])
        else:
            return None
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour}:{minute:02d}"


def _pair(m: re.Match[str]) -> str:
    a, b = _clock(m.group(1)), _clock(m.group(3))
    if a is None or b is None:
        return m.group(0)
    # Two bare 3–4 digit numbers joined by "to" are times only if they look like clock times.
    return f"{a} to {b}"


def _single(m: re.Match[str]) -> str:
    t = _clock(m.group(3))
    return m.group(0) if t is None else f"{m.group(1)}{m.group(2)}{t}"


def _pain_dash(m: re.Match[str]) -> str:
    """"6-10" is a pain score only in a pain sentence ("pain 6-10 with stairs and 2-10")."""
    before = m.string[max(0, m.start() - 60) : m.start()].lower()
    if int(m.group(1)) <= 10 and ("pain" in before or "/10" in before):
        return f"{m.group(1)}/10"
    return m.group(0)


def _sign(word: str | None) -> str:
    if not word:
        return ""
    return "+" if word.lower() in ("+", "plus") else "-"


def _mmt(m: re.Match[str]) -> str:
    return f"{m.group(1)}{_sign(m.group(2))}/5"


def _grade_word(m: re.Match[str]) -> str:
    grade = _GRADE_WORDS[m.group(2).lower()]
    return f"{m.group(1)}{grade}{_sign(m.group(4))}/5"


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


RULES: list[Rule] = [
    *[(_r(p), r) for p, r in MISHEARINGS],
    (_SHORT_HUNDREDS, _short_hundreds),
    (NUMBER_WORDS_RE, run_to_digits),
    (_TIME_PAIR, _pair),
    (_TIME_SINGLE, _single),
    (_r(r"(\d+(?:\.\d+)?)\s*(?:/|out of|over)\s*10\b(?![\d:])"), r"\1/10"),
    (_r(r"\b(\d{1,2})\s*-\s*10\b(?![\d:])"), _pain_dash),
    (_r(r"(?<![\d/.])(\d+(?:\.\d+)?)\s+out of\s+(\d+)\b(?![\d:])"), r"\1/\2"),
    (_r(r"(?<![\d/.])([0-5])\s*(plus|minus|\+|-)?\s*(?:/|out of|over)\s*5\b(?![\d:])"), _mmt),
    (_r(rf"\b((?:{_MUSCLE_CONTEXT})\W+(?:\w+\W+)?)([0-4])\s*-\s*5\b(?![\d/:])"), r"\1\2-/5"),
    (_r(r"(?<![\d/.])([0-5])\s*(?:\s(plus|minus)\b|(\+))(?!\s*(?:/|over|out of|\d))"),
     lambda m: f"{m.group(1)}{_sign(m.group(2) or m.group(3))}/5"),
    (_r(rf"\b((?:{_MUSCLE_CONTEXT})\s+(?:(?:is|was|of|at)\s+)?)"
        rf"(normal|good|fair|poor|trace)(\s+(plus|minus))?\b"), _grade_word),
    (_r(r"(\d+(?:\.\d+)?)\s*(?:degrees?|deg\b|°)"), r"\1°"),
    (_r(r"\b(\d+)\s+sets?\s+(?:of\s+)?(\d+)(?:\s+(?:reps|repetitions?))?\b"), r"\1×\2"),
    (_r(r"\b(\d{1,2})\s*(?:x|by|×)\s*(\d{1,3})\b(?!\s*(?:ft|feet|m\b|meters))"), r"\1×\2"),
    (_r(r"\b(\d+)\s+times\s+(?:a|per)\s+(day|week)\b"), r"\1×/\2"),
    (_r(r"\btimes\s+(\d+)\b"), r"× \1"),
    (_r(r"(\d+(?:\.\d+)?)\s*(?:pounds?|lbs?)(?![\w])"), r"\1 lb"),
    (_r(r"(\d+(?:\.\d+)?)\s*(?:kilograms?|kilos?|kgs?)\b"), r"\1 kg"),
    (_r(r"(\d+)\s*(?:minutes?|mins?)\b"), r"\1 min"),
    (_r(r"(\d+(?:\.\d+)?)\s*(?:seconds?|secs?)\b"), r"\1 s"),
    (_r(r"(\d+)\s*(?:feet|foot|ft)\b"), r"\1 ft"),
    (_r(r"(\d+)\s*(?:meters?|metres?)\b"), r"\1 m"),
    (_r(r"(\d+(?:\.\d+)?)\s*(?:percent|per cent|%)"), r"\1%"),
    (_r(r"(\d+)\s*(?:repetitions?|reps?)\b"), r"\1 reps"),
    (_r(r"[ \t]{2,}"), " "),
]


_N_MISHEARINGS = len(MISHEARINGS)


def normalize(text: MappedText, *, fix_mishearings: bool = True) -> MappedText:
    for pattern, repl in RULES if fix_mishearings else RULES[_N_MISHEARINGS:]:
        text = text.sub(pattern, repl)
    return text


def normalize_text(text: str, *, fix_mishearings: bool = True) -> str:
    return normalize(MappedText.plain(text), fix_mishearings=fix_mishearings).text
