"""The review panel's three views: the transcript, the draft (rows to accept) and the flags.

Contract: each view renders plain values (``scribe.Draft``, ``review.ReviewRow``,
``scribe.Flag``) and reports clicks as signals carrying the moment to seek to; none does I/O
or decides anything. Severity colours are ``desktop.models.note_models.SEVERITY_COLOR`` (the
note editor's findings use the same). GUI thread only.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from desktop.models.note_models import SEVERITY_COLOR, SEVERITY_LABEL
from desktop.scribe_panel.review import (
    LOW_CONFIDENCE,
    SECTION_TITLE,
    ReviewRow,
    clock,
    describe_item,
    word_sentence,
)
from scribe.draft import Draft
from scribe.flags import Flag

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
SECONDS_ROLE = Qt.ItemDataRole.UserRole + 2
LOW_CONFIDENCE_BG = "#fdecc8"
ACCEPTED = QBrush(QColor("#2e7d4f"))
MUTED = QBrush(QColor("#5f6b7a"))


class TranscriptView(QTextBrowser):
    """The recognizer's words by sentence; weak words highlighted; a click seeks."""

    word_clicked = Signal(int, float)  # word index, seconds

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dictationTranscript")
        self.setOpenLinks(False)
        self.document().setDefaultStyleSheet(
            "a { color: #1f2a37; text-decoration: none; } "
            f".low {{ background-color: {LOW_CONFIDENCE_BG}; }} "
            ".time { color: #6b7785; } .heading { color: #6b7785; font-style: italic; }"
        )
        self.anchorClicked.connect(self._clicked)
        self._starts: list[float] = []
        self.low_words: list[int] = []

    def set_draft(self, draft: Draft | None) -> None:
        self._starts = []
        self.low_words = []
        if draft is None:
            self.clear()
            return
        words = draft.transcript.words
        owner = word_sentence(draft)
        self._starts = [float(w.start) for w in words]
        paragraphs: list[str] = []
        current: str | None = "-"
        parts: list[str] = []
        for index, word in enumerate(words):
            sid = owner.get(index)
            if sid != current:
                if parts:
                    paragraphs.append("".join(parts) + "</p>")
                parts = [f"<p><span class='time'>{clock(word.start)}</span>&nbsp; "]
                current = sid
            text = html.escape(word.text)
            css = "heading" if sid is None else ""
            if word.probability < LOW_CONFIDENCE:
                css += " low"
                self.low_words.append(index)
            space = "" if word.glued else " "
            parts.append(f"{space}<a href='w:{index}' class='{css.strip()}'>{text}</a>")
        if parts:
            paragraphs.append("".join(parts) + "</p>")
        self.setHtml("".join(paragraphs))

    def append_live(self, seconds: float, text: str) -> None:
        """A piece heard while recording (replaced by the full draft when it is ready)."""
        self.append(f"<p><span class='time'>{clock(seconds)}</span>&nbsp; {html.escape(text)}</p>")

    def _clicked(self, url: QUrl) -> None:
        target = url.toString()
        if target.startswith("w:"):
            index = int(target[2:])
            if 0 <= index < len(self._starts):
                self.word_clicked.emit(index, self._starts[index])


