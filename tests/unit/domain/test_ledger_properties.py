"""The patient ledger (core.domain.billing): payments, refunds, packages, credits — unit and
property tests on plain values (issue 17).

Invariants: balance = charges − adjustments − received = Σ visit balances − unapplied credit −
unused package credit; a visit is never shown paid above what it owes by its own payments; a
used-up package is worth exactly its price and never holds fewer than 0 visits; the ledger does
not depend on the order payments arrive in; amounts are whole cents and survive formatting.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.billing import (
    MAX_CENTS,
    Package,
    PackageUse,
    Payment,
    PaymentKind,
    VisitCharge,
    build_ledger,
    format_cents,
    parse_amount,
    plan_draw_down,
)
from core.domain.errors import InvalidInput, ValidationError
from core.services.account_ledger import balance_words, ledger_lines
from core.services.billing import Account, PackageStatus

PATIENT = uuid.UUID(int=7)
DAY0 = dt.date(2026, 1, 5)


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


@st.composite
def accounts(draw: st.DrawFn) -> tuple[list[VisitCharge], list[Payment], list[Package],
                                      list[PackageUse]]:
    n = draw(st.integers(0, 8))
    charges = [VisitCharge(uuid.UUID(int=100 + i), day(draw(st.integers(0, 60))),
                           draw(st.integers(0, 40_000))) for i in range(n)]
    visit_ids = [c.visit_id for c in charges] + [uuid.UUID(int=999)]  # one not billed yet
    payments: list[Payment] = []
    for _ in range(draw(st.integers(0, 6))):
        amount = draw(st.integers(1, 50_000))
        refund = draw(st.booleans())
        payments.append(Payment(
            PATIENT, day(draw(st.integers(0, 60))), -amount if refund else amount,
            kind=PaymentKind.REFUND if refund else PaymentKind.PAYMENT,
            visit_id=draw(st.none() | st.sampled_from(visit_ids)),
        ))
    packages: list[Package] = []
    for _ in range(draw(st.integers(0, 2))):
        total = draw(st.integers(1, 6))
        package = Package(PATIENT, "Visits", total, draw(st.integers(1, 90_000)),
                          day(draw(st.integers(0, 30))))
        packages.append(package)
        payments.append(Payment(PATIENT, package.purchased_on, package.price_cents,
                                kind=PaymentKind.PACKAGE))
    uses = plan_draw_down(packages, [], [(c.visit_id, c.date) for c in charges],
                          paid_visits=frozenset(p.visit_id for p in payments if p.visit_id))
    return charges, payments, packages, uses


@settings(max_examples=50, deadline=None)
@given(accounts())
def test_balance_identities(account: tuple) -> None:  # type: ignore[type-arg]
    charges, payments, packages, uses = account
    ledger = build_ledger(charges, payments, packages, uses)
    received = sum(p.amount_cents for p in payments)
    assert ledger.received_cents == received
    assert ledger.balance_cents == ledger.charges_cents - ledger.adjustments_cents - received
    assert ledger.balance_cents == (sum(v.balance_cents for v in ledger.visits.values())
                                    - ledger.unapplied_credit_cents
                                    - ledger.package_credit_cents)
    assert ledger.charges_cents == sum(c.charge_cents for c in charges)
    for v in ledger.visits.values():
        assert v.paid_applied_cents >= 0
        assert v.paid_package_cents >= 0
        due = v.charge_cents - v.adjustment_cents - v.paid_package_cents
        assert v.paid_direct_cents <= max(due, 0)  # overpaying one visit becomes credit
        if v.paid_applied_cents:
            assert v.balance_cents >= 0  # applied money never overpays a visit


@settings(max_examples=30, deadline=None)
@given(accounts())
def test_the_statement_runs_to_the_ledgers_balance(account: tuple) -> None:  # type: ignore[type-arg]
    """``account_ledger.ledger_lines``: every line moves the running balance by its amount,
    lines are in date order, and the last balance is the account's."""
    charges, payments, packages, uses = account
    ledger = build_ledger(charges, payments, packages, uses)
    statuses = tuple(PackageStatus(p, sum(1 for u in uses if u.package_id == p.id))
                     for p in packages)
    lines = ledger_lines(Account(PATIENT, ledger, tuple(payments), statuses, {}))
    balance = 0
    for line in lines:
        balance += line.amount_cents
        assert line.balance_cents == balance
    assert balance == ledger.balance_cents
    assert [ln.date for ln in lines] == sorted(ln.date for ln in lines)
    assert all(s.remaining >= 0 for s in statuses)  # never a negative package count
    assert balance_words(balance).startswith(
        "Balance due" if balance > 0 else "Credit" if balance < 0 else "Nothing owed")


