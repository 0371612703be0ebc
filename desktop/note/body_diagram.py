"""The note's body diagram (issue 18): a front and a back outline on which the clinician marks
pain, tension and trigger points, with a typed form for the keyboard and a list of the marks.

Contract:
- ``BodyDiagramView`` paints both outlines from ``core.domain.body.regions()`` (the same data
  the rules read) and the marks on them. A left click inside the outline emits
  ``clicked(view, x, y, global_pos)`` in canvas units; a right click on a mark emits
  ``remove_requested(mark_id, global_pos)``. Each outline is labelled with the patient's sides
  ("R" and "L"): on the front view the patient's right is on the viewer's left, on the back
  view it is on the viewer's right. Hovering names the region and side (tooltip). Read-only
  views take no clicks.
- ``BodyDiagramSection`` loads ``core.services.body_marks.for_note`` on the database worker;
  a click offers the findings in a menu, the form adds a typed mark (region, side, finding,
  optional 0–10 severity), "Remove" and the right-click menu remove one; each change is one
  ``CommandOp`` and the section redraws from what was stored, then emits ``changed`` (the
  editor re-checks the note: the marks feed the laterality check). A refused mark shows its
  message and changes nothing. "Add to Objective" emits ``append_requested(lines)``: the
  editor appends them in the Objective box itself, so the normal debounced save (and undo)
  applies and nothing typed there is overwritten. GUI thread only; shows only the note's own
  marks.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from core.domain import body
from core.domain.enums import Laterality
from core.domain.errors import ChartsideError
from desktop.widgets import heading, label, named
from desktop.worker import CommandOp, QueryOp

COLOURS = {"pain": "#c62828", "tension": "#1565c0", "trigger_point": "#6a1b9a"}
SYMBOLS = {"pain": "●", "tension": "■", "trigger_point": "✕"}
GAP = 24  # canvas units between the two outlines
MARK_RADIUS = 5.0


class BodyDiagramView(QWidget):
    clicked = Signal(str, float, float, QPoint)
    remove_requested = Signal(str, QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bodyDiagramView")
        self.setMouseTracking(True)
        self.setMinimumSize(QSize(260, 300))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.marks: list[body.BodyMark] = []
        self.read_only = False
        self.hover: tuple[str, Laterality] | None = None
        self.setToolTip("")

    def sizeHint(self) -> QSize:
        return QSize(300, 330)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return int(width * (body.HEIGHT + 30) / (2 * body.WIDTH + GAP))

    # -- geometry -------------------------------------------------------------------------
    def _scale(self) -> tuple[float, float, float]:
        """(scale, x offset, y offset) of the canvas (both views side by side) in the widget."""
        total_w, total_h = 2 * body.WIDTH + GAP, body.HEIGHT + 30
        scale = min(self.width() / total_w, self.height() / total_h)
        off_x = (self.width() - total_w * scale) / 2
        return scale, off_x, 18 * scale

    def _origin(self, view: str) -> float:
        return 0.0 if view == "front" else float(body.WIDTH + GAP)

    def to_widget(self, view: str, x: float, y: float) -> QPointF:
        scale, off_x, off_y = self._scale()
        return QPointF(off_x + (self._origin(view) + x) * scale, off_y + y * scale)

    def to_canvas(self, pos: QPointF) -> tuple[str, float, float] | None:
        scale, off_x, off_y = self._scale()
        cx, cy = (pos.x() - off_x) / scale, (pos.y() - off_y) / scale
        if not 0 <= cy <= body.HEIGHT:
            return None
        if 0 <= cx <= body.WIDTH:
            return "front", cx, cy
        if body.WIDTH + GAP <= cx <= 2 * body.WIDTH + GAP:
            return "back", cx - body.WIDTH - GAP, cy
        return None

    def mark_point(self, mark: body.BodyMark) -> QPointF:
        region = mark.region_info
        if mark.x is not None and mark.y is not None:
            return self.to_widget(region.view, mark.x, mark.y)
        return self.to_widget(region.view, *region.centre(mark.side))

    def _mark_at(self, pos: QPointF) -> body.BodyMark | None:
        scale = self._scale()[0]
        for mark in reversed(self.marks):
            p = self.mark_point(mark)
            if (p.x() - pos.x()) ** 2 + (p.y() - pos.y()) ** 2 <= (MARK_RADIUS * scale + 4) ** 2:
                return mark
        return None

    # -- painting -------------------------------------------------------------------------
    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale = self._scale()[0]
        outline = QPen(QColor("#5f6b7a"), max(1.0, scale))
        fill, hovered = QBrush(QColor("#eef2f6")), QBrush(QColor("#cfe3f7"))
        for region in body.regions().values():
            for side, polygon in region.shapes():
                path = QPainterPath()
                path.addPolygon(QPolygonF([self.to_widget(region.view, x, y) for x, y in polygon]))
                path.closeSubpath()
                painter.setPen(outline)
                painter.setBrush(hovered if self.hover == (region.id, side) else fill)
                painter.drawPath(path)
        painter.setPen(QColor("#1f2933"))
        font = painter.font()
        font.setPointSizeF(max(7.0, 11 * scale))
        painter.setFont(font)
        for view, title in (("front", "Front"), ("back", "Back")):
            top = self.to_widget(view, 0, -16)
            painter.drawText(QRectF(top.x(), top.y(), body.WIDTH * scale, 14 * scale),
                             Qt.AlignmentFlag.AlignCenter, title)
            for x, side in ((12, body.side_at(view, 12)), (body.WIDTH - 12, body.side_at(
                    view, body.WIDTH - 12))):
                at = self.to_widget(view, x, 40)
                painter.drawText(QRectF(at.x() - 10, at.y() - 10, 20, 20),
                                 Qt.AlignmentFlag.AlignCenter, "R" if side is Laterality.RIGHT
                                 else "L")
        for mark in self.marks:
            self._draw_mark(painter, mark, scale)
        painter.end()

    def _draw_mark(self, painter: QPainter, mark: body.BodyMark, scale: float) -> None:
        p = self.mark_point(mark)
        r = MARK_RADIUS * scale + 1
        colour = QColor(COLOURS[mark.finding])
        painter.setPen(QPen(colour, max(1.5, 1.6 * scale)))
        if mark.finding == "pain":
            painter.setBrush(QBrush(colour))
            painter.drawEllipse(p, r, r)
        elif mark.finding == "tension":
            painter.setBrush(QBrush(colour))
            painter.drawRect(QRectF(p.x() - r, p.y() - r, 2 * r, 2 * r))
        else:
            painter.drawLine(QPointF(p.x() - r, p.y() - r), QPointF(p.x() + r, p.y() + r))
            painter.drawLine(QPointF(p.x() - r, p.y() + r), QPointF(p.x() + r, p.y() - r))

    # -- input ----------------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        at = self.to_canvas(event.position())
        found = body.locate(*at) if at else None
        hover = (found[0].id, found[1]) if found else None
        if hover != self.hover:
            self.hover = hover
            self.update()
        mark = self._mark_at(event.position())
        if mark is not None:
            text = mark.text()
        elif found is not None:
            region, side = found
            text = (f"{side.value} {region.label}" if region.paired else region.label)
            text = text[:1].upper() + text[1:]
        else:
            text = ""
        if text != self.toolTip():
            self.setToolTip(text)
            if text:
                QToolTip.showText(event.globalPosition().toPoint(), text, self)

    def leaveEvent(self, _event: Any) -> None:
        self.hover = None
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.read_only:
            return
        where = event.globalPosition().toPoint()
        if event.button() == Qt.MouseButton.RightButton:
            mark = self._mark_at(event.position())
            if mark is not None:
                self.remove_requested.emit(mark.id, where)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        at = self.to_canvas(event.position())
        if at is not None and body.locate(*at) is not None:
            self.clicked.emit(at[0], at[1], at[2], where)

    def set_marks(self, marks: list[body.BodyMark], read_only: bool) -> None:
        self.marks, self.read_only = marks, read_only
        self.setCursor(Qt.CursorShape.ArrowCursor if read_only
                       else Qt.CursorShape.CrossCursor)
        self.update()


class BodyDiagramSection(QWidget):
    changed = Signal()
    append_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteBodyDiagram")
        self.note_id: uuid.UUID | None = None
        self.read_only = True
        self.view: Any = None
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(heading("Body diagram", 3))
        v.addWidget(label(
            "Click the outline to mark pain, tension or a trigger point; right-click a mark "
            "to remove it. R and L are the patient's sides.", "hint", wrap=True,
            name="bodyDiagramHint"))
        row = QHBoxLayout()
        self.diagram = BodyDiagramView()
        self.diagram.clicked.connect(self._clicked)
        self.diagram.remove_requested.connect(self._remove_menu)
        row.addWidget(self.diagram, 3)
        side = QVBoxLayout()
        self.list = named(QListWidget(), "bodyMarks")
        self.list.setMinimumWidth(220)
        side.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.remove_button = named(QPushButton("Remove"), "bodyMarkRemove")
        self.remove_button.clicked.connect(self._remove_selected)
        self.objective_button = named(QPushButton("Add to Objective"), "bodyMarksToObjective")
        self.objective_button.clicked.connect(self._to_objective)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.objective_button)
        side.addLayout(buttons)
        row.addLayout(side, 2)
        v.addLayout(row)
        form = QHBoxLayout()
        self.region = named(QComboBox(), "bodyRegion")
        for region in sorted(body.regions().values(), key=lambda r: r.view != "front"):
            self.region.addItem(f"{region.label} · {region.view} view", region.id)  # top down
        self.side = named(QComboBox(), "bodySide")
        self.finding = named(QComboBox(), "bodyFinding")
        for key, text in body.FINDINGS.items():
            self.finding.addItem(text.capitalize(), key)
        self.severity = named(QSpinBox(), "bodySeverity")
        self.severity.setRange(-1, 10)
        self.severity.setSpecialValueText("no rating")
        self.severity.setValue(-1)
        self.severity.setPrefix("")
        self.severity.setSuffix("/10")
        self.add_button = named(QPushButton("Add mark"), "bodyMarkAdd")
        self.add_button.clicked.connect(self._add_typed)
        self.region.currentIndexChanged.connect(self._fill_sides)
        for w, stretch in ((self.region, 3), (self.side, 1), (self.finding, 1),
                           (self.severity, 1), (self.add_button, 0)):
            form.addWidget(w, stretch)
        v.addLayout(form)
        self.error = label("", "error", wrap=True, name="bodyDiagramError")
        v.addWidget(self.error)
        self._fill_sides()

    def _fill_sides(self, *_: Any) -> None:
        region = body.regions().get(self.region.currentData() or "")
        keep = self.side.currentData()
        self.side.clear()
        if region is not None and region.paired:
            self.side.addItem("Left", Laterality.LEFT.value)
            self.side.addItem("Right", Laterality.RIGHT.value)
        else:
            self.side.addItem("Midline", Laterality.NOT_APPLICABLE.value)
        self.side.setCurrentIndex(max(0, self.side.findData(keep)))

    # -- loading --------------------------------------------------------------------------
    def show_note(self, note_id: uuid.UUID, read_only: bool) -> None:
        from core.services import body_marks

        self.note_id, self.read_only = note_id, read_only
        QueryOp(self, lambda chart: body_marks.for_note(chart, note_id)).success(
            self._show).run()

    def _show(self, view: Any) -> None:
        if view.note_id != self.note_id:
            return
        self.view = view
        editable = view.editable and not self.read_only
        self.diagram.set_marks(list(view.marks), not editable)
        self.list.clear()
        for mark in view.marks:
            item = QListWidgetItem(f"{SYMBOLS[mark.finding]}  {mark.text()}")
            item.setForeground(QColor(COLOURS[mark.finding]))
            item.setData(Qt.ItemDataRole.UserRole, mark.id)
            self.list.addItem(item)
        for w in (self.region, self.side, self.finding, self.severity, self.add_button,
                  self.remove_button):
            w.setEnabled(editable)
        self.objective_button.setEnabled(editable and bool(view.marks))

    # -- edits ----------------------------------------------------------------------------
    def _run(self, change: Any) -> None:
        def refused(error: BaseException) -> bool:
            if isinstance(error, ChartsideError):
                self.error.setText(str(error))
                return True
            return False

        def done(_result: Any) -> None:
            self.error.clear()
            if self.note_id is not None:
                self.show_note(self.note_id, self.read_only)
            self.changed.emit()

        CommandOp(self, change).success(done).failure(refused).run()

    def _clicked(self, view: str, x: float, y: float, where: QPoint) -> None:
        from core.services import body_marks

        found = body.locate(view, x, y)
        if found is None or self.note_id is None:
            return
        region, side = found
        place = f"{side.value} {region.label}" if region.paired else region.label
        menu = self._menu("bodyFindingMenu")
        menu.addSection(place[:1].upper() + place[1:])
        for key, text in body.FINDINGS.items():
            menu.addAction(text.capitalize()).setData(key)

        def chosen(action: QAction) -> None:
            if (note_id := self.note_id) is None or action.data() is None:
                return
            finding = str(action.data())
            self._run(lambda chart: body_marks.add_at(chart, note_id, view=view, x=x, y=y,
                                                      finding=finding))

        menu.triggered.connect(chosen)
        menu.popup(where)

    def _menu(self, name: str) -> QMenu:
        """A fresh popup (not modal: the app keeps running), deleted once closed."""
        old = self.findChild(QMenu, name)
        if old is not None:
            old.close()
        menu = named(QMenu(self), name)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return menu

    def _add_typed(self) -> None:
        from core.services import body_marks

        note_id = self.note_id
        if note_id is None:
            return
        region, side = self.region.currentData(), self.side.currentData()
        finding = self.finding.currentData()
        severity = self.severity.value()
        rating = None if severity < 0 else severity
        self._run(lambda chart: body_marks.add(chart, note_id, region=region, side=side,
                                               finding=finding, severity=rating))

    def _remove(self, mark_id: str) -> None:
        from core.services import body_marks

        if (note_id := self.note_id) is not None:
            self._run(lambda chart: body_marks.remove(chart, note_id, mark_id))

    def _remove_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._remove(str(item.data(Qt.ItemDataRole.UserRole)))

    def _remove_menu(self, mark_id: str, where: QPoint) -> None:
        mark = next((m for m in self.diagram.marks if m.id == mark_id), None)
        if mark is None:
            return
        menu = self._menu("bodyMarkMenu")
        remove = menu.addAction(f"Remove “{mark.text()}”")
        remove.triggered.connect(lambda _=False: self._remove(mark_id))
        menu.popup(where)

    def _to_objective(self) -> None:
        if self.view is not None and self.view.marks:
            self.append_requested.emit([m.text() for m in self.view.marks])

    def clear(self) -> None:
        self.note_id, self.view = None, None
        self.diagram.set_marks([], True)
        self.list.clear()
        self.error.clear()
