"""The Billing tab's money (issue 13): what the tab reads and what the money dialogs write, on
a real encrypted chart with one patient of 150 signed visits over a year (bench_superbill's).

Figures (medians, same run): ``billing.account`` (the tab's read: ledger over every visit,
package draw-down, audited view) as the baseline; ``ledger_lines`` (the account as statement
lines with the running balance, added by the ledger view) and its ratio to the read; one
``record_payment`` (a payment at checkout: one unit of work, audit row, outbox). No target:
the ledger view must stay a small fraction of the read it shows.
Run: ``python -m bench money``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from bench._harness import median_time, ms, report
from bench.bench_superbill import START, build
from core.services import billing
from core.services.account_ledger import ledger_lines


def main() -> None:
    os.environ.setdefault("CHARTSIDE_STATE_DIR", tempfile.mkdtemp(prefix="chartside-bench-"))
    with tempfile.TemporaryDirectory() as tmp:
        chart, pid, last_visit = build(Path(tmp))
        try:
            billing.sell_package(chart, pid, name="10-visit package", visits_total=10,
                                 price_cents=60000, purchased_on=START + dt.timedelta(days=200))
            account = billing.account(chart, pid).value
            lines = ledger_lines(account)
            t_read = median_time(lambda: billing.account(chart, pid), repeat=9, warmup=2)
            t_lines = median_time(lambda: ledger_lines(account), repeat=25, warmup=3)
            day = START + dt.timedelta(days=360)
            t_pay = median_time(lambda: billing.record_payment(
                chart, pid, 2500, date=day, visit_id=last_visit, method="cash"), repeat=15)
        finally:
            chart.lock()
    report(
        "money",
        [
            (f"Billing tab read: billing.account, {len(account.ledger.visits)} visits "
             "(baseline)", ms(t_read)),
            (f"ledger_lines: {len(lines)} statement lines with running balance", ms(t_lines)),
            ("  ratio ledger_lines / account read", f"x{t_lines / t_read:.3f}"),
            ("record_payment at checkout (one unit of work)", ms(t_pay)),
        ],
        raw={"account_s": t_read, "ledger_lines_s": t_lines, "payment_s": t_pay,
             "lines": len(lines)},
    )


if __name__ == "__main__":
    main()
