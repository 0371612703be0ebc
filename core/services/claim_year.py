"""The whole-year claim scrub: every patient's signed visits of a year, gathered, priced per
day and scrubbed, without rendering or writing anything.

Contract: ``scrub_year(chart, year)`` → ``{patient_id: findings}`` for patients with at least
one signed visit that year, in one unit of work that is rolled back (package draw-downs it
computes are not stored). Same gather and scrub as a superbill (``superbill_gather.gather``).
For a practice-wide look before claims go out; the CLI and the dashboard may call it.

Reads (issue 14, 10,000 visits in < 5 s): the year's visits and their full notes are read
once for every patient (``visits_of``, ``notes_for_visits``) and handed to each gather
(``Preread``); the ledger's billed minutes of those visits are derived from the same notes
(``billed_from_notes``) and only visits of other years are read for it. Tested equal to
gathering each patient on its own. The cyclic garbage collector is paused meanwhile
(``core.services.batch``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

from core.domain.billing import Superbill
from core.domain.enums import VisitStatus
from core.rules.findings import Finding
from core.rules.packs import default_packs
from core.rules.scrub import NothingToBill
from core.services.allowed import practice_locality
from core.services.batch import paused_gc
from core.services.billing import load_accounts
from core.services.superbill_gather import Preread, SharedReads, gather
from core.storage.chart import ChartSession
from core.storage.repos_billing import BilledVisit, billed_from_notes
from core.storage.uow import UnitOfWork

_NOT_HELD = (VisitStatus.NO_SHOW, VisitStatus.CANCELLED)


def scrub_year(chart: ChartSession, year: int) -> dict[uuid.UUID, list[Finding]]:
    with chart.uow() as uow, paused_gc():  # never committed: nothing is written
        return {pid: findings for pid, _bill, findings in gather_year(uow, year)}


def gather_year(
    uow: UnitOfWork, year: int
) -> Iterator[tuple[uuid.UUID, Superbill, list[Finding]]]:
    """Each patient's superbill of ``year`` and its findings, read in ``uow`` (which draws
    packages down: roll it back). Patients with nothing to bill that year are skipped."""
    from core.services.superbill import SuperbillRequest

    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    packs = default_packs()
    pids = uow.patients.all_ids()
    reads = uow.billing.reads
    visits = reads.visits_of(pids, first, last)
    held = [v.id for mine in visits.values() for v in mine
            if VisitStatus(v.status) not in _NOT_HELD]
    notes = reads.notes_for_visits(held)
    others = reads.billed_minutes_of(pids, outside=(first, last))
    billed: dict[uuid.UUID, list[BilledVisit]] = {}
    for pid in pids:  # in billed_minutes order: by date, the year's dates in between
        theirs = others.get(pid, [])
        merged = [*(b for b in theirs if b.date < first),
                  *billed_from_notes(visits.get(pid, []), notes),
                  *(b for b in theirs if b.date > last)]
        if merged:
            billed[pid] = merged
    fees = uow.billing.fees.list()
    accounts = load_accounts(uow, pids, packs=packs, fees=fees, billed=billed)
    shared = SharedReads(
        {e.id: e for mine in uow.episodes.for_patients(visits).values() for e in mine},
        uow.practice.get(), practice_locality(uow))
    for pid in pids:
        if pid not in visits:
            continue  # no visit that year: nothing to bill
        request = SuperbillRequest(pid, date_from=first, date_to=last, issued_on=last)
        try:
            bill, findings = gather(uow, request, packs=packs, account=accounts[pid][0],
                                    preread=Preread(visits[pid], notes, fees, shared))
        except NothingToBill:
            continue
        yield pid, bill, findings
