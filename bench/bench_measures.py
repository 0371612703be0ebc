"""Outcome measures: time to draw a patient's trend charts with 100 scores.

Target: loading and drawing a patient's trend charts with 100 scores < 200 ms median.
Same-run baseline: an empty ``TrendChart`` rendered to a QImage of the same size.
Also measured: one chart of 100 points, the scoring engine, and ``episode_measures`` on a real
encrypted chart (read + trend specs + goal progress). Offscreen Qt; nothing touches a screen.
Run: ``python -m bench measures``. Also refreshes docs/screenshots/measure-trend.png
(``QWidget.grab()`` of a typical LEFS trend).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from bench._harness import median_time, ms, report
from core.domain.enums import Discipline, GoalTerm
from core.domain.episode import Goal
from core.rules.measures import goal_progress, score, trend_spec
from desktop.measures.trend import TrendChart

SIZE = QSize(560, 260)
START = dt.date(2026, 1, 5)
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "measure-trend.png"
# 100 scores for one patient: LEFS 40, NPRS 30, ODI 30 (about two years of weekly visits)
MIX = {"LEFS": 40, "NPRS": 30, "ODI": 30}


def _series(measure: str, n: int) -> list[tuple[dt.date, float | None]]:
    low, high = {"LEFS": (30, 70), "NPRS": (7, 2), "ODI": (48, 18)}[measure]
    return [(START + dt.timedelta(days=7 * i),
             round(low + (high - low) * i / max(n - 1, 1) + (i % 3 - 1) * 1.5, 1))
            for i in range(n)]


def _draw(chart: TrendChart) -> QImage:
    image = QImage(SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#ffffff"))
    chart.render(image)
    return image


def draw_patient(series: dict[str, list[tuple[dt.date, float | None]]]) -> list[QImage]:
    """Build the specs, construct one chart per measure and render each offscreen."""
    images = []
    for measure, points in series.items():
        chart = TrendChart()
        chart.resize(SIZE)
        chart.set_spec(trend_spec(measure, points))
        images.append(_draw(chart))
    return images


def draw_empty() -> QImage:
    chart = TrendChart()
    chart.resize(SIZE)
    chart.set_spec(trend_spec("LEFS", []))
    return _draw(chart)


def _real_chart_load(tmp: Path) -> float:
    """Median ``episode_measures`` + drawing on an encrypted chart holding 100 scores."""
    os.environ.setdefault("CHARTSIDE_STATE_DIR", str(tmp / "state"))
    from core.services import charts, episodes, measures, patients
    from core.storage.keys import KdfParams

    session, _ = charts.create_chart(tmp / "bench.chart", "tidal-lantern-orchard-47",
                                     kdf=KdfParams.fast_for_tests())
    try:
        patient = patients.create_patient(session, first_name="Bench", last_name="Synthetic",
                                          date_of_birth=dt.date(1960, 1, 1)).value
        ep = episodes.create_episode(session, patient_id=patient.id, discipline=Discipline.PT,
                                     start_date=START).value
        episodes.add_goal(session, ep.id, term=GoalTerm.LONG, activity="Walk", measure_id="LEFS",
                          target="65")
        today = START + dt.timedelta(days=7 * 40)
        for measure, n in MIX.items():
            for day, value in _series(measure, n):
                responses = _responses(measure, value or 0)
                measures.record_score(session, episode_id=ep.id, measure_id=measure, date=day,
                                      responses=responses, today=today)

        def load_and_draw() -> None:
            data = measures.episode_measures(session, ep.id, today=today)
            for m in data.measures:
                chart = TrendChart()
                chart.resize(SIZE)
                chart.set_spec(m.trend)
                _draw(chart)

        return median_time(load_and_draw, repeat=9)
    finally:
        session.lock()


def _responses(measure: str, value: float) -> list[int]:
    if measure == "NPRS":
        return [max(0, min(10, round(value)))]
    if measure == "ODI":
        total = round(value / 100 * 50)
        return [min(5, max(0, total - 5 * i)) for i in range(10)]
    total = round(value)
    return [min(4, max(0, total - 4 * i)) for i in range(20)]


def save_screenshot(path: Path = SCREENSHOT) -> Path:
    """The figure in docs/measures.md: a LEFS trend with its MCID band and goal target."""
    points: list[tuple[dt.date, float | None]] = [
        (START, 34), (START + dt.timedelta(days=7), 37), (START + dt.timedelta(days=14), 41),
        (START + dt.timedelta(days=21), None), (START + dt.timedelta(days=28), 47),
        (START + dt.timedelta(days=35), 52), (START + dt.timedelta(days=49), 58)]
    goal = Goal(term=GoalTerm.LONG, activity="Walk in the community", measure_id="LEFS",
                target="65", target_date=START + dt.timedelta(weeks=10))
    progress = goal_progress(goal, points, as_of=START + dt.timedelta(days=49))
    chart = TrendChart()
    chart.resize(SIZE)
    chart.set_spec(trend_spec("LEFS", points, [progress]))
    path.parent.mkdir(parents=True, exist_ok=True)
    chart.grab().save(str(path))
    return path


def _none_refcount_guard() -> None:
    """PySide6/shiboken6 6.12.0 on Python 3.11 drops one reference to ``None`` on every call of
    a C++ method returning void (measured: −2000 per 2000 calls; 6.11.3 drifts 0). ``None`` is
    not immortal before 3.12, so a long run aborts with "deallocating None". Adding references
    that are never given back keeps this benchmark alive; the product needs the pin described
    in docs/measures.md, not this."""
    import ctypes
    import sys

    import PySide6

    if PySide6.__version__ == "6.12.0" and sys.version_info < (3, 12):
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40


def main() -> None:
    _none_refcount_guard()
    app = QApplication.instance() or QApplication([])
    series = {m: _series(m, n) for m, n in MIX.items()}
    hundred = {"LEFS": _series("LEFS", 100)}
    empty = median_time(draw_empty, repeat=21)
    one = median_time(lambda: draw_patient(hundred), repeat=21)
    patient = median_time(lambda: draw_patient(series), repeat=21)
    scoring = median_time(lambda: [score("LEFS", [3] * 20) for _ in range(1000)], repeat=7)
    with tempfile.TemporaryDirectory() as tmp:
        loaded = _real_chart_load(Path(tmp))
    shot = save_screenshot()
    rows = [
        ("baseline: empty chart, construct + render 560×260", ms(empty)),
        ("one chart, 100 scores (spec + construct + render)", ms(one)),
        ("patient: 3 charts, 100 scores in all", ms(patient)),
        ("patient from the encrypted chart: episode_measures + 3 charts", ms(loaded)),
        ("target", "< 200 ms"),
        ("score('LEFS', 20 items), per call", f"{scoring / 1000 * 1e6:.1f} µs"),
        ("screenshot", str(shot.relative_to(Path(__file__).resolve().parent.parent))),
    ]
    report("measures", rows, raw={"empty_s": empty, "one_chart_100_s": one,
                                  "patient_3_charts_100_s": patient,
                                  "patient_loaded_from_chart_s": loaded,
                                  "score_lefs_s_per_call": scoring / 1000})
    del app


if __name__ == "__main__":
    main()
