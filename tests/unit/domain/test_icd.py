"""ICD-10-CM validation, laterality derivation and search (the public-domain CDC code set)."""

from __future__ import annotations

import threading

import pytest

from core.domain import icd
from core.domain.enums import Laterality
from core.domain.errors import InvalidCode


@pytest.mark.parametrize(
    ("code", "side"),
    [("M17.11", Laterality.RIGHT), ("m1712", Laterality.LEFT), ("M17.0", Laterality.BILATERAL),
     ("M17.10", Laterality.UNSPECIFIED), ("M25.569", Laterality.UNSPECIFIED),
     ("M54.50", Laterality.NOT_APPLICABLE), ("I50.810", Laterality.NOT_APPLICABLE),
     ("S83.241A", Laterality.RIGHT)],
)
def test_laterality_from_the_code_set(code: str, side: Laterality) -> None:
    assert icd.lookup(code).laterality is side


@pytest.mark.parametrize("bad", ["", "17.11", "M17.1111111", "U07.1x", "hello"])
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(InvalidCode):
        icd.lookup(bad)


def test_unknown_but_well_formed_code() -> None:
    with pytest.raises(InvalidCode, match="not in ICD-10-CM"):
        icd.lookup("M17.99")


def test_specific_alternatives_for_unspecified_side() -> None:
    assert set(icd.specific_alternatives("M25.569")) == {"M25.561", "M25.562"}
    assert icd.specific_alternatives("M17.11") == ()


def test_first_searches_in_parallel_agree() -> None:
    icd._build_index.cache_clear()
    results: list[list[str]] = []

    def search() -> None:
        results.append([c.code for c in icd.search("knee pain")])

    threads = [threading.Thread(target=search) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and all(r == results[0] for r in results)
    assert "M25.561" in results[0]