class DraftTree(QTreeWidget):
    """Sections → sentences (→ how each item was read), then the suggested timed blocks."""

    row_clicked = Signal(str, float)  # row key, seconds
    row_edited = Signal(str, str)  # row key, the clinician's text (F2 or a click on a selected row)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dictationDraft")
        self.setColumnCount(3)
        self.setHeaderLabels(["Draft", "Check", "In the note"])
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.items_by_key: dict[str, QTreeWidgetItem] = {}
        self._filling = False
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.SelectedClicked)
        self.itemClicked.connect(self._clicked)
        self.itemChanged.connect(self._changed)

    def set_rows(self, rows: Sequence[ReviewRow]) -> None:
        self._filling = True
        try:
            self._fill(rows)
        finally:
            self._filling = False

    def _fill(self, rows: Sequence[ReviewRow]) -> None:
        self.clear()
        self.items_by_key = {}
        groups: dict[str, QTreeWidgetItem] = {}
        bold = QFont()
        bold.setBold(True)
        for row in rows:
            group_name = SECTION_TITLE.get(row.section, "Timed services — confirm each")
            group = groups.get(group_name)
            if group is None:
                group = QTreeWidgetItem(self, [group_name])
                group.setFont(0, bold)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setExpanded(True)
                groups[group_name] = group
            item = QTreeWidgetItem(group, [row.text, "", ""])
            if row.kind == "sentence":  # the clinician may reword it before accepting
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            item.setData(0, KEY_ROLE, row.key)
            item.setData(0, SECONDS_ROLE, float(row.span.start))
            item.setToolTip(0, f"{clock(row.span.start)}–{clock(row.span.end)} · heard: "
                               f"“{row.span.text}”")
            self._show_check(item, row)
            for found in row.items:
                child = QTreeWidgetItem(item, [describe_item(found)])
                child.setData(0, KEY_ROLE, row.key)
                child.setData(0, SECONDS_ROLE, float(found.span.start))
                child.setForeground(0, MUTED)
                child.setToolTip(0, f"{clock(found.span.start)} · heard: “{found.span.text}”")
            item.setExpanded(False)
            self.items_by_key[row.key] = item

    @staticmethod
    def _show_check(item: QTreeWidgetItem, row: ReviewRow) -> None:
        severity = row.severity
        item.setText(1, SEVERITY_LABEL[severity] if severity is not None else "")
        if severity is not None:
            item.setForeground(1, QBrush(QColor(SEVERITY_COLOR[severity])))
        item.setToolTip(1, "\n".join(f.message for f in row.flags))

    def update_row(self, row: ReviewRow) -> None:
        """Show an edited row: its text and its check (not a user edit: no ``row_edited``)."""
        item = self.items_by_key.get(row.key)
        if item is None:
            return
        self._filling = True
        try:
            item.setText(0, row.text)
            self._show_check(item, row)
        finally:
            self._filling = False

    def _changed(self, item: QTreeWidgetItem, column: int) -> None:
        key = item.data(0, KEY_ROLE)
        if self._filling or column != 0 or not key or self.items_by_key.get(key) is not item:
            return
        self.row_edited.emit(key, item.text(0))

    def mark(self, key: str, text: str) -> None:
        item = self.items_by_key.get(key)
        if item is not None:
            self._filling = True
            try:
                item.setText(2, text)
                item.setForeground(2, ACCEPTED)
            finally:
                self._filling = False

    def status(self, key: str) -> str:
        item = self.items_by_key.get(key)
        return item.text(2) if item is not None else ""

    def selected_keys(self) -> list[str]:
        keys = [i.data(0, KEY_ROLE) for i in self.selectedItems()]
        return list(dict.fromkeys(k for k in keys if k))

    def select_key(self, key: str) -> None:
        item = self.items_by_key.get(key)
        if item is not None:
            self.setCurrentItem(item)
            self.scrollToItem(item)

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.row_clicked.emit(key, float(item.data(0, SECONDS_ROLE)))


class FlagList(QListWidget):
    """Every flag, most severe first, in its severity colour; a click seeks to its span."""

    flag_clicked = Signal(object)  # Flag

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dictationFlags")
        self.setWordWrap(True)
        self.itemClicked.connect(
            lambda item: self.flag_clicked.emit(item.data(Qt.ItemDataRole.UserRole)))

    def set_flags(self, flags: Iterable[Flag]) -> None:
        self.clear()
        order = {"block": 0, "warn": 1, "info": 2}
        for flag in sorted(flags, key=lambda f: order[str(f.severity)]):
            severity = str(flag.severity)
            when = f"{clock(flag.span.start)}  " if flag.span is not None else ""
            item = QListWidgetItem(f"{SEVERITY_LABEL[severity]} · {when}{flag.message}")
            item.setForeground(QBrush(QColor(SEVERITY_COLOR[severity])))
            item.setData(Qt.ItemDataRole.UserRole, flag)
            item.setToolTip(flag.code)
            self.addItem(item)
