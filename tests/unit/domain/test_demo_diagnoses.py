"""The demo chart's diagnoses are written without loading ICD-10-CM; they must still be exactly
what ``Diagnosis.from_code`` would derive from the code set."""

from __future__ import annotations

import pytest

from core.domain import icd
from core.domain.episode import Diagnosis
from core.services.demo import CASES, DEMO_DIAGNOSES


def test_every_demo_code_has_a_precomputed_description() -> None:
    assert {code for case in CASES for code in case.dx} == set(DEMO_DIAGNOSES)


@pytest.mark.parametrize("code", sorted(DEMO_DIAGNOSES))
def test_precomputed_description_and_side_match_the_code_set(code: str) -> None:
    derived = Diagnosis.from_code(code)  # validates (billable) and derives from ICD-10-CM
    description, side = DEMO_DIAGNOSES[code]
    assert (derived.code, derived.description, derived.laterality) == (code, description, side)
    assert icd.lookup(code).billable
