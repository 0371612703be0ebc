"""Cancellation and no-show fees reach the patient's account (issue 19), on a real chart: the
practice's policy posts the fee when the appointment is marked — a ledger charge on the
appointment's day, in the statement lines, the balance, A/R aging and the revenue report —
exactly once (the appointment cannot be marked again; the fee's id is derived from the
appointment's, so a second device posts the same record); payments apply to it; no fee
without a policy."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain.aging import ar_aging
from core.domain.enums import Discipline
from core.domain.errors import ValidationError
from core.domain.schedule import AppointmentStatus, FeeKind, fee_id
from core.rules.schedule import CancellationPolicy
from core.services import account_ledger, billing, patients, practice, reports, schedule
from core.storage.chart import ChartSession

MON = dt.datetime(2026, 12, 7, 9, 0)


def test_fees_are_posted_once_and_show_on_the_account(chart: ChartSession) -> None:
    ada = practice.add_clinician(chart, first_name="Ada", last_name="Quist",
                                 discipline=Discipline.PT).value.id
    nell = patients.create_patient(chart, first_name="Nell", last_name="Testcase",
                                   date_of_birth=dt.date(1970, 1, 1)).value.id
    early = schedule.book(chart, nell, ada, MON - dt.timedelta(days=7)).appointment
    assert early is not None
    # no policy: a no-show costs nothing and posts nothing
    free = schedule.set_status(chart, early.id, AppointmentStatus.NO_SHOW, "no call")
    assert free.fee_cents == 0 and billing.account(chart, nell).value.fees == ()
    schedule.set_policy(chart, CancellationPolicy(24, late_cancel_fee_cents=2500,
                                                  no_show_fee_cents=4000))
    missed = schedule.book(chart, nell, ada, MON).appointment
    series = schedule.book(chart, nell, ada, MON + dt.timedelta(days=1),
                           repeat="FREQ=DAILY;COUNT=3").series
    assert missed is not None and series is not None
    change = schedule.set_status(chart, missed.id, AppointmentStatus.NO_SHOW, "no call")
    assert change.fee_cents == 4000
    with pytest.raises(ValidationError, match="cannot become"):  # marked once, charged once
        schedule.set_status(chart, missed.id, AppointmentStatus.NO_SHOW, "no call again")
    occurrence = schedule.day(chart, (MON + dt.timedelta(days=2)).date())[0]
    late = schedule.set_status(chart, occurrence.id, AppointmentStatus.CANCELLED, "car broke",
                               now=occurrence.start - dt.timedelta(hours=2))
    assert late.appointment.status is AppointmentStatus.LATE_CANCELLED and late.fee_cents == 2500

    account = billing.account(chart, nell).value
    assert sorted((f.kind, f.amount_cents, f.id) for f in account.fees) == sorted([
        (FeeKind.NO_SHOW, 4000, fee_id(missed.id)),
        (FeeKind.LATE_CANCEL, 2500, fee_id(occurrence.id))])
    assert account.balance_cents == 6500
    lines = account_ledger.ledger_lines(account)
    assert [(x.kind, x.description, x.amount_cents) for x in lines] == [
        ("fee", "No-show fee (appointment of Dec 07, 2026)", 4000),
        ("fee", "Late cancellation fee (appointment of Dec 09, 2026)", 2500)]
    assert lines[-1].balance_cents == 6500
    assert ar_aging(account.ledger, dt.date(2027, 1, 8)) == {
        "0-30": 2500, "31-60": 4000, "61-90": 0, "90+": 0}
    revenue = reports.revenue_report(chart, date_from=dt.date(2026, 12, 1),
                                     date_to=dt.date(2026, 12, 31))
    assert revenue.total.charges_cents == 6500  # the patient has no visit: counted anyway
    assert revenue.receivable_cents == 6500

    # a payment without a visit applies to the oldest fee first
    billing.record_payment(chart, nell, 4000, date=dt.date(2026, 12, 10))
    after = billing.account(chart, nell).value
    assert after.balance_cents == 2500
    owed = {f.kind: after.ledger.visits[f.id].balance_cents for f in after.fees}
    assert owed == {FeeKind.NO_SHOW: 0, FeeKind.LATE_CANCEL: 2500}
