"""The Sync page: every open conflict and notice, each a card a clinician can read and settle.

Contract: ``SyncReviewPage.refresh()`` reads ``core.services.sync.conflict_summaries`` through
the database worker and renders one card per item (decisions first): its title, the record's
summary ("Patient Brambleworth, Pat (1970-01-01)"), the values on each side and which device
wrote each version when. A notice (an automatic merge, a restored server log) has
*Acknowledge*; a delete against an edit has *Keep the record* / *Delete it*; a note edited or
signed on two devices has *Compare…*, which emits ``open_conflict(conflict_id)`` for the
owner to show the ``ConflictResolver``; a record's card has *History…* (every version: who
changed which fields, when; audited as a view). ``changed`` is emitted after every action.
GUI thread only; no SQL; nothing here is logged (the cards show record content on screen).
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.services.sync import ConflictSummary, HistoryEntry
from core.sync.resolve import Choice
from desktop.sync import ops


class SyncReviewPage(QWidget):
    open_conflict = Signal(object)  # uuid.UUID of a draft / sign_race conflict
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[ConflictSummary] = []
        self.history_dialog: QDialog | None = None
        self.cards: dict[uuid.UUID, QFrame] = {}
        outer = QVBoxLayout(self)
        self.heading = QLabel("Nothing from sync needs you.")
        self.heading.setObjectName("syncReviewHeading")
        self.heading.setWordWrap(True)
        outer.addWidget(self.heading)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        self.body = QWidget()
        self.list = QVBoxLayout(self.body)
        self.list.addStretch(1)
        scroll.setWidget(self.body)
        outer.addWidget(scroll, 1)
        self.error = QLabel("")
        self.error.setObjectName("syncReviewError")
        self.error.setWordWrap(True)
        outer.addWidget(self.error)

    def refresh(self) -> None:
        ops.summaries(self).success(self.set_items).run()

    def set_items(self, items: list[ConflictSummary]) -> None:
        for card in self.cards.values():
            self.list.removeWidget(card)
            card.deleteLater()
        self.cards = {}
        self.items = list(items)
        decisions = sum(1 for i in items if i.needs_decision)
        notices = len(items) - decisions
        if not items:
            self.heading.setText("Nothing from sync needs you.")
        else:
            self.heading.setText(
                f"{decisions} record(s) need a decision · {notices} notice(s) to read. "
                "Nothing is lost: every version stays in the record's history."
            )
        for item in items:
            card = self._card(item)
            self.list.insertWidget(self.list.count() - 1, card)
            self.cards[item.conflict_id] = card

    def _card(self, item: ConflictSummary) -> QFrame:
        card = QFrame(self.body)
        card.setObjectName("syncReviewCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        v = QVBoxLayout(card)
        title = QLabel(f"<b>{_esc(item.title)}</b>")
        title.setObjectName("cardTitle")
        v.addWidget(title)
        record = QLabel(item.record)
        record.setObjectName("cardRecord")
        v.addWidget(record)
        for line in item.lines:
            label = QLabel(line)
            label.setWordWrap(True)
            label.setObjectName("cardLine")
            v.addWidget(label)
        buttons = QHBoxLayout()
        for text, name, action in self._actions(item):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(lambda _=False, a=action: a())
            buttons.addWidget(button)
        buttons.addStretch(1)
        v.addLayout(buttons)
        return card

    def _actions(self, item: ConflictSummary) -> list[tuple[str, str, Any]]:
        cid = item.conflict_id
        if item.kind == "delete_edit":
            return [
                ("Keep the record", "keepRecord", lambda: self._resolve(cid, "local")),
                ("Delete it", "deleteRecord", lambda: self._resolve(cid, "remote")),
            ]
        history = ("History…", "history", lambda: self.show_history(item))
        if item.needs_decision:
            return [("Compare…", "compare", lambda: self.open_conflict.emit(cid)), history]
        if item.kind == "log_restored":
            return [("Acknowledge", "acknowledge", lambda: self._acknowledge(cid))]
        return [("Acknowledge", "acknowledge", lambda: self._acknowledge(cid)), history]

    def show_history(self, item: ConflictSummary) -> None:
        """Every version of the item's record in a dialog (who changed which fields, when)."""
        ops.history(self, item.record_id).success(
            lambda entries: self._history_dialog(item, entries)
        ).failure(self._failed).run()

    def _history_dialog(self, item: ConflictSummary, entries: list[HistoryEntry]) -> None:
        lines = []
        for e in entries:
            where = "on the server" if e.on_server else "not sent yet"
            lines.append(f"{e.at}  {e.kind} by {e.device} ({where})  {e.summary}")
            lines.append(f"    changed: {', '.join(e.changed) or 'nothing'}")
        dialog = QDialog(self)
        dialog.setObjectName("recordHistory")
        dialog.setWindowTitle(f"History: {item.record}")
        dialog.resize(720, 420)
        v = QVBoxLayout(dialog)
        text = QPlainTextEdit("\n".join(lines))
        text.setObjectName("historyText")
        text.setReadOnly(True)
        v.addWidget(text, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(dialog.reject)
        v.addWidget(close)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.history_dialog = dialog
        dialog.open()

    def _failed(self, error: BaseException) -> bool:
        self.error.setText(str(error))
        return False  # the app's presenter shows it too

    def _done(self, _result: Any = None) -> None:
        self.error.setText("")
        self.changed.emit()
        self.refresh()

    def _acknowledge(self, cid: uuid.UUID) -> None:
        ops.acknowledge(self, cid).success(self._done).failure(self._failed).run()

    def _resolve(self, cid: uuid.UUID, choice: Choice) -> None:
        ops.resolve(self, cid, choice).success(self._done).failure(self._failed).run()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
