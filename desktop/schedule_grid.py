"""``ScheduleGrid``: the schedule as a time grid (issue 19) — one column per day and clinician
(a day or a week, one clinician or up to four side by side), appointments drawn at their times
with the patient's initials, the service and a colour per status; time outside the clinician's
working hours shaded, blocked time hatched with its label.

Why a custom-painted QWidget and not QGraphicsView: the grid holds a few hundred rectangles at
most, and what matters is keyboard focus, one selection and a cursor slot, snapping to 15-minute
slots and hit-testing in minutes — all simpler and cheaper with one ``paintEvent`` over plain
geometry than with a scene of items (which would still need the same snapping and the keyboard
model on top, and whose items are not accessible objects either).

Contract (GUI thread only; no I/O — the page reads and writes through the services):
- ``set_data(GridData)`` shows a run of days; the cursor and selection survive a reload when the
  appointment is still there.
- Signals: ``move_requested(appointment, start, minutes, clinician_id)`` after a drag (body:
  move, across columns too; bottom edge: resize) or Alt+arrows (Alt+Shift+Up/Down resizes);
  ``open_requested(appointment)`` on Enter or a double click; ``book_requested(clinician_id,
  start)`` on N (or Enter / a double click on a free slot); ``cancel_requested(appointment)`` on
  Delete; ``selection_changed(appointment | None)``; ``reveal(QRect)`` to scroll the cursor into
  view. Nothing moves on screen until the page reloads the data after the service agreed, so a
  refused move leaves the grid as it was.
- Keyboard: Up/Down move the cursor a slot (out of an appointment to the slot after or before
  it), Left/Right a column; the appointment under the cursor is selected. The accessible
  description always says what is selected.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.domain.schedule import SERVICES, AppointmentStatus
from core.services.schedule_view import GridData, GridItem
from desktop.formats import show_day

SLOT = 15  # minutes
GUTTER, HEADER = 56, 44
PX_PER_MIN = 1.2
MIN_COLUMN = 92  # "ZQ 09:00" and a service label still fit; a week of two fits 1280 px
EDGE = 6  # px at the bottom of an appointment that resize it

COLORS = {
    "background": QColor("#ffffff"), "off": QColor("#eceff3"), "line": QColor("#e3e7ec"),
    "hour": QColor("#c9d0d8"), "ink": QColor("#1f2a37"), "muted": QColor("#5f6b7a"),
    "block": QColor("#d5d9df"), "cursor": QColor("#2563eb"), "today": QColor("#eef4ff"),
    "conflict": QColor(185, 28, 28, 70), "ghost": QColor(37, 99, 235, 60),
}
STATUS_COLORS = {  # (fill, border)
    AppointmentStatus.BOOKED: (QColor("#dbeafe"), QColor("#2563eb")),
    AppointmentStatus.ARRIVED: (QColor("#fef3c7"), QColor("#b45309")),
    AppointmentStatus.COMPLETED: (QColor("#dcfce7"), QColor("#15803d")),
    AppointmentStatus.CANCELLED: (QColor("#f3f4f6"), QColor("#9ca3af")),
    AppointmentStatus.LATE_CANCELLED: (QColor("#f3f4f6"), QColor("#9ca3af")),
    AppointmentStatus.NO_SHOW: (QColor("#fee2e2"), QColor("#b91c1c")),
}


@dataclass
class _Placed:
    item: GridItem
    column: int
    lane: int
    lanes: int
    lines: tuple[str, ...] = ()  # what the box says, computed once per reload
    elided: tuple[int, tuple[str, ...]] | None = None  # (width, lines cut to it)


def _minute(t: dt.datetime | dt.time) -> int:
    return t.hour * 60 + t.minute


def _lanes(items: list[GridItem]) -> list[tuple[GridItem, int, int]]:
    """Side-by-side lanes for overlapping appointments of one column (a cluster shares a width)."""
    out: list[tuple[GridItem, int, int]] = []
    cluster: list[tuple[GridItem, int]] = []
    ends: list[dt.datetime] = []  # per lane, when it is free again
    cluster_end: dt.datetime | None = None
    for it in sorted(items, key=lambda i: (i.appointment.start, -i.appointment.minutes)):
        a = it.appointment
        if cluster_end is not None and a.start >= cluster_end:
            out += [(x, lane, len(ends)) for x, lane in cluster]
            cluster, ends, cluster_end = [], [], None
        lane = next((i for i, e in enumerate(ends) if e <= a.start), len(ends))
        if lane == len(ends):
            ends.append(a.end)
        else:
            ends[lane] = a.end
        cluster.append((it, lane))
        cluster_end = a.end if cluster_end is None else max(cluster_end, a.end)
    out += [(x, lane, len(ends)) for x, lane in cluster]
    return out


def _lines(item: GridItem) -> tuple[str, ...]:
    a = item.appointment
    kind = SERVICES.get(a.service)
    lines = [f"{item.initials} {a.start:%H:%M}" + (" ↻" if a.series_id else ""),
             kind.label if kind else a.service]
    if a.status is not AppointmentStatus.BOOKED:
        lines.append(a.status.value.replace("_", " "))
    return tuple(lines)


def describe(item: GridItem) -> str:
    a = item.appointment
    kind = SERVICES.get(a.service)
    return (f"{a.start:%a} {show_day(a.start.date())}, {a.start:%H:%M}–{a.end:%H:%M}, "
            f"{item.patient_name}, {kind.label if kind else a.service}, "
            f"{a.status.value.replace('_', ' ')}")


class ScheduleGrid(QWidget):
    move_requested = Signal(object, object, int, object)  # appointment, start, minutes, clinician
    open_requested = Signal(object)
    book_requested = Signal(object, object)  # clinician id, start
    cancel_requested = Signal(object)
    selection_changed = Signal(object)
    reveal = Signal(QRect)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleGrid")
        self.setAccessibleName("Schedule grid")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.data: GridData | None = None
        self.placed: list[_Placed] = []
        self.first, self.last = 7 * 60, 19 * 60  # minutes of the day shown
        self.spot = (0, 9 * 60)  # column, minute
        self.selected: uuid.UUID | None = None
        self.today: dt.date | None = None
        self._drag: dict[str, Any] | None = None
        self.ghost: tuple[int, int, int] | None = None  # column, minute, minutes (drag preview)
        self._col_width = float(MIN_COLUMN)

    # -- data -------------------------------------------------------------------------------
    @property
    def columns(self) -> int:
        d = self.data
        return 0 if d is None else d.days * max(len(d.clinicians), 1)

    def column_of(self, day: dt.date, clinician_id: uuid.UUID) -> int | None:
        d = self.data
        if d is None:
            return None
        ids = [c.id for c in d.clinicians]
        offset = (day - d.first_day).days
        if clinician_id not in ids or not 0 <= offset < d.days:
            return None
        return offset * len(ids) + ids.index(clinician_id)

    def column_key(self, column: int) -> tuple[dt.date, uuid.UUID]:
        assert self.data is not None and self.data.clinicians
        n = len(self.data.clinicians)
        return (self.data.first_day + dt.timedelta(days=column // n),
                self.data.clinicians[column % n].id)

    def set_data(self, data: GridData) -> None:
        self.data, self.ghost = data, None
        first, last = 7 * 60, 19 * 60
        for c in data.clinicians:
            for spans in c.hours.days if c.hours else ():
                for t0, t1 in spans:
                    first, last = min(first, _minute(t0)), max(last, _minute(t1) or 24 * 60)
        by_column: dict[int, list[GridItem]] = {}
        for it in data.items:
            a = it.appointment
            col = self.column_of(a.start.date(), a.clinician_id)
            if col is None:
                continue
            by_column.setdefault(col, []).append(it)
            first = min(first, _minute(a.start))
            end = _minute(a.end) if a.end.date() == a.start.date() else 24 * 60
            last = max(last, end)
        self.first, self.last = first // 60 * 60, min(-(-last // 60) * 60, 24 * 60)
        self.placed = [_Placed(it, col, lane, lanes, _lines(it))
                       for col, items in by_column.items() for it, lane, lanes in _lanes(items)]
        col, minute = self.spot
        self.spot = (min(col, max(self.columns - 1, 0)),
                       max(self.first, min(minute, self.last - SLOT)))
        if self.selected is not None and self.find_item(self.selected) is None:
            self.selected = None
        self.setMinimumSize(self.sizeHint())
        self._layout()
        self._announce()
        self.update()

    def find_item(self, ident: uuid.UUID) -> _Placed | None:
        return next((p for p in self.placed if p.item.appointment.id == ident), None)

    def selected_item(self) -> GridItem | None:
        p = None if self.selected is None else self.find_item(self.selected)
        return None if p is None else p.item

    def select(self, ident: uuid.UUID | None) -> None:
        """Select an appointment (and put the cursor on its first slot)."""
        p = None if ident is None else self.find_item(ident)
        self.selected = None if p is None else ident
        if p is not None:
            self.spot = (p.column, _minute(p.item.appointment.start) // SLOT * SLOT)
        self._announce()
        self.update()

    # -- geometry ---------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(GUTTER + max(self.columns, 1) * MIN_COLUMN,
                     HEADER + int((self.last - self.first) * PX_PER_MIN) + 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._layout()
        super().resizeEvent(event)

    def _layout(self) -> None:
        self._col_width = max(float(MIN_COLUMN), (self.width() - GUTTER) / max(self.columns, 1))

    def y_of(self, minute: int) -> float:
        return HEADER + (minute - self.first) * PX_PER_MIN

    def x_of(self, column: int) -> float:
        return GUTTER + column * self._col_width

    def rect_of(self, p: _Placed) -> QRectF:
        a = p.item.appointment
        width = self._col_width / p.lanes
        top = self.y_of(_minute(a.start))
        return QRectF(self.x_of(p.column) + p.lane * width + 1, top + 1, width - 3,
                      a.minutes * PX_PER_MIN - 2)

    def slot_rect(self, column: int, minute: int, minutes: int = SLOT) -> QRect:
        return QRectF(self.x_of(column), self.y_of(minute), self._col_width,
                      minutes * PX_PER_MIN).toAlignedRect()

    def at(self, pos: QPoint) -> tuple[int, int] | None:
        """(column, minute snapped to a slot) under a point, or None outside the grid."""
        if pos.x() < GUTTER or pos.y() < HEADER or not self.columns:
            return None
        col = min(int((pos.x() - GUTTER) / self._col_width), self.columns - 1)
        minute = self.first + int((pos.y() - HEADER) / PX_PER_MIN) // SLOT * SLOT
        return col, max(self.first, min(minute, self.last - SLOT))

    def item_at(self, pos: QPoint) -> _Placed | None:
        hits = [p for p in self.placed if self.rect_of(p).contains(pos.toPointF())]
        active = [p for p in hits if p.item.appointment.status.active]
        return (active or hits or [None])[0]  # type: ignore[list-item]

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(event.rect(), COLORS["background"])
        if self.data is None or not self.columns:
            p.setPen(COLORS["muted"])
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No clinicians to show.")
            return
        # only what the exposed area needs: a scroll frame repaints a strip, not the week
        exposed = QRectF(event.rect())
        self._paint_columns(p, exposed)
        self._paint_lines(p)
        font, struck = QFont(self.font()), QFont(self.font())
        struck.setStrikeOut(True)
        metrics = p.fontMetrics()
        for placed in self.placed:
            r = self.rect_of(placed)
            if r.intersects(exposed):
                self._paint_item(p, placed, r, struck if not placed.item.appointment.status
                                 .active else font, metrics.height())
        self._paint_cursor(p)

    def _paint_columns(self, p: QPainter, exposed: QRectF) -> None:
        assert self.data is not None
        height = self.y_of(self.last)
        bold = QFont(self.font())
        bold.setBold(True)
        n = len(self.data.clinicians)
        for col in range(self.columns):
            day, cid = self.column_key(col)
            clinician = self.data.clinicians[col % n]
            x = self.x_of(col)
            if x > exposed.right() or x + self._col_width < exposed.left():
                continue
            if day == self.today:
                p.fillRect(QRectF(x, 0, self._col_width, HEADER), COLORS["today"])
            hours = clinician.hours
            if hours is not None:  # shade what is outside working hours
                inside = sorted((_minute(a), _minute(b) or 24 * 60)
                                for a, b in hours.days[day.weekday()])
                t = self.first
                for a, b in [*inside, (self.last, self.last)]:
                    if a > t:
                        p.fillRect(QRectF(x, self.y_of(t), self._col_width,
                                          self.y_of(min(a, self.last)) - self.y_of(t)),
                                   COLORS["off"])
                    t = max(t, b)
            for block in self.data.blocks:
                if block.clinician_id != cid:
                    continue
                day_start = dt.datetime.combine(day, dt.time.min)
                since = max(block.start, day_start + dt.timedelta(minutes=self.first))
                until = min(block.end, day_start + dt.timedelta(minutes=self.last))
                if until <= since:
                    continue
                r = QRectF(x + 1, self.y_of(_minute(since)), self._col_width - 2,
                           (until - since).total_seconds() / 60 * PX_PER_MIN)
                p.fillRect(r, COLORS["block"])
                p.fillRect(r, QBrush(COLORS["hour"], Qt.BrushStyle.BDiagPattern))
                p.setPen(COLORS["ink"])
                p.drawText(r.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignLeft
                           | Qt.AlignmentFlag.AlignTop, block.label)
            p.setPen(COLORS["ink"])
            p.setFont(bold)
            first_line = f"{day:%a} {day.day}" if self.data.days > 1 or n == 1 else ""
            name = clinician.name if n > 1 else ""
            text = "\n".join(x for x in (first_line, name) if x) or f"{day:%a} {day.day}"
            p.drawText(QRectF(x + 4, 2, self._col_width - 8, HEADER - 4),
                       Qt.AlignmentFlag.AlignCenter, text)
            p.setFont(self.font())
            p.setPen(QPen(COLORS["hour"] if col % n == 0 else COLORS["line"], 1))
            p.drawLine(QRectF(x, 0, 0, height).topLeft(), QRectF(x, 0, 0, height).bottomLeft())

    def _paint_lines(self, p: QPainter) -> None:
        right = self.x_of(self.columns)
        for minute in range(self.first, self.last + 1, SLOT):
            y = self.y_of(minute)
            hour = minute % 60 == 0
            p.setPen(QPen(COLORS["hour"] if hour else COLORS["line"], 1))
            p.drawLine(int(GUTTER if not hour else GUTTER - 6), int(y), int(right), int(y))
            if hour and minute < self.last:
                p.setPen(COLORS["muted"])
                p.drawText(QRectF(0, y - 1, GUTTER - 8, 16),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                           f"{minute // 60:02d}:00")
        p.setPen(QPen(COLORS["hour"], 1))
        p.drawLine(0, HEADER, int(right), HEADER)

    def _paint_item(self, p: QPainter, placed: _Placed, r: QRectF, font: QFont,
                    line_height: int) -> None:
        a = placed.item.appointment
        fill, border = STATUS_COLORS[a.status]
        chosen = a.id == self.selected
        p.setPen(QPen(COLORS["ink"] if chosen else border, 2.5 if chosen else 1))
        p.setBrush(fill)
        p.drawRoundedRect(r, 4, 4)
        p.fillRect(QRectF(r.left(), r.top(), 3, r.height()), border)
        p.setFont(font)
        p.setPen(COLORS["ink"] if a.status.active else COLORS["muted"])
        inner = r.adjusted(6, 2, -3, -2)
        width = int(inner.width())
        if placed.elided is None or placed.elided[0] != width:  # cut once per width
            metrics = p.fontMetrics()
            placed.elided = (width, tuple(metrics.elidedText(x, Qt.TextElideMode.ElideRight,
                                                             width) for x in placed.lines))
        fits = max(1, int((inner.height() + 2) // line_height))
        p.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                   "\n".join(placed.elided[1][:fits]))
        p.setFont(self.font())

    def _paint_cursor(self, p: QPainter) -> None:
        if self.ghost is not None:
            col, minute, minutes = self.ghost
            r = QRectF(self.slot_rect(col, minute, minutes)).adjusted(2, 1, -2, -1)
            p.setPen(QPen(COLORS["cursor"], 2, Qt.PenStyle.DashLine))
            p.setBrush(COLORS["conflict"] if self._clashes(col, minute, minutes)
                       else COLORS["ghost"])
            p.drawRoundedRect(r, 4, 4)
            end = minute + minutes
            p.setPen(COLORS["ink"])
            p.drawText(r.adjusted(6, 2, -2, -2), Qt.AlignmentFlag.AlignLeft,
                       f"{minute // 60:02d}:{minute % 60:02d}–{end // 60:02d}:{end % 60:02d}")
        if self.hasFocus() and self.selected is None and self.columns:
            col, minute = self.spot
            p.setPen(QPen(COLORS["cursor"], 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(self.slot_rect(col, minute)).adjusted(1, 1, -1, -1))

    def _clashes(self, col: int, minute: int, minutes: int) -> bool:
        """A drag preview over another active appointment, blocked time or off hours (the
        service decides; this only colours the preview)."""
        assert self.data is not None
        day, cid = self.column_key(col)
        start = dt.datetime.combine(day, dt.time.min) + dt.timedelta(minutes=minute)
        end = start + dt.timedelta(minutes=minutes)
        moving = self._drag["placed"].item.appointment.id if self._drag else None
        for placed in self.placed:
            a = placed.item.appointment
            if (a.id != moving and a.clinician_id == cid and a.status.active
                    and a.overlaps(start, end)):
                return True
        if any(b.clinician_id == cid and b.start < end and start < b.end
               for b in self.data.blocks):
            return True
        hours = next(c.hours for c in self.data.clinicians if c.id == cid)
        return hours is not None and not hours.covers(start, end)

    # -- mouse ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position().toPoint()
        placed = self.item_at(pos)
        spot = self.at(pos)
        if placed is not None:
            self.select(placed.item.appointment.id)
            a = placed.item.appointment
            if a.status in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED):
                r = self.rect_of(placed)
                mode = "resize" if r.bottom() - pos.y() <= EDGE else "move"
                self._drag = {"placed": placed, "mode": mode, "origin": pos,
                              "offset": (spot[1] if spot else 0) - _minute(a.start)}
        elif spot is not None:
            self.selected = None
            self.spot = spot
            self._announce()
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self._drag is None:
            placed = self.item_at(pos)
            near_edge = placed is not None and self.rect_of(placed).bottom() - pos.y() <= EDGE
            self.setCursor(Qt.CursorShape.SizeVerCursor if near_edge
                           else Qt.CursorShape.ArrowCursor)
            return
        if (pos - self._drag["origin"]).manhattanLength() < 4 and self.ghost is None:
            return
        a = self._drag["placed"].item.appointment
        spot = self.at(pos)
        if spot is None:
            return
        if self._drag["mode"] == "resize":
            end = max(spot[1] + SLOT, _minute(a.start) + SLOT)
            col = self._drag["placed"].column
            self.ghost = (col, _minute(a.start), end - _minute(a.start))
        else:
            start = max(self.first, spot[1] - self._drag["offset"] // SLOT * SLOT)
            self.ghost = (spot[0], start, a.minutes)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, ghost = self._drag, self.ghost
        self._drag = None
        if drag is None or ghost is None:
            self.ghost = None
            return
        a = drag["placed"].item.appointment
        col, minute, minutes = ghost
        day, cid = self.column_key(col)
        start = dt.datetime.combine(day, dt.time.min) + dt.timedelta(minutes=minute)
        if (start, minutes, cid) == (a.start, a.minutes, a.clinician_id):
            self.ghost = None
            self.update()
            return
        self.move_requested.emit(a, start, minutes, cid)  # the ghost stays until the reload

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        placed = self.item_at(pos)
        if placed is not None:
            self.open_requested.emit(placed.item.appointment)
            return
        spot = self.at(pos)
        if spot is not None:
            self.spot = spot
            self._book_here()

    def clear_ghost(self) -> None:
        self.ghost = None
        self.update()

    # -- keyboard ---------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        K, M = Qt.Key, Qt.KeyboardModifier
        item = self.selected_item()
        if mods & M.AltModifier and item is not None and key in (K.Key_Up, K.Key_Down,
                                                                  K.Key_Left, K.Key_Right):
            self._nudge(item, key, bool(mods & M.ShiftModifier))
        elif key in (K.Key_Up, K.Key_Down, K.Key_Left, K.Key_Right):
            self._step(key, item)
        elif key in (K.Key_Return, K.Key_Enter):
            if item is not None:
                self.open_requested.emit(item.appointment)
            else:
                self._book_here()
        elif key == K.Key_N and not mods & (M.ControlModifier | M.AltModifier):
            self._book_here()
        elif key in (K.Key_Delete, K.Key_Backspace) and item is not None:
            self.cancel_requested.emit(item.appointment)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _step(self, key: int, item: GridItem | None) -> None:
        col, minute = self.spot
        K = Qt.Key
        if key == K.Key_Up:
            minute = (_minute(item.appointment.start) if item else minute) - SLOT
        elif key == K.Key_Down:
            minute = -(-_minute(item.appointment.end) // SLOT) * SLOT if item else minute + SLOT
        elif key == K.Key_Left:
            col -= 1
        else:
            col += 1
        col = max(0, min(col, self.columns - 1))
        minute = max(self.first, min(minute, self.last - SLOT))
        self.spot = (col, minute)
        under = [p for p in self.placed if p.column == col
                 and _minute(p.item.appointment.start) <= minute < _minute(p.item.appointment.end)]
        under.sort(key=lambda p: (not p.item.appointment.status.active, p.lane))
        self.selected = under[0].item.appointment.id if under else None
        self._announce()
        self.reveal.emit(self.slot_rect(col, minute))
        self.update()

    def _nudge(self, item: GridItem, key: int, resize: bool) -> None:
        a = item.appointment
        K = Qt.Key
        if resize and key in (K.Key_Up, K.Key_Down):
            minutes = a.minutes + (SLOT if key == K.Key_Down else -SLOT)
            if minutes >= SLOT:
                self.move_requested.emit(a, a.start, minutes, a.clinician_id)
            return
        if key in (K.Key_Up, K.Key_Down):
            step = dt.timedelta(minutes=SLOT if key == K.Key_Down else -SLOT)
            self.move_requested.emit(a, a.start + step, a.minutes, a.clinician_id)
            return
        col = self.column_of(a.start.date(), a.clinician_id)
        target = (col or 0) + (1 if key == K.Key_Right else -1)
        if col is None or not 0 <= target < self.columns:
            return
        day, cid = self.column_key(target)
        self.move_requested.emit(a, dt.datetime.combine(day, a.start.time()), a.minutes, cid)

    def _book_here(self) -> None:
        if not self.columns:
            return
        col, minute = self.spot
        day, cid = self.column_key(col)
        self.book_requested.emit(cid, dt.datetime.combine(day, dt.time.min)
                                 + dt.timedelta(minutes=minute))

    def _announce(self) -> None:
        item = self.selected_item()
        if item is not None:
            text = describe(item)
        elif self.columns and self.data is not None and self.data.clinicians:
            col, minute = self.spot
            day, cid = self.column_key(col)
            who = next(c.name for c in self.data.clinicians if c.id == cid)
            text = (f"{day:%a} {show_day(day)}, {minute // 60:02d}:{minute % 60:02d}, "
                    f"{who}: free")
        else:
            text = "No appointments."
        self.setAccessibleDescription(text)
        self.setToolTip(text)
        self.selection_changed.emit(None if item is None else item.appointment)
