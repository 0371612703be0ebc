"""A package's covered codes (issue 14): pure draw-down and ledger split."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.domain.billing import Package, VisitCharge, build_ledger, plan_draw_down
from core.domain.errors import ValidationError

DAY = dt.date(2026, 3, 2)
PID = uuid.UUID(int=7)


def test_codes_are_cleaned_and_a_bad_one_is_refused() -> None:
    p = Package(PID, "x", 2, 100, DAY, covered_codes=(" 97140", "97110", "97110"))
    assert p.covered_codes == ("97110", "97140") and p.covers_code("97140")
    assert not p.covers_code("97530") and Package(PID, "x", 2, 100, DAY).covers_code("97530")
    with pytest.raises(ValidationError):
        Package(PID, "x", 2, 100, DAY, covered_codes=("97-110",))


def test_only_visits_with_a_covered_code_draw_and_only_that_charge() -> None:
    p = Package(PID, "ther-ex", 2, 10_000, DAY, covered_codes=("97110",))
    mixed, manual = uuid.UUID(int=1), uuid.UUID(int=2)
    visits = [(mixed, DAY), (manual, DAY + dt.timedelta(days=1))]
    codes = {mixed: frozenset({"97110", "97140"}), manual: frozenset({"97140"})}
    uses = plan_draw_down([p], [], visits, codes=codes, paid_visits=frozenset({mixed}))
    assert [u.visit_id for u in uses] == [mixed]  # a desk payment does not stop a coded draw
    assert plan_draw_down([p], [], visits) == []  # codes unknown: a coded package draws nothing
    charges = [VisitCharge(mixed, DAY, 22_000, (("97110", 12_000), ("97140", 10_000))),
               VisitCharge(manual, DAY + dt.timedelta(days=1), 10_000, (("97140", 10_000),))]
    ledger = build_ledger(charges, [], [p], uses)
    assert ledger.visits[mixed].paid_package_cents == 5_000
    assert ledger.visits[mixed].adjustment_cents == 7_000
    assert ledger.visits[mixed].balance_cents == 10_000
    assert ledger.visits[manual].balance_cents == 10_000
    # an uncoded package still pays a whole visit, and is skipped for a visit paid directly
    whole = Package(PID, "all", 2, 10_000, DAY)
    assert plan_draw_down([whole], [], visits, codes=codes,
                          paid_visits=frozenset({mixed}))[0].visit_id == manual
