"""The conflict resolver: both versions of a record side by side; keep one, or merge a note.

Contract: ``ConflictResolver(detail)`` renders a ``core.services.sync.ConflictDetail`` (plain
strings, built on the database worker) and never runs SQL itself. For a note the columns are
the four SOAP sections and the timed services; a third column holds the merged text, prefilled
with this device's version and editable. The buttons emit ``chosen(choice, merged, keep)``
(``choice`` is "local", "remote" or "merged"); ``apply_choice`` runs the resolve op and
``accept()``s when it succeeds. A ``sign_race`` conflict offers only "Acknowledge".
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.services.sync import ConflictDetail
from core.sync.resolve import Choice
from desktop.sync import ops

NOTE_SECTIONS = ("subjective", "objective", "assessment", "plan")
_EXPLAIN = {
    "draft": "This record was changed on two devices before they synced. Nothing is lost: "
    "both versions are kept. Choose one, or write the merged text.",
    "sign_race": "This note was signed on two devices at once. The other signature was "
    "accepted by the server; your signed copy stays here and both are in the history. Any "
    "difference was kept as an addendum draft.",
}


def _box(text: str, *, editable: bool = False, name: str = "") -> QPlainTextEdit:
    box = QPlainTextEdit(text)
    box.setReadOnly(not editable)
    box.setObjectName(name)
    box.setMinimumHeight(60)
    return box


class ConflictResolver(QDialog):
    chosen = Signal(str, object, object)  # choice, merged sections | None, kept version | None

    def __init__(self, detail: ConflictDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail = detail
        self.setWindowTitle("Resolve a sync conflict")
        layout = QVBoxLayout(self)
        explain = QLabel(_EXPLAIN.get(detail.kind, ""))
        explain.setWordWrap(True)
        layout.addWidget(explain)
        self.other_picker = QComboBox()
        for i, other in enumerate(detail.others):
            self.other_picker.addItem(
                f"Other version {i + 1} (from {other.device[:8] or '?'})", other.version_id
            )
        self.other_picker.setVisible(len(detail.others) > 1)
        self.other_picker.currentIndexChanged.connect(self._show_other)
        layout.addWidget(self.other_picker)
        self.grid = QGridLayout()
        layout.addLayout(self.grid)
        self.local_boxes: dict[str, QPlainTextEdit] = {}
        self.other_boxes: dict[str, QPlainTextEdit] = {}
        self.merged_boxes: dict[str, QPlainTextEdit] = {}
        self._build_grid()
        self.buttons = QDialogButtonBox()
        self.keep_local = self._button("Keep this device's version", "keepLocal", "local")
        self.keep_remote = self._button("Keep the other version", "keepRemote", "remote")
        self.save_merged = self._button("Save merged text", "saveMerged", "merged")
        if detail.kind == "sign_race":
            self.keep_local.setText("Acknowledge")
            self.keep_remote.hide()
            self.save_merged.hide()
        elif detail.entity != "note":
            self.save_merged.hide()
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel).clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)

    def _fields(self) -> list[str]:
        names: list[str] = []
        for view in [self.detail.local, *self.detail.others]:
            if view is not None:
                names += [k for k in view.fields if k not in names]
        return names

    def _build_grid(self) -> None:
        self.grid.addWidget(QLabel("<b>This device</b>"), 0, 1)
        self.grid.addWidget(QLabel("<b>Other device</b>"), 0, 2)
        is_note = self.detail.entity == "note" and self.detail.kind == "draft"
        if is_note:
            self.grid.addWidget(QLabel("<b>Merged</b>"), 0, 3)
        local = self.detail.local.fields if self.detail.local else {}
        for row, name in enumerate(self._fields(), start=1):
            self.grid.addWidget(QLabel(name.capitalize()), row, 0)
            self.local_boxes[name] = _box(local.get(name, ""), name=f"local_{name}")
            self.other_boxes[name] = _box("", name=f"other_{name}")
            self.grid.addWidget(self.local_boxes[name], row, 1)
            self.grid.addWidget(self.other_boxes[name], row, 2)
            if is_note and name in NOTE_SECTIONS:
                self.merged_boxes[name] = _box(
                    local.get(name, ""), editable=True, name=f"merged_{name}"
                )
                self.grid.addWidget(self.merged_boxes[name], row, 3)
        self._show_other(0)

    def _show_other(self, index: int) -> None:
        if not self.detail.others:
            return
        other = self.detail.others[max(0, index)]
        for name, box in self.other_boxes.items():
            box.setPlainText(other.fields.get(name, ""))

    def _button(self, text: str, name: str, choice: Choice) -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.setObjectName(name)
        button.clicked.connect(lambda: self._choose(choice))
        return button

    def merged_text(self) -> dict[str, str]:
        return {name: box.toPlainText() for name, box in self.merged_boxes.items()}

    def _choose(self, choice: Choice) -> None:
        keep: uuid.UUID | None = self.other_picker.currentData() if self.detail.others else None
        merged = self.merged_text() if choice == "merged" else None
        self.chosen.emit(choice, merged, keep if choice == "remote" else None)
        self.apply_choice(choice, merged, keep if choice == "remote" else None)

    def apply_choice(
        self, choice: Choice, merged: dict[str, str] | None, keep: uuid.UUID | None
    ) -> None:
        def failed(error: BaseException) -> bool:
            self.error.setText(str(error))
            return False  # the app's presenter shows it too

        ops.resolve(self, self.detail.conflict_id, choice, merged=merged, keep=keep).success(
            lambda _result: self.accept()
        ).failure(failed).run()


class AddendumDraftsPanel(QWidget):
    """Rescued text waiting for the clinician: file it as an addendum (edited or not), or
    dismiss it (it stays in the chart). ``set_drafts`` renders rows from
    ``core.services.sync.list_addendum_drafts``; ``author_id`` is the signed-in clinician."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.author_id: uuid.UUID | None = None
        self.layout_ = QVBoxLayout(self)
        self.empty = QLabel("No addendum drafts from sync.")
        self.layout_.addWidget(self.empty)
        self.rows: list[tuple[dict[str, Any], QPlainTextEdit]] = []

    def refresh(self) -> None:
        ops.addendum_drafts(self).success(self.set_drafts).run()

    def set_drafts(self, drafts: list[dict[str, Any]]) -> None:
        while self.layout_.count() > 1:
            item = self.layout_.takeAt(1)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = []
        self.empty.setVisible(not drafts)
        for draft in drafts:
            card = QWidget(self)
            grid = QGridLayout(card)
            why = {
                "note_signed": "An edit made after the note was signed elsewhere",
                "concurrent_edit": "An edit made on another device while you signed",
                "sign_race": "Your signature, which another device's signature beat",
            }
            grid.addWidget(QLabel(why.get(draft["reason"], "Rescued text")), 0, 0, 1, 2)
            box = _box(draft["text"], editable=True, name="draftText")
            grid.addWidget(box, 1, 0, 1, 2)
            file_button = QPushButton("Add as addendum")
            file_button.setObjectName("fileDraft")
            dismiss = QPushButton("Dismiss")
            dismiss.setObjectName("dismissDraft")
            grid.addWidget(file_button, 2, 0)
            grid.addWidget(dismiss, 2, 1)
            file_button.clicked.connect(lambda _=False, d=draft, b=box: self._file(d, b))
            dismiss.clicked.connect(lambda _=False, d=draft: self._dismiss(d))
            self.layout_.addWidget(card)
            self.rows.append((draft, box))

    def _file(self, draft: dict[str, Any], box: QPlainTextEdit) -> None:
        if self.author_id is None:
            return
        ops.file_addendum_draft(self, draft["id"], self.author_id, box.toPlainText()).success(
            lambda _r: self.refresh()
        ).run()

    def _dismiss(self, draft: dict[str, Any]) -> None:
        ops.dismiss_addendum_draft(self, draft["id"]).success(lambda _r: self.refresh()).run()
