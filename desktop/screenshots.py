"""Render PNGs of the main screens from a fresh demo chart: ``python -m desktop.screenshots
[OUTDIR]`` (``make screenshots``; default ``docs/screenshots/``).

Contract: everything happens in a temporary folder (chart, settings, state) that is deleted
afterwards, with a fixed clock so the pictures only change when the UI does. Runs offscreen
(``QT_QPA_PLATFORM=offscreen`` is set if no platform was chosen). The demo data is synthetic.
Screens: welcome, create (passphrase), recovery key, unlock, patient chart, note editor with
findings and the 59/X prompt, plan of care with an ICD-10-CM search, the measures tab (goals
board and trend charts), the billing tab, practice and fees, the new-note dialog (date and
place), the superbill dialog, the dashboard, the mileage log
(linked to an open home visit) and the reports. The demo chart gets a few mileage legs, clock
entries and one exported superbill first (``_seed_books``), so those pages are not empty.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (1280, 800)
PASSPHRASE = "harbor-lantern-orchard-47"
TODAY = dt.datetime(2026, 3, 2, 10, 5)
SHOWN_FOLDER = "/home/therapist/.local/share/chartside"  # instead of the temporary folder


def _wait(condition: Callable[[], Any], timeout: float = 30.0) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("screen did not get ready")
        QApplication.processEvents()
        time.sleep(0.01)


def _settle(window: Any, ms: int = 400) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + ms / 1000
    while time.monotonic() < end or window.ctx.worker.pending:
        QApplication.processEvents()
        time.sleep(0.01)


def _shoot(window: Any, out: Path, name: str, widget: Any = None) -> Path:
    from PySide6.QtGui import QImage

    _settle(window)
    image = (widget or window).grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    path = out / f"{name}.png"
    image.save(str(path), "PNG", 9)
    _shrink(path)
    print(f"  {path}  {path.stat().st_size // 1024} KB")
    return path


def render(out: Path) -> list[Path]:
    from core.services import charts, demo
    from core.storage.keys import KdfParams
    from desktop.app import create_main_window
    from desktop.autolock import ManualClock

    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    clock = ManualClock(TODAY)
    fast = KdfParams.fast_for_tests()  # a throwaway demo chart: no need for a slow KDF
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        chart = root / "demo.chart"
        session, _key = charts.create_chart(chart, PASSPHRASE, kdf=fast)
        demo.populate(session, today=TODAY.date())
        _seed_books(session)
        session.lock()

        first = create_main_window(root / "new.chart", kdf=fast, clock=clock, explicit=True)
        first.resize(*SIZE)
        first.show()
        shots.append(_shoot(first, out, "welcome"))
        first.flow.begin_create(demo=False)
        create = first.screens.create
        create.where.setText(f"Saved as {SHOWN_FOLDER}/practice.chart")  # stable pictures
        create.passphrase.setText(PASSPHRASE)
        create.repeat.setText(PASSPHRASE)
        shots.append(_shoot(first, out, "create-chart"))
        create.show_recovery_key("7KQ2-M9XD-4TFA-C8PE-WN3R-H6ZB-Y2QS-5VJG")
        shots.append(_shoot(first, out, "recovery-key"))
        first.close()

        window = create_main_window(chart, kdf=fast, clock=clock, explicit=True)
        window.resize(*SIZE)
        window.show()
        window.screens.unlock.start(chart)
        window.screens.unlock.chart_name.setText(f"demo.chart  ·  {SHOWN_FOLDER}")
        shots.append(_shoot(window, out, "unlock"))
        window.screens.unlock.secret.setText(PASSPHRASE)
        window.screens.unlock.unlock_button.click()
        _wait(lambda: window.current_screen() == "workspace")
        ws = window.workspace
        assert ws is not None
        _wait(lambda: ws.patients.model.rowCount() > 0)
        names = [r.display_name for r in ws.patients.model.rows]

        def choose(name: str) -> None:
            ws.patients.table.selectRow(names.index(name))
            _wait(lambda: ws.chart.chart is not None and ws.chart.name.text() == name)

        choose("Ellery, Rowan")  # Medicare, right knee, two diagnoses
        shots.append(_shoot(window, out, "patient-chart"))
        episode_id = ws.chart.current_episode_id()
        assert episode_id is not None
        ws.open_plan(episode_id)
        _wait(lambda: ws.plan.episode is not None)
        ws.plan.icd_search.setText("pain right knee")
        ws.plan.search_icd()
        _wait(lambda: ws.plan.icd_results.count() > 0, timeout=60)
        shots.append(_shoot(window, out, "plan-of-care"))

        choose("Marchetti, Tobias")  # commercial payer: 59/X on 97530 with 97110

        draft = next(v for v in ws.chart.visit_model.rows if str(v.note_status) == "draft")
        ws.open_note(draft.note_id)
        _wait(lambda: ws.editor.ws is not None and ws.editor.check is not None)
        editor = ws.editor
        rows = list(editor.blocks.rows.values())
        if len(rows) >= 2:
            for box in rows[0].goal_boxes.values():  # a finding that stops signing
                box.setChecked(False)
            rows[1].modifier.setCurrentIndex(0)  # no 59/X: the payer's pair prompt shows
            rows[1].modifier.activated.emit(0)
        _settle(window, 900)
        editor.findings.table.selectRow(0)
        editor.scroll_area.verticalScrollBar().setValue(editor.blocks.y() - 8)
        shots.append(_shoot(window, out, "note-editor"))
        shots += _practice_pages(window, out, choose)
        window.close()
        from desktop.worker import wait_for_jobs

        wait_for_jobs()
    return shots


def _shrink(path: Path) -> None:
    """A 256-colour palette without dithering: a flat UI keeps its colours (maximum-coverage
    palette: small accents such as the amber "Draft" survive) at about a third of the bytes.
    Pillow comes with reportlab; without it the PNG stays as Qt wrote it."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE
        )
    small.save(path, optimize=True)