@settings(max_examples=30, deadline=None)
@given(accounts(), st.randoms(use_true_random=False))
def test_payment_order_does_not_matter(account: tuple, rnd: object) -> None:  # type: ignore[type-arg]
    charges, payments, packages, uses = account
    shuffled = list(payments)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a = build_ledger(charges, payments, packages, uses)
    b = build_ledger(list(reversed(charges)), shuffled, packages, list(reversed(uses)))
    assert a == b


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 200), st.integers(1, MAX_CENTS))
def test_a_used_up_package_is_worth_exactly_its_price(visits: int, price: int) -> None:
    package = Package(PATIENT, "P", visits, price, DAY0)
    values = [package.use_value(i) for i in range(visits)]
    assert sum(values) == price
    assert min(values) >= 0 and max(values) - min(values) < visits


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(0, 12), st.integers(0, 12), st.booleans())
def test_draw_down_never_overdraws(total: int, before: int, after: int, expires: bool) -> None:
    package = Package(PATIENT, "P", total, 10_000, day(10),
                      expires_on=day(40) if expires else None)
    visits = [(uuid.UUID(int=i + 1), day(i * 5)) for i in range(before + after)]
    first = plan_draw_down([package], [], visits[:before])
    second = plan_draw_down([package], first, visits)
    uses = first + second
    assert len(uses) <= total  # never a negative count of visits left
    assert len({u.visit_id for u in uses}) == len(uses)  # a visit draws at most once
    assert all(package.covers(u.used_on) for u in uses)
    covered = [v for v in visits if package.covers(v[1])]
    assert len(uses) == min(total, len(covered))
    # oldest visits first (the visits are in date order)
    assert [u.visit_id for u in uses] == [v for v, _d in covered][:len(uses)]


def test_a_visit_paid_directly_never_draws_a_package() -> None:
    package = Package(PATIENT, "P", 5, 10_000, DAY0)
    paid, free = uuid.UUID(int=1), uuid.UUID(int=2)
    uses = plan_draw_down([package], [], [(paid, day(1)), (free, day(2))],
                          paid_visits=frozenset({paid}))
    assert [u.visit_id for u in uses] == [free]


def test_the_package_that_expires_first_is_drawn_first() -> None:
    late = Package(PATIENT, "Late", 5, 10_000, DAY0)
    soon = Package(PATIENT, "Soon", 5, 10_000, DAY0, expires_on=day(20))
    [use] = plan_draw_down([late, soon], [], [(uuid.UUID(int=1), day(3))])
    assert use.package_id == soon.id


def test_package_discount_and_remainder() -> None:
    package = Package(PATIENT, "3 for $100", 3, 10_000, DAY0)
    charges = [VisitCharge(uuid.UUID(int=i), day(i), 5_000) for i in range(1, 4)]
    uses = plan_draw_down([package], [], [(c.visit_id, c.date) for c in charges])
    ledger = build_ledger(charges, [Payment(PATIENT, DAY0, 10_000, kind=PaymentKind.PACKAGE)],
                          [package], uses)
    drawn = [ledger.visits[c.visit_id].paid_package_cents for c in charges]
    assert drawn == [3_333, 3_333, 3_334]  # the last use takes the remainder
    assert [ledger.visits[c.visit_id].adjustment_cents for c in charges] == [1_667, 1_667, 1_666]
    assert ledger.balance_cents == 0 and ledger.package_credit_cents == 0


def test_unallocated_money_pays_the_oldest_visit_first_then_is_credit() -> None:
    old, new = VisitCharge(uuid.UUID(int=1), day(1), 8_000), VisitCharge(uuid.UUID(int=2),
                                                                          day(9), 8_000)
    ledger = build_ledger([new, old], [Payment(PATIENT, day(10), 10_000)])
    assert ledger.visits[old.visit_id].paid_applied_cents == 8_000
    assert ledger.visits[new.visit_id].paid_applied_cents == 2_000
    assert ledger.balance_cents == 6_000
    credit = build_ledger([old], [Payment(PATIENT, day(10), 10_000)])
    assert credit.unapplied_credit_cents == 2_000 and credit.balance_cents == -2_000


