"""The schedule (issue 19) and supplies (issue 20) on a real encrypted chart.

Schedule: 3 clinicians, each with 10 patients on twice-weekly series for a year (≈ 3,100
occurrences) plus 150 single appointments in one week. Figures (medians, same run): reading one
day's list (``schedule.day``: stored appointments + series occurrences) against the baseline of
reading the same day's stored appointments alone (``uow.schedule.appointments_between``);
expanding every series over a year (``rules.expand``); booking one appointment (conflict
checks included); the PHI-free .ics feed for 90 days.
Supplies: 20 items, 5,000 movements; the stock table (``inventory.stock``) and one delivery.
The week grid (``desktop.schedule_grid``, offscreen): reading the week of the 3 clinicians
(``schedule_view.grid``, the 150 single appointments and the series' occurrences), laying it
out (``set_data``), painting the whole grid, and frames while scrolling a 1280 × 800 window
through it — each against the same grid painted empty (the baseline, same run); and a week of
4 clinicians × 40 appointments built from plain objects. The issue's target: < 100 ms a frame.
Run: ``python -m bench schedule``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from bench._harness import median_time, ms, report
from core.domain.enums import Discipline
from core.domain.inventory import Item, Location, Movement, MovementKind
from core.domain.schedule import Appointment, Series
from core.rules import schedule as rules
from core.services import charts, inventory, patients, practice, schedule, schedule_view
from core.storage.keys import KdfParams

MON = dt.datetime(2026, 1, 5, 8, 0)


def build(folder: Path) -> tuple[charts.ChartSession, list, list]:  # type: ignore[type-arg]
    chart, _ = charts.create_chart(folder / "s.chart", "bench-tidal-lantern-47",
                                   kdf=KdfParams.fast_for_tests())
    clinicians = [practice.add_clinician(chart, first_name=f"C{i}", last_name="Bench",
                                         discipline=Discipline.PT).value.id for i in range(3)]
    people = [patients.create_patient(chart, first_name=f"P{i}", last_name="Bench",
                                      date_of_birth=dt.date(1960, 1, 1 + i % 28),
                                      allow_duplicate=True).value.id for i in range(30)]
    series, singles = [], []
    for c, clinician in enumerate(clinicians):
        for k in range(10):
            start = MON + dt.timedelta(hours=k % 8, days=(k // 8) * 2)
            series.append(Series(people[c * 10 + k], clinician, start, 45,
                                 "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=104"))
        for k in range(50):
            day = MON + dt.timedelta(days=14 + k % 5, hours=k // 5 % 8, minutes=(k // 40) * 50)
            singles.append(Appointment(people[c * 10 + k % 10], clinician,
                                       day.replace(hour=8 + (k // 5) % 8), 45))
    with chart.uow() as uow:
        uow.schedule.save_series(series)
        uow.schedule.save_appointments(singles)
        loc = Location("Clinic")
        items = [Item(name=f"Item {i}", unit="each", reorder_point=Decimal(5)) for i in range(20)]
        uow.inventory.save_locations([loc])
        uow.inventory.save_items(items)
        moves = [Movement(items[i % 20].id, MovementKind.RECEIVED if i % 3 == 0
                          else MovementKind.USED, Decimal(1), loc.id,
                          MON + dt.timedelta(hours=i)) for i in range(5000)]
        uow.inventory.add_movements(moves)
        uow.commit()
    return chart, clinicians, series


def main() -> None:
    os.environ.setdefault("CHARTSIDE_STATE_DIR", tempfile.mkdtemp(prefix="chartside-bench-"))
    with tempfile.TemporaryDirectory() as tmp:
        chart, clinicians, series = build(Path(tmp))
        try:
            day = (MON + dt.timedelta(days=16)).date()
            start = dt.datetime.combine(day, dt.time.min)

            def stored() -> object:
                with chart.uow() as uow:
                    return uow.schedule.appointments_between(start, start + dt.timedelta(days=1))

            t_stored = median_time(stored, repeat=9, warmup=2)
            t_day = median_time(lambda: schedule.day(chart, day), repeat=9, warmup=2)
            shown = len(schedule.day(chart, day))
            year = MON + dt.timedelta(days=366)
            t_expand = median_time(lambda: [rules.expand(s, MON, year) for s in series],
                                   repeat=5)
            occurrences = sum(len(rules.expand(s, MON, year)) for s in series)
            slot = iter(range(10_000))

            def book_one() -> None:
                n = next(slot)
                at = dt.datetime(2027, 3, 1, 7) + dt.timedelta(days=n)
                with chart.uow() as uow:
                    pid = uow.schedule.series()[0].patient_id
                schedule.book(chart, pid, clinicians[0], at, 30, allow_outside_hours=True)

            t_book = median_time(book_one, repeat=7)
            t_ics = median_time(lambda: schedule.calendar(chart, clinicians[0], day, 90),
                                repeat=5)
            t_stock = median_time(lambda: inventory.stock(chart, day), repeat=7)
            t_receive = median_time(lambda: inventory.receive(chart, "Item 3", "2"), repeat=7)
            week = (MON + dt.timedelta(days=14)).date()
            t_read = median_time(lambda: schedule_view.grid(chart, week, 7, clinicians),
                                 repeat=7)
            data = schedule_view.grid(chart, week, 7, clinicians)
        finally:
            chart.lock()
    grid_rows, grid_raw = _grid_frames(data)
    report("schedule", [
        (f"stored appointments of one day (baseline, {len(series)} series in chart)",
         ms(t_stored)),
        (f"schedule.day: the day's list incl. series occurrences ({shown} shown)", ms(t_day)),
        ("  ratio day list / stored read", f"x{t_day / t_stored:.1f}"),
        (f"expand {len(series)} series over a year ({occurrences} occurrences)", ms(t_expand)),
        ("book one appointment (conflict checks, one unit of work)", ms(t_book)),
        ("90-day .ics feed of one clinician", ms(t_ics)),
        ("inventory.stock: 20 items, 5,000 movements", ms(t_stock)),
        ("inventory.receive: one delivery (availability read + write)", ms(t_receive)),
        (f"schedule_view.grid: a week of 3 clinicians ({len(data.items)} appointments)",
         ms(t_read)),
        *grid_rows,
    ], raw={**grid_raw, "grid_read_s": t_read,
            "stored_s": t_stored, "day_s": t_day, "expand_s": t_expand, "book_s": t_book,
            "ics_s": t_ics, "stock_s": t_stock, "receive_s": t_receive,
            "occurrences": occurrences})


def _synthetic(clinicians: int, per_clinician: int) -> schedule_view.GridData:
    """A week of ``clinicians`` × ``per_clinician`` appointments from plain objects."""
    import uuid

    from core.domain.schedule import AppointmentStatus, WorkingHours

    hours = ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(18)))
    people = [schedule_view.GridClinician(uuid.uuid4(), f"Clinician {i}",
                                          WorkingHours(uuid.uuid4(), (hours,) * 5 + ((), ())))
              for i in range(clinicians)]
    statuses = list(AppointmentStatus)
    items = []
    for c in people:
        for k in range(per_clinician):
            start = MON + dt.timedelta(days=k % 5, hours=k // 5, minutes=15 * (k % 2))
            a = Appointment(uuid.uuid4(), c.id, start, 45, status=statuses[k % 3])
            items.append(schedule_view.GridItem(a, "Bench, Patient", "BP"))
    return schedule_view.GridData(MON.date(), 7, tuple(people), tuple(items), ())


def _grid_frames(data: schedule_view.GridData) -> tuple[list[tuple[str, str]], dict[str, float]]:
    """Lay out and paint the week grid offscreen: whole-grid paints and scroll frames, against
    the same columns painted empty."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from dataclasses import replace

    from PySide6.QtWidgets import QApplication, QScrollArea

    from desktop.schedule_grid import ScheduleGrid

    app = QApplication.instance() or QApplication([])
    grid = ScheduleGrid()
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(grid)
    area.resize(1280, 800)
    area.show()
    app.processEvents()
    bar = area.verticalScrollBar()

    def scroll() -> None:  # one frame per step, top to bottom and back
        for value in (*range(0, bar.maximum() + 1, 120), *range(bar.maximum(), -1, -120)):
            bar.setValue(value)
            area.viewport().repaint()

    def frames(d: schedule_view.GridData) -> tuple[float, float, float, int]:
        grid.set_data(d)
        app.processEvents()
        t_layout = median_time(lambda: grid.set_data(d), repeat=9, warmup=2)
        t_paint = median_time(lambda: grid.grab(), repeat=9, warmup=2)
        steps = len((*range(0, bar.maximum() + 1, 120), *range(bar.maximum(), -1, -120)))
        t_scroll = median_time(scroll, repeat=5, warmup=1) / max(steps, 1)
        return t_layout, t_paint, t_scroll, steps

    empty = frames(replace(data, items=(), blocks=()))
    full = frames(data)
    four = _synthetic(4, 40)
    synth = frames(four)
    area.close()
    rows = [
        ("week grid, 3 clinicians: empty grid painted whole (baseline)", ms(empty[1])),
        (f"  with its {len(data.items)} appointments: layout (set_data)", ms(full[0])),
        ("  painted whole", f"{ms(full[1])} (x{full[1] / empty[1]:.1f} the empty grid)"),
        (f"  a frame while scrolling 1280x800 ({full[3]} frames)",
         f"{ms(full[2])} (empty: {ms(empty[2])})"),
        ("week grid, 4 clinicians x 40 appointments: painted whole", ms(synth[1])),
        ("  a frame while scrolling", ms(synth[2])),
    ]
    raw = {"grid_empty_paint_s": empty[1], "grid_layout_s": full[0], "grid_paint_s": full[1],
           "grid_scroll_frame_s": full[2], "grid_empty_scroll_frame_s": empty[2],
           "grid4x40_paint_s": synth[1], "grid4x40_scroll_frame_s": synth[2]}
    return rows, raw


if __name__ == "__main__":
    main()
