"""Issue 13: the trend chart is not squashed at 1280×800. The real window on a copy of the
demo chart, the Measures tab of a patient with LEFS scores: the first chart shows whole under
the goals board (no scrolling), at least 200 px tall and no flatter than 3:1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect

from tests.desktop.test_wiring import choose, click_tab, demo_chart, demo_template, opened

__all__ = ["demo_chart", "demo_template"]  # the fixtures, used by name


def _rect_in(viewport: Any, widget: Any) -> QRect:
    return QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768), (1440, 900)])
def test_trend_chart_whole_and_not_squashed(
    qtbot: Any, open_window: Any, demo_chart: Path, size: tuple[int, int]
) -> None:
    window = opened(qtbot, open_window, demo_chart)
    window.resize(*size)
    chart = choose(qtbot, window, "Ellery, Rowan")
    tabs = chart.tabs
    click_tab(qtbot, tabs, tabs.measures)
    qtbot.waitUntil(lambda: tabs.measures.data is not None and bool(tabs.measures.charts))
    qtbot.wait(50)  # let the layouts settle
    panel = tabs.measures
    first = panel.charts[0]
    viewport = panel.charts_area.viewport()
    rect = _rect_in(viewport, first)
    assert first.height() >= 200, first.size()
    assert first.width() / first.height() <= 3.0, first.size()
    assert viewport.rect().contains(rect), (rect, viewport.size())
