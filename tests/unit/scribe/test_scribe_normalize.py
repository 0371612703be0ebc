"""Normalizer: spoken clinical language → chart notation, mapping kept, idempotent."""

from __future__ import annotations

import pytest

from scribe.mapped import MappedText
from scribe.normalize import normalize, normalize_text
from scribe.numbers import numbers_in, parse_run, words_to_digits


@pytest.mark.parametrize(
    ("run", "numbers"),
    [
        ("one hundred ten", [110]),
        ("ten twenty three", [10, 23]),
        ("a hundred and twenty", [120]),
        ("one hundred thirty five", [135]),
        ("twenty-three", [23]),
        ("two point five", [2.5]),
        ("two thousand twenty four", [2024]),
        ("three fifteen", [3, 15]),
    ],
)
def test_parse_run(run: str, numbers: list[float]) -> None:
    assert parse_run(run) == numbers


def test_pronoun_one_is_not_a_number() -> None:
    assert words_to_digits("the left one and one leg stance") == "the left one and 1 leg stance"


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("flexion one hundred ten degrees", "flexion 110°"),
        ("pain six out of ten", "pain 6/10"),
        ("pain 6-10 with stairs and 2-10 at rest", "pain 6/10 with stairs and 2/10 at rest"),
        ("quadriceps three plus over five", "quadriceps 3+/5"),
        ("quadriceps strength four minus", "quadriceps strength 4-/5"),
        ("strength for minus over 5", "strength 4-/5"),
        ("quadriceps strength 4-5", "quadriceps strength 4-/5"),
        ("supraspinatus 5- over 5- right versus 3- plus over 5- left",
         "supraspinatus 5/5 right versus 3+/5 left"),
        ("hamstrings good minus", "hamstrings 4-/5"),
        ("three sets of fifteen at forty pounds", "3×15 at 40 lb"),
        ("rows three by fifteen", "rows 3×15"),
        ("ten oh five to ten twenty three", "10:05 to 10:23"),
        ("from 1005 to 1023", "from 10:05 to 10:23"),
        ("stair training 10-05 to 10-23", "stair training 10:05 to 10:23"),
        ("time in nine thirty, time out ten fifteen", "time in 9:30, time out 10:15"),
        ("two times per week", "2×/week"),
        ("Oswestry disability index thirty two percent", "ODI 32%"),
        ("lower extremity functional scale forty two out of eighty", "LEFS 42/80"),
        ("timed up and go fourteen seconds", "TUG 14 s"),
        ("one hundred fifty feet times two, fifteen minutes", "150 ft × 2, 15 min"),
        ("denies hummus or tingling", "denies numbness or tingling"),
        ("right touch sensation intact", "light touch sensation intact"),
        ("star training and gate training", "stair training and gait training"),
        ("Lashman negative", "Lashman negative"),
        ("lachmann negative", "Lachman negative"),
    ],
)
def test_normalize(spoken: str, written: str) -> None:
    assert normalize_text(spoken) == written


def test_three_sets_of_fifteen_is_not_a_clock_time() -> None:
    assert normalize_text("three sets of fifteen") == "3×15"
    assert normalize_text("ten fifteen") == "10 15"


def test_idempotent() -> None:
    text = ("Right knee flexion 110° active, 4-/5, 6/10, 3×15 at 40 lb, 10:05 to 10:23, "
            "ODI 32%, TUG 14 s, 150 ft × 2, 15 min.")
    assert normalize_text(text) == text


def test_mapping_points_at_the_spoken_words() -> None:
    words = ["knee", "flexion", "one", "hundred", "ten", "degrees"]
    mapped = normalize(MappedText.from_words(words))
    start = mapped.text.index("110°")
    assert mapped.words_of(start, start + 4) == (2, 5)
    assert mapped.words_of(0, 4) == (0, 0)


def test_numbers_in_reads_digits_and_words() -> None:
    assert numbers_in("10:05 and four minus over five") == [10, 5, 4, 5]
