"""The note editor: composes the writing surface (``sections``) and the side column
(``side_panel``) for one note, and runs every edit as an op on the database worker.

Contract:
- ``show_note(note_id)`` loads ``ui_queries.open_note`` (an audited view) and renders it;
  signed notes are read-only and offer addenda.
- Every edit is one ``CommandOp`` (text debounced 300 ms, flushed on focus-out, lock,
  close and before signing). After each successful edit the note is re-checked on the worker
  (coalesced) and findings, units, modifier prompts and the Sign button update.
- ``focus_field(field)`` understands the ``Finding.field`` paths of ``core.rules``
  (``subjective``, ``blocks[<id>].goal_ids``, ``blocks[<id>].details.components``,
  ``total_treatment_minutes``…); plan-of-care fields ask the workspace to open the plan.
- ``clear()`` drops every PHI-bearing value (lock). GUI thread only.
"""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop import scribe_panel
from desktop.context import AppContext
from desktop.formats import show_when
from desktop.models.lists import NOTE_TYPES, fmt_date
from desktop.note.blocks import BlockRow
from desktop.note.body_diagram import BodyDiagramSection
from desktop.note.sections import BlocksSection, SoapSection, TotalTime, UntimedSection
from desktop.note.side_panel import AddendaPanel, FindingsPanel, SignBar, UnitsView
from desktop.note.sign_confirm import SigningFlow
from desktop.note.supplies import SuppliesSection
from desktop.ops import notes as ops
from desktop.saving import make_timer
from desktop.widgets import heading, hline, label, named, reveal
from desktop.worker import CommandOp

_FIELD = re.compile(r"^(blocks|untimed)\[([0-9a-fA-F-]{36})\](?:\.(\w+))?(?:\.(\w+))?")


