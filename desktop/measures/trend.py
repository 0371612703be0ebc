"""``TrendChart``: one measure's scores over time, drawn with QPainter.

Why QPainter and not QtCharts: PySide6-Essentials has no QtCharts; PySide6-Addons is a
59 MB wheel (6.12.0, manylinux x86_64) for one line chart, and Qt marks Qt Charts deprecated
since 6.10. The chart needs a polyline, a shaded band and a few dashed lines; painting them is
~150 lines, draws 100 points in well under a millisecond and styles through the same QSS.

Contract:
- ``set_spec(TrendSpec | None)`` replaces what is drawn (a plain value from
  ``core.rules.measures.trend_spec``); nothing is computed here but pixel positions.
- Draws: title and which way is better; y grid on the measure's scale; the band of
  "baseline ± MCID" (changes inside it are not clinically important) with the threshold's
  source in the legend; the baseline (dotted); one dashed line per goal target with its label;
  the scores as a line with dots (unscorable dates as a hollow mark on the axis); the first
  and last values labelled.
- Colours are Qt properties (``seriesColor``, ``bandColor``, ``targetColor``, ``gridColor``,
  ``inkColor``) so the stylesheet can set them (``qproperty-seriesColor: #2f6f7e``); the
  defaults follow resources/styles/chartside.qss.
- GUI thread only; no I/O.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Property, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.rules.measures import TrendSpec
from desktop.formats import show_day

MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 52, 22, 44, 44


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1-2-5 steps)."""
    span = max(high - low, 1e-9)
    raw = span / max(count - 1, 1)
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = int(low / step) * step
    ticks = []
    value = first
    while value <= high + 1e-9:
        if value >= low - 1e-9:
            ticks.append(round(value, 6))
        value += step
    return ticks


def _color(name: str) -> Any:
    def getter(self: TrendChart) -> QColor:
        return self._colors[name]

    def setter(self: TrendChart, value: QColor) -> None:
        self._colors[name] = QColor(value)
        self.update()

    return Property(QColor, getter, setter)


