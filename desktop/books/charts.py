"""``BarChart``: grouped or stacked bars per category (month), drawn with QPainter.

Why QPainter: PySide6-Essentials has no QtCharts (``import PySide6.QtCharts`` fails here), and
the reports need only bars, a legend and a y axis; the trend chart made the same choice.

Contract:
- ``set_data(title, categories, series, stacked=False, fmt=str)`` replaces what is drawn;
  ``series`` are ``BarSeries(name, values, colour)`` with one value per category. Grouped bars
  sit side by side; stacked bars add up (negative values are drawn below zero, never stacked).
- ``fmt`` formats y-axis ticks (e.g. dollars). Category labels thin out when crowded.
- ``render_chart(chart, width, height) -> QImage`` paints off screen (tests, exports).
- GUI thread only; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.measures.trend import nice_ticks

MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 64, 16, 40, 40
INK, MUTED, GRID = QColor("#1f2a37"), QColor("#5f6b7a"), QColor("#e6eaef")


@dataclass(frozen=True, slots=True)
class BarSeries:
    name: str
    values: tuple[float, ...]
    colour: str


class BarChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("barChart")
        self.title = ""
        self.categories: tuple[str, ...] = ()
        self.series: tuple[BarSeries, ...] = ()
        self.stacked = False
        self.fmt: Callable[[float], str] = lambda v: f"{v:g}"
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(620, 260)

    def set_data(
        self, title: str, categories: Sequence[str], series: Sequence[BarSeries], *,
        stacked: bool = False, fmt: Callable[[float], str] | None = None,
    ) -> None:
        for s in series:
            if len(s.values) != len(categories):
                raise ValueError(f"series {s.name!r} has {len(s.values)} values for "
                                 f"{len(categories)} categories")
        self.title, self.categories, self.series = title, tuple(categories), tuple(series)
        self.stacked = stacked
        self.fmt = fmt or (lambda v: f"{v:g}")
        self.setAccessibleName(title)
        self.update()

    # -- geometry -------------------------------------------------------------------------------
    def _range(self) -> tuple[float, float]:
        if not self.series or not self.categories:
            return 0.0, 1.0
        if self.stacked:
            tops = [sum(max(s.values[i], 0) for s in self.series)
                    for i in range(len(self.categories))]
            lows = [min((s.values[i] for s in self.series), default=0)
                    for i in range(len(self.categories))]
        else:
            tops = [v for s in self.series for v in s.values]
            lows = tops
        high, low = max(max(tops), 0.0), min(min(lows), 0.0)
        return low, high if high > low else low + 1.0

    def _plot(self, width: int, height: int) -> QRectF:
        return QRectF(MARGIN_L, MARGIN_T, max(10, width - MARGIN_L - MARGIN_R),
                      max(10, height - MARGIN_T - MARGIN_B))

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.fillRect(self.rect(), QColor("#ffffff"))
            self.paint_into(painter, self.width(), self.height())
        finally:
            painter.end()

    def paint_into(self, p: QPainter, width: int, height: int) -> None:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(INK)
        p.drawText(QRectF(8, 6, width - 16, 20), Qt.AlignmentFlag.AlignLeft, self.title)
        p.setFont(small)
        plot = self._plot(width, height)
        if not self.series or not self.categories:
            p.setPen(MUTED)
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "Nothing to show for this period")
            return
        low, high = self._range()
        ticks = nice_ticks(low, high)
        if len(ticks) >= 2 and ticks[-1] < high:  # round the top up to the next tick
            ticks.append(ticks[-1] + (ticks[-1] - ticks[-2]))
        if ticks:
            low, high = min(low, ticks[0]), max(high, ticks[-1])

        def y_of(value: float) -> float:
            return plot.bottom() - plot.height() * (value - low) / (high - low)

        for tick in ticks:
            y = y_of(tick)
            p.setPen(QPen(GRID, 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(MUTED)
            p.drawText(QRectF(0, y - 8, MARGIN_L - 6, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.fmt(tick))
        slot = plot.width() / len(self.categories)
        groups = 1 if self.stacked else len(self.series)
        bar_w = max(1.0, slot * 0.7 / groups)
        for i, category in enumerate(self.categories):
            left = plot.left() + i * slot + slot * 0.15
            base_pos = base_neg = 0.0
            for k, s in enumerate(self.series):
                value = s.values[i]
                x = left if self.stacked else left + k * bar_w
                if self.stacked and value >= 0:
                    bottom, top = base_pos, base_pos + value
                    base_pos = top
                elif self.stacked:
                    bottom, top = base_neg + value, base_neg
                    base_neg = bottom
                else:
                    bottom, top = min(0.0, value), max(0.0, value)
                rect = QRectF(x, y_of(top), bar_w - 1, max(0.0, y_of(bottom) - y_of(top)))
                p.fillRect(rect, QColor(s.colour))
            every = max(1, round(len(self.categories) / max(1, plot.width() // 48)))
            if i % every == 0:
                p.setPen(MUTED)
                p.drawText(QRectF(plot.left() + i * slot, plot.bottom() + 4, slot * every, 14),
                           Qt.AlignmentFlag.AlignHCenter, category)
        p.setPen(QPen(MUTED, 1))
        p.drawLine(QPointF(plot.left(), y_of(0)), QPointF(plot.right(), y_of(0)))
        self._legend(p, width, height)

    def _legend(self, p: QPainter, width: int, height: int) -> None:
        x = 8.0
        y = height - 18
        for s in self.series:
            p.fillRect(QRectF(x, y + 3, 10, 10), QColor(s.colour))
            p.setPen(INK)
            text_w = p.fontMetrics().horizontalAdvance(s.name)
            p.drawText(QRectF(x + 14, y, text_w + 4, 16), Qt.AlignmentFlag.AlignLeft, s.name)
            x += text_w + 30
            if x > width - 40:
                break


def render_chart(chart: BarChart, width: int = 620, height: int = 260) -> QImage:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        chart.paint_into(painter, width, height)
    finally:
        painter.end()
    return image
