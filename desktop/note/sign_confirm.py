"""Guardrails around a note's end: the one-screen summary confirmed before signing, and voiding
a draft started by mistake.

Contract:
- ``summary_lines(...)`` (plain values in, text out) lists what the signature will freeze:
  each timed service with its times, minutes, side and goals; untimed services; units under
  the payer's method; total treatment time; warnings not acknowledged.
- ``SignConfirmDialog`` shows them on one screen; *Sign note* (the default button, so
  Ctrl+Enter then Enter signs from the keyboard) accepts, *Keep editing* rejects. The host
  signs only on ``accepted``. Every warning not yet acknowledged is listed with a reason
  field; *Sign note* stays off until each has a reason the core accepts
  (``core.domain.visit.ack_reason_problem``). ``acknowledgements()`` maps each warning's key
  to its reason: the host signs with them, and the core stores them on the note and audits
  them in the signing transaction (an unacknowledged warning stops the signature).
- ``SigningFlow`` runs them for the ``NoteEditor``: Sign flushes pending text, re-checks on
  the worker, and shows the summary only while no block finding stands.
- ``VoidDialog`` asks why (one of ``core.domain.visit.VOID_REASONS``, never free text: the
  reason goes into the audit log) and says what voiding does; the host runs the op.
- GUI thread only; no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.domain.visit import VOID_REASONS, ack_reason_problem
from desktop.models.lists import goal_labels
from desktop.note.blocks import BlockRow
from desktop.note.side_panel import units_text
from desktop.ops import notes as ops
from desktop.typed_values import clock_time
from desktop.widgets import heading, label, named


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """One service as the summary shows it."""

    code: str
    label: str
    start: str = ""  # "09:00"
    stop: str = ""
    minutes: int | None = None
    side: str = ""  # "Right", "" when not chosen
    goals: tuple[str, ...] = ()  # "STG 1"
    timed: bool = True


def _service_text(s: ServiceLine) -> str:
    parts = [f"{s.code} · {s.label}" if s.label else s.code]
    if s.timed:
        times = f"{s.start or '--:--'}–{s.stop or '--:--'}"
        parts.append(f"{times} ({s.minutes} min)" if s.minutes is not None else times)
    elif s.minutes:
        parts.append(f"{s.minutes} min")
    parts.append(s.side or "side not set")
    parts.append(", ".join(s.goals) if s.goals else "no goal linked")
    return "  ·  ".join(parts)


def summary_lines(
    services: Sequence[ServiceLine],
    *,
    units: str,
    total_minutes: int | None,
    warnings: int,
) -> list[str]:
    """The lines of the confirmation, top to bottom."""
    lines = [_service_text(s) for s in services] or ["No services recorded: nothing to bill."]
    lines.append(f"Units: {units}")
    lines.append(
        f"Total treatment time: {total_minutes} min" if total_minutes else
        "Total treatment time: not entered"
    )
    if warnings:
        lines.append(f"{warnings} warning{'s' if warnings != 1 else ''} to acknowledge below.")
    return lines


class SignConfirmDialog(QDialog):
    """The one-screen summary, and a reason field for each warning not yet acknowledged
    (``warnings``: ``Finding``-like objects with ``key``, ``message`` and ``fix``)."""

    def __init__(
        self,
        title: str,
        lines: Sequence[str],
        parent: QWidget | None = None,
        warnings: Sequence[Any] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signConfirm")
        self.setWindowTitle("Sign this note?")
        self.setMinimumWidth(520)
        v = QVBoxLayout(self)
        v.addWidget(heading("Sign this note?", 2))
        v.addWidget(label(title, "muted", wrap=True))
        self.summary = named(QLabel("\n".join(lines)), "signSummary")
        self.summary.setWordWrap(True)
        v.addWidget(self.summary)
        self.ack_edits: dict[str, QLineEdit] = {}
        self.ack_hint = label("", "hint", wrap=True, name="signAckHint")
        if warnings:
            v.addWidget(self._acknowledgement_area(warnings))
            v.addWidget(self.ack_hint)
        v.addWidget(label("A signed note never changes; corrections are addenda.", "hint"))
        self.buttons = QDialogButtonBox()
        self.sign_button = self.buttons.addButton(
            "Sign note", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sign_button.setObjectName("confirmSign")
        self.sign_button.setDefault(True)
        self.buttons.addButton("Keep editing", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._accept_if_ready)
        self.buttons.rejected.connect(self.reject)
        v.addWidget(self.buttons)
        self._update_ready()

    def _acknowledgement_area(self, warnings: Sequence[Any]) -> QWidget:
        body = QWidget()
        col = QVBoxLayout(body)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(heading("Acknowledge each warning", 3))
        for i, finding in enumerate(warnings):
            if finding.key in self.ack_edits:
                continue
            text = label(f"⚠ {finding.message}", "", wrap=True, name=f"signAckMessage{i}")
            text.setToolTip(f"How to fix: {finding.fix}")
            edit = named(QLineEdit(), f"signAckReason{i}")
            edit.setPlaceholderText("Why this warning does not stop the note…")
            edit.setAccessibleName(f"Reason for: {finding.message}")
            edit.setToolTip("Kept with the signed note. Do not type patient identifiers.")
            edit.textChanged.connect(self._update_ready)
            text.setBuddy(edit)
            col.addWidget(text)
            col.addWidget(edit)
            self.ack_edits[finding.key] = edit
        if len(self.ack_edits) <= 3:
            return body
        scroll = QScrollArea()
        scroll.setObjectName("signAckScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.setMinimumHeight(220)
        scroll.setMaximumHeight(360)
        return scroll

    def missing_reasons(self) -> list[str]:
        """Keys of the warnings whose reason the core would refuse (empty, too short…)."""
        return [k for k, e in self.ack_edits.items() if ack_reason_problem(e.text())]

    def acknowledgements(self) -> dict[str, str]:
        """Finding key → the reason typed for it (what the host signs with)."""
        return {k: " ".join(e.text().split()) for k, e in self.ack_edits.items()}

    def _update_ready(self) -> None:
        missing = self.missing_reasons()
        self.sign_button.setEnabled(not missing)
        if not self.ack_edits:
            return
        if missing:
            first = self.ack_edits[missing[0]]
            why = ack_reason_problem(first.text()) or ""
            n = len(missing)
            self.ack_hint.setText(
                f"{n} warning{'s' if n != 1 else ''} still need{'' if n != 1 else 's'} a "
                f"reason before signing. {why}")
        else:
            self.ack_hint.setText("Each warning has a reason; they are kept with the note.")

    def _accept_if_ready(self) -> None:
        if not self.missing_reasons():
            self.accept()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.sign_button.setDefault(True)  # the button box picks its own default when shown
        missing = self.missing_reasons()
        if missing:
            self.ack_edits[missing[0]].setFocus()
        else:
            self.sign_button.setFocus()


class VoidDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voidNote")
        self.setWindowTitle("Void this draft?")
        v = QVBoxLayout(self)
        v.addWidget(heading("Void this draft?", 2))
        v.addWidget(label(
            "The note stays on file, read-only, with who voided it and when in the audit log. "
            "It is never signed or billed, and the rules no longer count it.", "", wrap=True))
        self.reason = named(QComboBox(), "voidReason")
        self.reason.addItems(VOID_REASONS)
        v.addWidget(self.reason)
        self.buttons = QDialogButtonBox()
        self.void_button = self.buttons.addButton(
            "Void note", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.void_button.setObjectName("confirmVoid")
        self.buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        v.addWidget(self.buttons)

    def chosen_reason(self) -> str:
        return self.reason.currentText()



def services_of(
    rows: Sequence[BlockRow],
    untimed: Sequence[Any],
    goals: Sequence[Any],
    code_label: Callable[[str], str],
) -> list[ServiceLine]:
    """The summary's service lines from the editor's rows (their current values) and the
    note's untimed services."""
    names = goal_labels(list(goals))
    out = []
    for row in rows:
        start, stop = row.times()
        out.append(ServiceLine(
            code=row.code, label=code_label(row.code),
            start=clock_time(start), stop=clock_time(stop), minutes=row.minutes_value(),
            side=row.side.currentText() if row.laterality() else "",
            goals=tuple(names.get(g, "goal") for g in row.goal_ids()),
        ))
    for s in untimed:
        side = str(s.laterality or "").replace("_", " ").capitalize()
        out.append(ServiceLine(
            code=s.code, label=code_label(s.code), minutes=s.minutes, side=side,
            goals=tuple(names.get(g, "goal") for g in s.goal_ids), timed=False,
        ))
    return out


