"""Issue 13: ticks on a signed note are visible. A checked, disabled check box (a goal link on
a signed note) under the app's stylesheet is rendered and its pixels measured: the tick
against the indicator's fill, and the fill against the page, are each at least 3:1 (WCAG
1.4.11, non-text contrast)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton, QVBoxLayout, QWidget

from desktop.app import stylesheet


def luminance(c: QColor) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def indicator_pixels(qtbot: Any, *, checked: bool, enabled: bool) -> tuple[list[QColor], QColor]:
    """The colours inside the indicator, and the page colour beside it."""
    page = QWidget()
    page.setObjectName("noteBody")
    page.setStyleSheet(stylesheet() + "\n#noteBody { background: #ffffff; }")
    box = QCheckBox("STG 1 · Climb 12 stairs")
    box.setChecked(checked)
    box.setEnabled(enabled)
    QVBoxLayout(page).addWidget(box)
    qtbot.addWidget(page)
    page.resize(300, 60)
    page.show()
    qtbot.waitExposed(page)
    option = QStyleOptionButton()
    box.initStyleOption(option)
    rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    image: QImage = page.grab().toImage()
    origin = box.mapTo(page, rect.topLeft())
    pixels = [
        image.pixelColor(origin.x() + x, origin.y() + y)
        for x in range(2, rect.width() - 2)
        for y in range(2, rect.height() - 2)
    ]
    beside = image.pixelColor(max(0, box.mapTo(page, box.rect().topLeft()).x() - 3), origin.y())
    return pixels, beside


def fill_and_tick(pixels: list[QColor]) -> tuple[QColor, QColor]:
    counts = Counter(c.rgb() for c in pixels)
    fill = QColor.fromRgb(counts.most_common(1)[0][0])
    tick = max(pixels, key=lambda c: contrast(c, fill))
    return fill, tick


def test_signed_note_tick_is_visible(qtbot: Any) -> None:
    pixels, page = indicator_pixels(qtbot, checked=True, enabled=False)
    fill, tick = fill_and_tick(pixels)
    assert contrast(tick, fill) >= 3.0, (tick.name(), fill.name())
    assert contrast(fill, page) >= 3.0, (fill.name(), page.name())


def test_checked_and_unchecked_differ_on_a_signed_note(qtbot: Any) -> None:
    on, _ = indicator_pixels(qtbot, checked=True, enabled=False)
    off, _ = indicator_pixels(qtbot, checked=False, enabled=False)
    assert contrast(fill_and_tick(on)[0], fill_and_tick(off)[0]) >= 3.0


def test_editable_tick_unchanged(qtbot: Any) -> None:
    pixels, _ = indicator_pixels(qtbot, checked=True, enabled=True)
    fill, tick = fill_and_tick(pixels)
    assert fill.name() == "#2f6f7e" and contrast(tick, fill) >= 3.0