class NoteEditor(QWidget):
    back_requested = Signal()
    plan_requested = Signal(uuid.UUID)  # episode id
    visit_requested = Signal()  # a finding on the visit itself (its time in/out, place)
    loaded = Signal(uuid.UUID)
    checked = Signal(object)  # NoteCheck
    signed = Signal(uuid.UUID)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteEditor")
        self.ctx = ctx
        self.note_id: uuid.UUID | None = None
        self.ws: Any = None
        self.check: Any = None
        self.read_only = False
        self._check_inflight = False
        self._check_again = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.setContentsMargins(20, 12, 20, 6)
        titles = QVBoxLayout()
        self.title = heading("", 1)
        self.title.setObjectName("noteTitle")
        self.subtitle = label("", "muted", name="noteSubtitle")
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        self.saved_state = label("", "hint", name="saveState")
        head.addWidget(self.saved_state)
        self.dictation: Any = None  # the open dictation panel, if any
        self.dictate_button = named(QPushButton("Dictate…"), "noteDictate")
        self.dictate_button.setToolTip("Record or import a dictation and review its draft")
        self.dictate_button.clicked.connect(self.open_dictation)
        head.addWidget(self.dictate_button)
        self.void_button = named(QPushButton("Void draft…"), "noteVoid")
        self.void_button.setToolTip("Set aside a draft started by mistake (kept and audited)")
        self.void_button.clicked.connect(self.void)
        head.addWidget(self.void_button)
        self.signing = SigningFlow(self)
        scribe_panel.install_retention(ctx, self.signed)  # recordings: on unlock, after signing
        self._head = head  # the host may add the visit's tools before "Back to chart"
        back = named(QPushButton("Back to chart"), "noteBack")
        back.setToolTip("Alt+Left")
        back.clicked.connect(self._back)
        head.addWidget(back)
        outer.addLayout(head)
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split, 1)
        scroll = named(QScrollArea(), "noteScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = named(QWidget(), "noteBody")
        col = QVBoxLayout(body)
        col.setContentsMargins(20, 6, 14, 20)
        col.setSpacing(10)
        self.soap = SoapSection(ctx.phrases, self._save_section)
        self.blocks = BlocksSection()
        self.blocks.add_requested.connect(self.add_block)
        self.untimed = UntimedSection()
        self.untimed.add_requested.connect(self._add_untimed)
        self.untimed.remove_requested.connect(self._remove_untimed)
        self.total = TotalTime(self._save_total)
        self.supplies = SuppliesSection()  # issue 20: what signing records from stock
        self.body_diagram = BodyDiagramSection()  # issue 18: marks feed the laterality check
        self.body_diagram.changed.connect(self.request_check)
        self.body_diagram.append_requested.connect(self._append_objective)
        for w in (self.soap, hline(), self.blocks, hline(), self.untimed, hline(), self.total,
                  self.supplies, hline(), self.body_diagram):
            col.addWidget(w)
        col.addStretch(1)
        scroll.setWidget(body)
        self.scroll_area = scroll
        split.addWidget(scroll)
        side = named(QWidget(), "noteSide")
        sv = QVBoxLayout(side)
        sv.setContentsMargins(14, 6, 20, 16)
        self.units = UnitsView()
        self.findings = FindingsPanel()
        self.findings.finding_activated.connect(lambda f: self.focus_field(f.field))
        self.findings.acknowledge_requested.connect(self._acknowledge)
        self.sign_bar = SignBar()
        self.sign_bar.sign_requested.connect(self.sign)
        self.addenda = AddendaPanel()
        self.addenda.addendum_requested.connect(self._add_addendum)
        sv.addWidget(self.units)
        sv.addWidget(hline())
        sv.addWidget(self.findings, 1)
        sv.addWidget(self.sign_bar)
        sv.addWidget(self.addenda)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([820, 420])
        self._check_timer = make_timer(self, 120, single=True)
        self._check_timer.timeout.connect(self._run_check)
        self.addenda.hide()

    def add_header_widget(self, widget: QWidget) -> None:
        """Place ``widget`` in the header, just before "Back to chart" (host composition)."""
        self._head.insertWidget(self._head.count() - 1, widget)

    # -- loading ------------------------------------------------------------------------------
    def show_note(self, note_id: uuid.UUID) -> None:
        if note_id != self.note_id:
            self.clear()
        self.note_id = note_id
        ops.open_note(self, note_id).success(self._render).run()

    def _render(self, ws: Any) -> None:
        if ws.note.id != self.note_id:
            return
        self.ws = ws
        note, visit = ws.note, ws.visit
        self.read_only = note.is_signed or note.is_voided
        self.title.setText(f"{NOTE_TYPES.get(str(note.note_type), 'Note')} · {ws.patient_name}")
        status = "Signed" if note.is_signed else "Draft — saved as you type"
        status = "Voided — kept on file, never signed" if note.is_voided else status
        self.subtitle.setText(f"{fmt_date(visit.date)}  ·  {ws.episode.discipline}  ·  {status}")
        codes = self.ctx.session.codes
        self.blocks.set_catalog(codes)
        self.untimed.set_catalog(codes)
        self.soap.set_note(note)
        self.blocks.set_rows([self._row(b) for b in note.blocks])
        self.untimed.set_services(note.untimed, self.ctx.session.code_label)
        self.total.set_value(note.total_treatment_minutes)
        self._set_read_only(self.read_only)
        self._show_check(ws.check)
        self.supplies.show_note(note.id, self.read_only)
        self.body_diagram.show_note(note.id, self.read_only)
        self._fix_tab_order()
        self.loaded.emit(note.id)

    def _row(self, block: Any) -> BlockRow:
        row = BlockRow(
            block,
            goals=self.ws.episode.goals,
            codes=self.ctx.session.codes,
            save=lambda **changes: self._save_block(block.id, **changes),
            now=self.ctx.clock.now,
        )
        row.remove_requested.connect(self._remove_block)
        row.copy_forward.connect(self.copy_forward)
        if hasattr(row.form, "set_previous"):
            row.form.set_previous(self.ws.previous)
        row.set_read_only(self.read_only)
        return row

    def _set_read_only(self, read_only: bool) -> None:
        self.dictate_button.setEnabled(not read_only)
        self.void_button.setVisible(not read_only)
        signed = self.ws is not None and self.ws.note.is_signed
        self.soap.set_read_only(read_only)
        self.blocks.set_read_only(read_only)
        self.untimed.set_read_only(read_only)
        self.total.spin.setReadOnly(read_only)
        self.findings.setEnabled(not read_only)
        self.addenda.setVisible(signed)
        if signed and self.ws is not None:
            self.addenda.show_addenda(self.ws.note.addenda)

    # -- running edits ----------------------------------------------------------------------------
    def run(self, op: CommandOp[Any], then: Any = None) -> None:
        self.saved_state.setText("Saving…")
        if then is not None:
            op.success(then)
        op.success(lambda _r: self._saved()).failure(self._failed).run()

    def _saved(self) -> None:
        self.saved_state.setText("All changes saved")
        self.request_check()

    def _failed(self, error: BaseException) -> bool:
        self.saved_state.setText("")
        self.ctx.present(error)
        if self.note_id is not None:
            self.show_note(self.note_id)  # back to what is stored
        return True

    def _save_section(self, section: str, text: str) -> None:
        if self.note_id is not None and not self.read_only:
            self.run(ops.edit_section(self, self.note_id, section, text))

    def _save_total(self, minutes: int | None) -> None:
        if self.note_id is not None and not self.read_only:
            self.run(ops.set_total_minutes(self, self.note_id, minutes))

    def _save_block(self, block_id: uuid.UUID, **changes: Any) -> None:
        if self.note_id is None or self.read_only:
            return
        then = (lambda r: self._replace_row(r.value)) if "code" in changes else None
        self.run(ops.update_block(self, self.note_id, block_id, **changes), then)

    def _replace_row(self, block: Any) -> None:
        rows = self.blocks.rows
        if block.id in rows:
            old = rows[block.id]
            new = self._row(block)
            self.blocks.rows_box.replaceWidget(old, new)
            rows[block.id] = new
            old.setParent(None)
            old.deleteLater()
            self._fix_tab_order()
            self.supplies.refresh()  # another code: the templates propose other supplies

    def add_block(self, code: str) -> None:
        if self.note_id is not None and not self.read_only:
            self.run(ops.add_block(self, self.note_id, code), lambda r: self._block_added(r.value))

    def _block_added(self, block: Any) -> None:
        row = self._row(block)
        self.blocks.add(row)
        self.supplies.refresh()
        self._fix_tab_order()
        row.start.setFocus()
        reveal(self.scroll_area, row)  # the block's code and times, even past the fold
        QTimer.singleShot(0, row, lambda: reveal(self.scroll_area, row))  # after a re-layout

    def _remove_block(self, block_id: uuid.UUID) -> None:
        if self.note_id is not None:
            self.run(
                ops.remove_block(self, self.note_id, block_id),
                lambda _r: self._block_removed(block_id),
            )

    def _block_removed(self, block_id: uuid.UUID) -> None:
        self.blocks.remove(block_id)
        self.supplies.refresh()

    def _add_untimed(self, code: str, minutes: int | None) -> None:
        if self.note_id is not None:
            # the section clears it after this slot runs; unlisted codes need it (issue 18)
            text = self.untimed.description()
            extra = {"details": {"description": text}} if text else {}
            self.run(ops.add_untimed(self, self.note_id, code, minutes=minutes, **extra),
                     self._reload)

    def _remove_untimed(self, service_id: uuid.UUID) -> None:
        if self.note_id is not None:
            self.run(ops.remove_untimed(self, self.note_id, service_id), self._reload)

    def _append_objective(self, lines: list[str]) -> None:
        """The body diagram's marks at the end of the Objective box, as if typed there: the
        box's own debounced save (and undo) applies, and its text is never replaced."""
        edit = self.soap.edits.get("objective")
        if edit is None or edit.isReadOnly():
            return
        have = set(edit.toPlainText().splitlines())
        new = [line for line in lines if line not in have]
        if not new:
            return
        if "Body diagram:" not in have:
            new.insert(0, "Body diagram:")
        cursor = edit.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        prefix = "\n" if edit.toPlainText().strip() else ""
        cursor.insertText(prefix + "\n".join(new))
        edit.setTextCursor(cursor)
        edit.setFocus()

    def _reload(self, *_: Any) -> None:
        if self.note_id is not None:
            self.show_note(self.note_id)

    def _acknowledge(self, key: str, reason: str) -> None:
        if self.note_id is not None:
            self.run(ops.acknowledge(self, self.note_id, key, reason))

    def copy_forward(self, block_id: uuid.UUID | None = None) -> bool:
        rows = [r for r in self.blocks.rows.values() if r.code == "97110"]
        if block_id is not None:
            rows = [r for r in rows if r.block_id == block_id]
        if not rows or self.read_only:
            return False
        return bool(rows[0].form.copy_forward())  # type: ignore[attr-defined]

    def sign(self) -> None:
        """Flush, re-check, confirm the one-screen summary, then sign (``SigningFlow``)."""
        self.signing.sign()

    def void(self) -> None:
        """Void this draft after asking why; it stays on file, read-only."""
        self.signing.void()

    def _signed(self, result: Any) -> None:
        if self.ctx.presenter is not None:
            self.ctx.presenter.notify("Note signed.", "Corrections from now on are addenda.")
        self.signed.emit(result.value.id)
        self._reload()

    def _add_addendum(self, text: str) -> None:
        if self.note_id is not None and self.ctx.session.clinician_id is not None:
            self.addenda.text.clear()
            self.run(
                ops.add_addendum(self, self.note_id, self.ctx.session.clinician_id, text),
                self._reload,
            )

    # -- checks ---------------------------------------------------------------------------------
    def request_check(self) -> None:
        self._check_timer.start()

    def _run_check(self) -> None:
        if self.note_id is None:
            return
        if self._check_inflight:
            self._check_again = True
            return
        self._check_inflight = True
        note_id = self.note_id
        ops.check(self, note_id).success(self._checked).failure(self._check_failed).run()

    def _check_failed(self, error: BaseException) -> bool:
        self._check_inflight = False
        return False

    def _checked(self, check: Any) -> None:
        self._check_inflight = False
        if check.note_id == self.note_id:
            self._show_check(check)
        if self._check_again:
            self._check_again = False
            self.request_check()

    def _show_check(self, check: Any) -> None:
        self.check = check
        self.units.show_check(check)
        self.findings.show_findings(check.findings)
        for row in self.blocks.rows.values():
            row.apply_findings(check.findings)
        self.blocks._summarize()
        blockers = sum(1 for f in check.findings if str(f.severity) == "block")
        warnings = sum(
            1 for f in check.findings if str(f.severity) == "warn" and not f.acknowledged
        )
        signed = None
        if self.ws is not None and self.ws.note.is_voided:
            signed = "Voided: kept on file, never signed or billed."
        elif self.ws is not None and self.ws.note.is_signed:
            note = self.ws.note
            who = next((c.label for c in self.ctx.session.clinicians if c.id == note.signed_by), "")
            signed = f"Signed {show_when(note.signed_at)} UTC by {who}".strip()
        self.sign_bar.show_state(signed=signed, blockers=blockers, warnings=warnings)
        self.checked.emit(check)

    # -- navigation and focus ------------------------------------------------------------------
    def focus_field(self, field: str) -> None:
        if field in self.soap.edits:
            self.soap.edits[field].setFocus()
            self.scroll_area.ensureWidgetVisible(self.soap.edits[field])
        elif field == "total_treatment_minutes":
            self.total.spin.setFocus()
            self.scroll_area.ensureWidgetVisible(self.total)
        elif field.startswith(("episode.", "dx", "plan")) and self.ws is not None:
            self.plan_requested.emit(self.ws.episode.id)
        elif field.startswith("visit.") and self.ws is not None:
            self.visit_requested.emit()  # date, place and time in/out of this visit
        elif m := _FIELD.match(field):
            kind, ident, attr, key = m.groups()
            row = self.blocks.rows.get(uuid.UUID(ident)) if kind == "blocks" else None
            if row is None:
                self.untimed.setFocus()
                return
            detail_key = key if attr == "details" else None
            row.focus_attr(attr or "code", detail_key)
            self.scroll_area.ensureWidgetVisible(row)

    def next_finding(self) -> None:
        count = self.findings.model.rowCount()
        if not count:
            return
        row = (self.findings.table.currentIndex().row() + 1) % count
        self.findings.table.selectRow(row)
        finding = self.findings.finding_at(row)
        if finding is not None:
            self.focus_field(finding.field)

    def focus_section(self, name: str) -> None:
        self.focus_field(name)

    def focus_add_block(self) -> None:
        if self.blocks.picker is not None and not self.read_only:
            self.blocks.picker.setFocus()
            self.scroll_area.ensureWidgetVisible(self.blocks.picker)

    def focus_add_untimed(self) -> None:
        if self.untimed.picker is not None and not self.read_only:
            self.untimed.picker.setFocus()
            self.scroll_area.ensureWidgetVisible(self.untimed.picker)

    def current_block(self) -> BlockRow | None:
        widget = QApplication.focusWidget()
        while widget is not None:
            if isinstance(widget, BlockRow):
                return widget
            widget = widget.parentWidget()
        rows = list(self.blocks.rows.values())
        return rows[-1] if rows else None

    def block_now(self, which: str) -> None:
        row = self.current_block()
        if row is not None and not self.read_only:
            row.set_now(row.start if which == "start" else row.stop)

    def _fix_tab_order(self) -> None:
        """Tab follows the note: S, O, A, P, each block's fields, untimed, total, sign."""
        chain: list[QWidget] = list(self.soap.edits.values())
        for row in self.blocks.rows.values():
            chain += row.focus_chain()
        if self.blocks.picker is not None:
            chain.append(self.blocks.picker)
        if self.untimed.picker is not None:
            chain += [self.untimed.picker, self.untimed.minutes, self.untimed.add_button]
        d = self.body_diagram
        chain += [self.total.spin, d.region, d.side, d.finding, d.severity, d.add_button,
                  d.list, d.remove_button, d.objective_button, self.findings.table,
                  self.sign_bar.button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def open_dictation(self) -> None:
        """The dictation review panel for this draft; the note reloads after each accept."""
        if self.note_id is None or self.read_only:
            return
        self.ctx.savers.flush_all()
        self.dictation = scribe_panel.open_dictation(self.ctx, self.note_id, self)
        self.dictation.note_changed.connect(self._reload)

    def _back(self) -> None:
        self.ctx.savers.flush_all()
        self.back_requested.emit()

    def location(self) -> uuid.UUID | None:
        return self.note_id

    def clear(self) -> None:
        self._check_timer.stop()
        self._check_inflight = False
        self._check_again = False
        self.note_id = None
        self.ws = None
        self.check = None
        self.signing.close()  # lock: no summary of PHI stays open
        self.title.clear()
        self.subtitle.clear()
        self.saved_state.clear()
        self.soap.clear()
        self.blocks.clear()
        self.untimed.clear()
        self.total.set_value(None)
        self.supplies.clear()
        self.body_diagram.clear()
        self.units.clear()
        self.findings.clear()
        self.sign_bar.clear()
        self.addenda.clear()
