"""Supplies (issue 20) where they meet the rest of the app, on the demo chart (real encrypted
file): what the new reads cost against the same read without them, in the same run.

- ``billing.load_accounts`` of every patient (the revenue report's read) before any supply was
  used and after every signed note used two billable supplies (A4556 with a fee, A4630
  without): the ``billable_use`` read and the supply lines it adds.
- The compliance dashboard before and after 20 items and 5,000 movements exist (the low-stock
  rows read the per-item SQL sums).
- The Schedule day's car kits (``car_kit.kits_for_day``: 3 kits, the whole ledger) against the
  stock table (``inventory.stock``) over the same ledger.
- The note editor's "Supplies used" read (``note_supplies.for_note``) against opening the note
  (``notes.get_note``).
Run: ``python -m bench supplies``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from bench._harness import median_time, ms, report
from core.domain.inventory import Item, Location, LocationKind, Movement, MovementKind
from core.rules import inventory as stock_rules
from core.services import (
    billing,
    car_kit,
    charts,
    dashboard,
    demo,
    inventory,
    note_supplies,
    notes,
)
from core.storage.keys import KdfParams

TODAY = dt.date(2026, 3, 20)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("CHARTSIDE_STATE_DIR", str(Path(tmp) / "state"))
        chart, _ = charts.create_chart(Path(tmp) / "d.chart", "bench-tidal-lantern-47",
                                       kdf=KdfParams.fast_for_tests())
        try:
            demo.populate(chart, today=TODAY)
            with chart.uow() as uow:
                ids = list(uow.patients.all_ids())
                clinicians = [c.id for c in uow.clinicians.list()]
                billed = [b for v in uow.billing.reads.billed_minutes_of(ids).values()
                          for b in v]
                signed = [n.id for b in billed if (n := uow.notes.for_visit(b.visit_id))]
                draft = next((d.note_id for d in uow.books.reads.draft_notes(TODAY)), None)

            def accounts() -> object:
                with chart.uow() as uow:
                    return billing.load_accounts(uow, ids)

            t_acc0 = median_time(accounts, repeat=5, warmup=1)
            t_dash0 = median_time(lambda: dashboard.compliance_dashboard(chart, today=TODAY),
                                  repeat=5, warmup=1)
            billing.set_fee(chart, "A4556", 350, effective_from=dt.date(2025, 1, 1))
            clinic = Location("Clinic")
            kits = [Location(f"Car {i}", LocationKind.CAR, c) for i, c in enumerate(clinicians)]
            items = [Item(name=f"Item {i}", unit="each", reorder_point=Decimal(5),
                          hcpcs="A4556" if i == 0 else "A4630" if i == 1 else None)
                     for i in range(20)]
            at = dt.datetime.combine(TODAY, dt.time(8))
            moves = [Movement(items[i % 20].id, MovementKind.RECEIVED, Decimal(50), clinic.id,
                              at - dt.timedelta(days=90)) for i in range(100)]
            moves += [Movement(items[i % 20].id, MovementKind.MOVED, Decimal(1), clinic.id,
                               at - dt.timedelta(days=60), to_location_id=kits[i % len(kits)].id)
                      for i in range(300)]
            for note_id in signed:
                moves += stock_rules.note_usage(note_id, {items[0].id: Decimal(2),
                                                          items[1].id: Decimal(1)}, clinic.id, at)
            while len(moves) < 5000:
                k = len(moves)
                moves.append(Movement(items[k % 20].id, MovementKind.USED, Decimal(1), clinic.id,
                                      at - dt.timedelta(days=k % 50)))
            with chart.uow() as uow:
                uow.inventory.save_locations([clinic, *kits])
                uow.inventory.save_items(items)
                uow.inventory.add_movements(moves)
                uow.commit()
            inventory.set_template(chart, "home-visit", [("Item 2", "1", "each")])
            t_acc1 = median_time(accounts, repeat=5, warmup=1)
            t_dash1 = median_time(lambda: dashboard.compliance_dashboard(chart, today=TODAY),
                                  repeat=5, warmup=1)
            t_stock = median_time(lambda: inventory.stock(chart, TODAY), repeat=7, warmup=1)
            t_kits = median_time(lambda: car_kit.kits_for_day(chart, TODAY), repeat=7, warmup=1)
            rows = [
                ("demo chart", f"{len(ids)} patients, {len(signed)} signed notes, "
                               f"{len(moves)} movements"),
                ("load_accounts, all patients: no supplies (baseline)", ms(t_acc0)),
                ("load_accounts: 2 billable supplies per signed note",
                 f"{ms(t_acc1)} (x{t_acc1 / t_acc0:.2f})"),
                ("compliance dashboard: no supplies (baseline)", ms(t_dash0)),
                ("compliance dashboard: 20 items, low-stock rows",
                 f"{ms(t_dash1)} (x{t_dash1 / t_dash0:.2f})"),
                ("inventory.stock (baseline)", ms(t_stock)),
                ("car_kit.kits_for_day: 3 kits", f"{ms(t_kits)} (x{t_kits / t_stock:.2f})"),
            ]
            if draft is not None:
                t_open = median_time(lambda: notes.get_note(chart, draft), repeat=7, warmup=1)
                t_for = median_time(lambda: note_supplies.for_note(chart, draft), repeat=7,
                                    warmup=1)
                rows += [("notes.get_note: a draft (baseline)", ms(t_open)),
                         ("note_supplies.for_note: the same draft",
                          f"{ms(t_for)} (x{t_for / t_open:.2f})")]
            report("supplies", rows)
        finally:
            chart.lock()


if __name__ == "__main__":
    main()