class SigningFlow:
    """The editor's sign and void actions (``NoteEditor.sign`` / ``void`` delegate here)."""

    def __init__(self, editor: Any) -> None:
        self.editor = editor
        self.dialog: SignConfirmDialog | VoidDialog | None = None

    def sign(self) -> None:
        e = self.editor
        if e.note_id is None or e.read_only or not e.sign_bar.button.isEnabled():
            return
        if e.ctx.session.clinician_id is None:
            return
        e.ctx.savers.flush_all()  # the last keystrokes are saved before the signature
        note_id = e.note_id
        ops.check(e, note_id).success(lambda c: self._confirm(note_id, c)).run()

    def _confirm(self, note_id: uuid.UUID, check: Any) -> None:
        e = self.editor
        if note_id != e.note_id or e.read_only or e.ws is None:
            return
        e._show_check(check)
        if not e.sign_bar.button.isEnabled():
            return  # a block finding stands after the last edits
        warnings = [f for f in check.findings
                    if str(f.severity) == "warn" and not f.acknowledged]
        services = services_of(list(e.blocks.rows.values()), e.ws.note.untimed,
                               e.ws.episode.goals, e.ctx.session.code_label)
        lines = summary_lines(services, units=units_text(check.units),
                              total_minutes=e.total.spin.value() or None,
                              warnings=len(warnings))
        dialog = SignConfirmDialog(f"{e.title.text()} · {e.subtitle.text()}", lines, e,
                                   warnings=warnings)
        dialog.accepted.connect(lambda: self._sign_now(note_id, dialog.acknowledgements()))
        self._show(dialog)

    def _sign_now(self, note_id: uuid.UUID, acknowledgements: dict[str, str]) -> None:
        e = self.editor
        clinician = e.ctx.session.clinician_id
        if note_id == e.note_id and not e.read_only and clinician is not None:
            e.run(ops.sign(e, note_id, clinician, acknowledgements), e._signed)

    def void(self) -> None:
        e = self.editor
        if e.note_id is None or e.read_only:
            return
        e.ctx.savers.flush_all()
        note_id = e.note_id
        dialog = VoidDialog(e)
        dialog.accepted.connect(
            lambda: e.run(ops.void_note(e, note_id, dialog.chosen_reason()), e._reload)
        )
        self._show(dialog)

    def _show(self, dialog: SignConfirmDialog | VoidDialog) -> None:
        self.close()
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._finished(dialog))
        dialog.open()

    def _finished(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()  # after its accepted/rejected handlers have run

    def close(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.reject()  # its finished handler deletes it