def test_overpaying_one_visit_becomes_credit_for_the_next() -> None:
    a, b = VisitCharge(uuid.UUID(int=1), day(1), 5_000), VisitCharge(uuid.UUID(int=2), day(2),
                                                                      5_000)
    ledger = build_ledger([a, b], [Payment(PATIENT, day(1), 7_000, visit_id=a.visit_id)])
    assert ledger.visits[a.visit_id].paid_direct_cents == 5_000
    assert ledger.visits[b.visit_id].paid_applied_cents == 2_000
    assert ledger.balance_cents == 3_000


def test_a_refund_raises_the_balance() -> None:
    charge = VisitCharge(uuid.UUID(int=1), day(1), 5_000)
    paid = Payment(PATIENT, day(1), 5_000, visit_id=charge.visit_id)
    refund = Payment(PATIENT, day(3), -2_000, kind=PaymentKind.REFUND, visit_id=charge.visit_id)
    assert build_ledger([charge], [paid]).balance_cents == 0
    assert build_ledger([charge], [paid, refund]).balance_cents == 2_000


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"amount_cents": 0}, "amount"),
    ({"amount_cents": -5}, "amount"),
    ({"amount_cents": 5, "kind": PaymentKind.REFUND}, "amount"),
    ({"amount_cents": MAX_CENTS + 1}, "amount"),
])
def test_bad_payments_are_refused_with_the_field(kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as err:
        Payment(PATIENT, DAY0, **kwargs)
    assert err.value.field == field


def test_bad_packages_are_refused() -> None:
    for kw in ({"visits_total": 0}, {"visits_total": 201}, {"price_cents": 0},
               {"expires_on": DAY0 - dt.timedelta(days=1)}, {"name": " "}):
        args = {"patient_id": PATIENT, "name": "P", "visits_total": 5, "price_cents": 100,
                "purchased_on": DAY0, **kw}
        with pytest.raises(ValidationError):
            Package(**args)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(st.integers(0, MAX_CENTS))
def test_cents_survive_formatting(cents: int) -> None:
    assert parse_amount(format_cents(cents)) == cents


@pytest.mark.parametrize(("text", "cents"), [
    ("85", 8_500), ("85.5", 8_550), ("$1,234.56", 123_456), (80.25, 8_025), (" 0.07 ", 7)])
def test_parse_amount(text: str | float, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "1.234", "-5", "1,23", "$", "1e3"])
def test_parse_amount_refuses(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(text)


def test_a_write_off_is_capped_at_what_the_visit_owes_and_is_not_money() -> None:
    a, b = VisitCharge(uuid.UUID(int=1), day(1), 5_000), VisitCharge(uuid.UUID(int=2), day(2),
                                                                      5_000)
    off = Payment(PATIENT, day(30), 4_000, kind=PaymentKind.WRITE_OFF, visit_id=a.visit_id,
                  memo="uncollectable")
    paid = Payment(PATIENT, day(31), 3_000, visit_id=a.visit_id)  # more than the rest
    ledger = build_ledger([a, b], [off, paid])
    va = ledger.visits[a.visit_id]
    assert (va.written_off_cents, va.paid_direct_cents, va.balance_cents) == (4_000, 1_000, 0)
    assert ledger.received_cents == 3_000 and ledger.written_off_cents == 4_000
    assert ledger.visits[b.visit_id].paid_applied_cents == 2_000  # the excess is credit
    assert ledger.balance_cents == sum(v.balance_cents for v in ledger.visits.values()) == 3_000
    too_much = build_ledger([a], [Payment(PATIENT, day(1), 9_000, kind=PaymentKind.ADJUSTMENT,
                                          visit_id=a.visit_id, memo="courtesy")])
    assert too_much.visits[a.visit_id].written_off_cents == 5_000
    assert too_much.balance_cents == 0  # never below $0 owed, never a credit
    assert build_ledger([a], []).visits[a.visit_id].written_off_cents == 0  # not firing


def test_an_adjustment_needs_a_visit_and_a_reason() -> None:
    with pytest.raises(ValidationError, match="one visit"):
        Payment(PATIENT, day(1), 100, kind=PaymentKind.WRITE_OFF, memo="bad debt")
    with pytest.raises(ValidationError, match="reason"):
        Payment(PATIENT, day(1), 100, kind=PaymentKind.WRITE_OFF, visit_id=uuid.UUID(int=1),
                memo="[redacted] ok")