class TrendChart(QWidget):
    seriesColor = _color("series")
    bandColor = _color("band")
    targetColor = _color("target")
    gridColor = _color("grid")
    inkColor = _color("ink")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trendChart")
        self._colors = {
            "series": QColor("#2f6f7e"),
            "band": QColor(47, 111, 126, 40),
            "target": QColor("#2e7d4f"),
            "grid": QColor("#e6eaef"),
            "ink": QColor("#1f2a37"),
        }
        self.spec: TrendSpec | None = None
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:
        return QSize(560, 240)  # a whole chart fits under the goals board at 1280 × 800

    def set_spec(self, spec: TrendSpec | None) -> None:
        self.spec = spec
        self.setToolTip(spec.band_label if spec else "")
        self.setAccessibleName(spec.title if spec else "Trend chart")
        self.update()

    # -- geometry -------------------------------------------------------------------------------
    def _plot(self) -> QRectF:
        return QRectF(
            MARGIN_L,
            MARGIN_T,
            max(10, self.width() - MARGIN_L - MARGIN_R),
            max(10, self.height() - MARGIN_T - MARGIN_B),
        )

    def _x_of(self, plot: QRectF, day: dt.date, first: dt.date, last: dt.date) -> float:
        span = (last - first).days
        if span <= 0:
            return plot.center().x()
        return plot.left() + 8 + (plot.width() - 16) * (day - first).days / span

    @staticmethod
    def _y_of(plot: QRectF, value: float, low: float, high: float) -> float:
        frac = (value - low) / (high - low) if high > low else 0.5
        return plot.bottom() - plot.height() * max(0.0, min(1.0, frac))

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.fillRect(self.rect(), QColor("#ffffff"))
            self.paint_into(painter)
        finally:
            painter.end()

    def paint_into(self, p: QPainter) -> None:
        spec, plot = self.spec, self._plot()
        ink = self._colors["ink"]
        muted = QColor("#5f6b7a")
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        if spec is None:
            p.setPen(muted)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No measure chosen")
            return
        p.setFont(small)
        better = "higher is better ↑" if spec.higher_is_better else "lower is better ↓"
        better_w = p.fontMetrics().horizontalAdvance(better) + 12
        p.setPen(muted)
        p.drawText(QRectF(8, 8, self.width() - 16, 20), Qt.AlignmentFlag.AlignRight, better)
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(ink)
        title = p.fontMetrics().elidedText(
            spec.title, Qt.TextElideMode.ElideRight, max(40, self.width() - 16 - better_w)
        )
        p.drawText(QRectF(8, 6, self.width() - 16, 22), Qt.AlignmentFlag.AlignLeft, title)
        p.setFont(small)
        low, high = spec.y_min, spec.y_max
        for tick in nice_ticks(low, high):
            y = self._y_of(plot, tick, low, high)
            p.setPen(QPen(self._colors["grid"], 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(muted)
            p.drawText(
                QRectF(0, y - 8, MARGIN_L - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{tick:g}",
            )
        p.drawText(
            QRectF(0, plot.top() - 18, MARGIN_L - 6, 14), Qt.AlignmentFlag.AlignRight, spec.unit
        )
        if spec.band_low is not None and spec.band_high is not None:
            top = self._y_of(plot, spec.band_high, low, high)
            bottom = self._y_of(plot, spec.band_low, low, high)
            p.fillRect(QRectF(plot.left(), top, plot.width(), bottom - top), self._colors["band"])
        if spec.baseline is not None:
            y = self._y_of(plot, spec.baseline, low, high)
            p.setPen(QPen(self._colors["series"], 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        for target in spec.targets:
            y = self._y_of(plot, target.value, low, high)
            p.setPen(QPen(self._colors["target"], 1.5, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.drawText(
                QRectF(plot.left() + 4, y - 16, plot.width() - 8, 14),
                Qt.AlignmentFlag.AlignRight,
                target.label,
            )
        self._paint_points(p, plot, spec, small)
        p.setPen(muted)
        p.setFont(small)
        legend = spec.band_label or "No MCID/MDC stored for this measure"
        metrics = p.fontMetrics()
        p.drawText(
            QRectF(8, self.height() - 18, self.width() - 16, 16),
            Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(legend, Qt.TextElideMode.ElideRight, self.width() - 16),
        )

    def _paint_points(self, p: QPainter, plot: QRectF, spec: TrendSpec, font: QFont) -> None:
        if not spec.points:
            p.setPen(QColor("#5f6b7a"))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No scores yet")
            return
        first, last = spec.points[0].date, spec.points[-1].date
        ticks = (
            spec.points
            if len(spec.points) <= 6
            else [spec.points[round(i * (len(spec.points) - 1) / 5)] for i in range(6)]
        )
        p.setFont(font)
        p.setPen(QColor("#5f6b7a"))
        for point in ticks:
            x = self._x_of(plot, point.date, first, last)
            x = min(max(x, plot.left() + 30), self.width() - 32.0)  # keep the label inside
            p.drawText(
                QRectF(x - 32, plot.bottom() + 4, 64, 14),
                Qt.AlignmentFlag.AlignHCenter,
                show_day(point.date),
            )
        scored = spec.scored
        path = QPainterPath()
        coords = [
            QPointF(
                self._x_of(plot, q.date, first, last),
                self._y_of(plot, q.value or 0.0, spec.y_min, spec.y_max),
            )
            for q in scored
        ]
        for i, c in enumerate(coords):
            path.moveTo(c) if i == 0 else path.lineTo(c)
        p.setPen(QPen(self._colors["series"], 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        p.setBrush(self._colors["series"])
        radius = 3.5 if len(coords) <= 30 else 2.0
        for c in coords:
            p.drawEllipse(c, radius, radius)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for q in spec.points:
            if q.value is None:
                x = self._x_of(plot, q.date, first, last)
                p.drawEllipse(QPointF(x, plot.bottom() - 4), 3, 3)
        if not coords:
            return
        p.setPen(self._colors["ink"])
        ends = [(scored[0], coords[0])] + ([(scored[-1], coords[-1])] if len(coords) > 1 else [])
        for i, (point, c) in enumerate(ends):
            box = (
                QRectF(c.x() - 30, c.y() - 20, 60, 14)
                if i == 0
                else QRectF(c.x() - 64, c.y() - 7, 56, 14)
            )  # the latest value sits left of its dot
            align = Qt.AlignmentFlag.AlignHCenter if i == 0 else Qt.AlignmentFlag.AlignRight
            p.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, point.label)


def render_chart(spec: TrendSpec | None, size: QSize | None = None) -> QImage:
    """Paint ``spec`` into an image (tests, screenshots, benchmarks); needs a QApplication."""
    size = size or QSize(560, 260)
    chart = TrendChart()
    chart.resize(size)
    chart.set_spec(spec)
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#ffffff"))
    chart.render(image)
    return image
