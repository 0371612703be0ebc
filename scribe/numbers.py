"""Spoken cardinal numbers to digits: "one hundred ten" → 110, "twenty three" → 23.

Contract: ``NUMBER_WORDS_RE`` finds runs of number words; ``parse_run`` splits one run into
the well-formed numbers it holds ("ten twenty three" → [10, 23], so clock times can be
recognized later) and ``run_to_digits`` writes them back as digits. Ordinals, fractions and
"a couple" are left alone: dictation uses them rarely and wrongly guessing is worse than text.

Written by hand because the usual libraries (``word2number``, ``text2num``) either reject
runs holding several numbers or pull in language models; this is 100 lines with no state.
"""

from __future__ import annotations

import re

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9,
}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 1000}
_ALL = {**UNITS, **TEENS, **TENS, **SCALES}
_WORD = "|".join(sorted(_ALL, key=len, reverse=True))
# A run: number words joined by spaces or hyphens, "and" only after a scale word, an optional
# leading "a" before a scale ("a hundred"), an optional decimal tail ("two point five").
NUMBER_WORDS_RE = re.compile(
    rf"\b(?:a\s+(?=hundred|thousand))?(?:{_WORD})(?:(?:\s+|-)(?:and\s+(?=(?:{_WORD})\b))?(?:{_WORD}))*"
    rf"(?:\s+point(?:\s+(?:{'|'.join(UNITS)}))+)?\b",
    re.IGNORECASE,
)
# "one" that is a pronoun, not a number.
_PRONOUN_ONE = re.compile(
    r"\b(the|this|that|each|every|no|any|which|other|another|a|right|left|little|big)\s+$", re.I
)


def parse_run(run: str) -> list[float]:
    """The numbers in one run of number words, in order ("ten twenty three" → [10, 23])."""
    text = run.lower().replace("-", " ")
    decimal = ""
    if " point " in f" {text} ":
        text, _, tail = text.partition(" point ")
        decimal = "".join(str(UNITS[w]) for w in tail.split() if w in UNITS)
    tokens = [t for t in text.split() if t not in ("and",)]
    if tokens and tokens[0] == "a":
        tokens[0] = "one"
    numbers: list[float] = []
    total = 0  # completed thousands
    current: int | None = None  # value below a thousand being built
    last = ""  # kind of the last token: unit, teen, tens, hundred, thousand

    def flush() -> None:
        nonlocal total, current, last
        if current is not None or total:
            numbers.append(total + (current or 0))
        total, current, last = 0, None, ""

    for tok in tokens:
        if tok in UNITS:
            if current is not None and last not in ("tens", "hundred", "thousand"):
                flush()
            if last == "thousand" and current is None:
                current = 0
            current = (current or 0) + UNITS[tok]
            last = "unit"
        elif tok in TEENS:
            if current is not None and last not in ("hundred",):
                flush()
            if last == "thousand":
                current = 0
            current = (current or 0) + TEENS[tok]
            last = "teen"
        elif tok in TENS:
            if current is not None and last not in ("hundred",):
                flush()
            current = (current or 0) + TENS[tok]
            last = "tens"
        elif tok == "hundred":
            if current is None or current >= 100 or last == "hundred":
                flush()
                current = 100
            else:
                current *= 100
            last = "hundred"
        elif tok == "thousand":
            total = (total + (current or 1)) * 1000 if not total else total * 1000
            current, last = None, "thousand"
    flush()
    if decimal and numbers:
        numbers[-1] = float(f"{int(numbers[-1])}.{decimal}")
    return numbers


def format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def run_to_digits(match: re.Match[str]) -> str:
    """Replacement for ``NUMBER_WORDS_RE`` matches; keeps a pronoun "one" as a word."""
    run = match.group(0)
    # "and" joins one number only after a scale word ("a hundred and ten"); elsewhere it
    # joins two ("one and one leg stance").
    pieces: list[str] = []
    for piece in re.split(r"\s+and\s+", run):
        if pieces and re.search(r"(hundred|thousand)$", pieces[-1], re.I):
            pieces[-1] = f"{pieces[-1]} and {piece}"
        else:
            pieces.append(piece)
    out = []
    for i, piece in enumerate(pieces):
        if piece.lower() == "one":
            before = match.string[: match.start()] if i == 0 else ""
            last = i == len(pieces) - 1
            after = match.string[match.end() : match.end() + 12].lower() if last else ""
            if (i == 0 and _PRONOUN_ONE.search(before)) or after.startswith((" another", " of ")):
                out.append(piece)
                continue
        out.append(" ".join(format_number(v) for v in parse_run(piece)))
    return " and ".join(out)


def words_to_digits(text: str) -> str:
    """Every run of number words in ``text`` written as digits."""
    return NUMBER_WORDS_RE.sub(run_to_digits, text)


NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text`` after converting number words ("10:05" → 10, 5)."""
    return [float(m.group(0)) for m in NUMBER_RE.finditer(words_to_digits(text))]