def _seed_books(session: Any) -> None:
    """Synthetic mileage legs for the demo's home visits, an errand and clock entries for this
    morning, so the books pages have something to show. (No superbill export: its audit time
    is the real clock's, which would change every picture.)"""
    from core.services import clock, mileage

    day = TODAY.date()
    with session.uow() as uow:
        ids = {p.last_name: p.id for p in uow.patients.search("", limit=100)}
        maya = next(c for c in uow.clinicians.list() if c.first_name == "Maya")
        homes = [
            v
            for name in ("Dunmore", "Castellanos")
            for v in uow.visits.rows(patient_id=ids[name])
            if v.date.year == day.year and str(v.status) == "completed"
        ]
    for n, visit in enumerate(sorted(homes, key=lambda v: v.date)[-8:]):
        miles = (6.4, 11.8, 7.9, 12.3)[n % 4]
        mileage.record_trip(session, maya.id, visit_id=visit.id, patient_id=visit.patient_id,
                            miles=miles, vehicle="Civic")
    mileage.record_trip(session, maya.id, date=day - dt.timedelta(days=5), miles=4.6,
                        to_label="Supply store", purpose="Theraband and putty restock",
                        vehicle="Civic")
    start = TODAY.replace(hour=7, minute=50)
    clock.add_entry(session, maya.id, "admin", started_at=start,
                    ended_at=start + dt.timedelta(minutes=25))
    clock.clock_in(session, maya.id, "documentation", at=start + dt.timedelta(minutes=30))


def _practice_pages(window: Any, out: Path, choose: Callable[[str], None]) -> list[Path]:
    """The measures and billing tabs, the superbill dialog, dashboard, mileage and reports."""
    ws = window.workspace
    tabs = ws.chart.tabs
    shots: list[Path] = []
    ws.back()
    choose("Ellery, Rowan")  # LEFS trend with the MCID band and a goal target
    tabs.show_measures()
    _wait(lambda: tabs.measures.data is not None)
    shots.append(_shoot(window, out, "measures-tab"))
    choose("Vasquez-Hale, Imogen")  # self-pay with a 10-visit package
    tabs.setCurrentWidget(tabs.billing)
    _wait(lambda: tabs.billing.account is not None)
    shots.append(_shoot(window, out, "billing-tab"))
    practice = ws.open_practice()  # Chart > Practice and fees…: the fee schedule tab
    practice.tabs.setCurrentIndex(1)
    _wait(lambda: practice.fee_model.rowCount() > 0)
    shots.append(_shoot(window, out, "practice-fees", practice))
    practice.reject()
    ws.new_note()  # the date-and-place dialog, as a home visit
    _wait(lambda: ws.current_dialog() is not None)
    visit = ws.current_dialog()
    from core.domain.enums import PlaceOfService

    visit.place_buttons[PlaceOfService.HOME].setChecked(True)  # the address from the chart
    shots.append(_shoot(window, out, "new-note", visit))
    visit.reject()
    ws.patient_superbill.trigger()
    dialog = ws._dialog
    dialog.preset.setCurrentText("Last 3 months")  # early March: "This month" has no signed visit
    _wait(lambda: bool(dialog.page_images), timeout=60)
    shots.append(_shoot(window, out, "superbill-dialog", dialog))
    dialog.reject()
    tabs.setCurrentIndex(0)
    choose("Dunmore, Percival")  # a home visit: the mileage form links to it
    home = next(v for v in ws.chart.visit_model.rows if v.note_id is not None)
    ws.open_note(home.note_id)
    _wait(lambda: ws.editor.ws is not None)
    ws.show_area("mileage")
    _wait(lambda: ws.mileage.panel.model.rowCount() > 0)
    shots.append(_shoot(window, out, "mileage"))
    ws.show_area("dashboard")
    _wait(lambda: ws.dashboard.board.model.rowCount() > 0)
    shots.append(_shoot(window, out, "dashboard"))
    ws.show_area("reports")
    _wait(lambda: ws.reports.as_of.text() != "", timeout=60)
    shots.append(_shoot(window, out, "reports"))
    return shots


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path("docs/screenshots")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as home:
        # Never touch the user's settings, logs or demo chart.
        os.environ["CHARTSIDE_CONFIG_DIR"] = str(Path(home) / "config")
        os.environ["CHARTSIDE_STATE_DIR"] = str(Path(home) / "state")
        os.environ["XDG_DATA_HOME"] = str(Path(home) / "data")
        print(f"Rendering screenshots into {out}/")
        render(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
