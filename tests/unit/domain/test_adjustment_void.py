"""A void reverses an adjustment or write-off in the pure ledger (issue 14)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.domain.billing import Payment, PaymentKind, VisitCharge, build_ledger
from core.domain.errors import ValidationError

DAY = dt.date(2026, 3, 2)
PID, VID = uuid.UUID(int=7), uuid.UUID(int=8)


def test_a_void_cancels_its_write_off_and_moves_no_money() -> None:
    off = Payment(PID, DAY, 3000, PaymentKind.WRITE_OFF, visit_id=VID, memo="bad debt, policy")
    void = Payment(PID, DAY, -3000, PaymentKind.VOID, reference=str(off.id), visit_id=VID,
                   memo="entered by mistake")
    assert void.is_adjustment and void.voids == off.id and off.voids is None
    charge = [VisitCharge(VID, DAY, 10_000)]
    assert build_ledger(charge, [off]).balance_cents == 7000
    ledger = build_ledger(charge, [off, void])
    assert ledger.balance_cents == 10_000 and ledger.received_cents == 0
    assert ledger.visits[VID].written_off_cents == 0


@pytest.mark.parametrize("amount,reference,memo", [
    (3000, "x", "entered by mistake"),  # positive
    (-3000, "not-an-id", "entered by mistake"),  # names no entry
    (-3000, str(uuid.UUID(int=1)), "no"),  # no reason
])
def test_a_bad_void_is_refused(amount: int, reference: str, memo: str) -> None:
    with pytest.raises(ValidationError):
        Payment(PID, DAY, amount, PaymentKind.VOID, reference=reference, visit_id=VID, memo=memo)
