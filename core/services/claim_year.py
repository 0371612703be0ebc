"""The whole-year claim scrub: every patient's signed visits of a year, gathered, priced per
day and scrubbed, without rendering or writing anything.

Contract: ``scrub_year(chart, year)`` → ``{patient_id: findings}`` for patients with at least
one signed visit that year, in one unit of work that is rolled back (package draw-downs it
computes are not stored). Same gather and scrub as a superbill (``superbill_gather.gather``).
For a practice-wide look before claims go out; the CLI and the dashboard may call it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from core.rules.findings import Finding
from core.rules.packs import default_packs
from core.rules.scrub import NothingToBill
from core.services.billing import load_accounts
from core.services.superbill_gather import gather
from core.storage.chart import ChartSession


def scrub_year(chart: ChartSession, year: int) -> dict[uuid.UUID, list[Finding]]:
    from core.services.superbill import SuperbillRequest

    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    packs = default_packs()
    out: dict[uuid.UUID, list[Finding]] = {}
    with chart.uow() as uow:  # never committed: nothing is written
        pids = uow.patients.all_ids()
        accounts = load_accounts(uow, pids, packs=packs)  # bulk reads, same ledgers
        for pid in pids:
            request = SuperbillRequest(pid, date_from=first, date_to=last, issued_on=last)
            try:
                _bill, findings = gather(uow, request, packs=packs, account=accounts[pid][0])
            except NothingToBill:
                continue
            out[pid] = findings
    return out
