"""Every keyboard shortcut in one table: the menus, Help > Shortcuts and docs/desktop.md all
read it, so they cannot disagree. ``ShortcutsDialog`` renders it (F1).

Every key sequence appears once (a test checks it): Qt treats two enabled actions with the
same keys as ambiguous and fires neither. Ctrl+1…4 switch pages (as in browsers and mail
clients); the note's section jumps are Alt+1…4."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import heading


@dataclass(frozen=True, slots=True)
class Shortcut:
    id: str
    keys: str  # QKeySequence portable text
    label: str
    area: str


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("find_patient", "Ctrl+F", "Find a patient (search box)", "Patients"),
    Shortcut("new_patient", "Ctrl+Shift+N", "New patient", "Patients"),
    Shortcut("new_note", "Ctrl+N", "New daily note for the open patient", "Patients"),
    Shortcut("plan_of_care", "Ctrl+Shift+P", "Plan of care of the open episode", "Patients"),
    Shortcut("back", "Alt+Left", "Back to the patient chart", "Patients"),
    Shortcut("record_measure", "Ctrl+M", "Record an outcome measure (open patient)", "Patients"),
    Shortcut("section_s", "Alt+1", "Jump to Subjective", "Note"),
    Shortcut("section_o", "Alt+2", "Jump to Objective", "Note"),
    Shortcut("section_a", "Alt+3", "Jump to Assessment", "Note"),
    Shortcut("section_p", "Alt+4", "Jump to Plan", "Note"),
    Shortcut("add_block", "Ctrl+B", "Add a timed block (pick the code)", "Note"),
    Shortcut("start_now", "Ctrl+T", "Start the current block now", "Note"),
    Shortcut("stop_now", "Ctrl+Shift+T", "Stop the current block now", "Note"),
    Shortcut("add_untimed", "Ctrl+U", "Add an untimed service", "Note"),
    Shortcut("copy_forward", "Ctrl+Shift+C", "Copy forward last visit's exercises", "Note"),
    Shortcut("next_finding", "F8", "Go to the next finding", "Note"),
    Shortcut("dictate", "Ctrl+D", "Dictate into the open draft note (review panel)", "Note"),
    Shortcut("sign", "Ctrl+Return", "Sign the note", "Note"),
    Shortcut("addendum", "Ctrl+Shift+A", "Add an addendum (signed note)", "Note"),
    Shortcut("page_patients", "Ctrl+1", "Patients: list, chart and notes", "View"),
    Shortcut("page_dashboard", "Ctrl+2", "Dashboard: what needs doing", "View"),
    Shortcut("page_mileage", "Ctrl+3", "Mileage log", "View"),
    Shortcut("page_reports", "Ctrl+4", "Reports: revenue, visits, units", "View"),
    Shortcut("page_inventory", "Ctrl+5", "Inventory: supplies on hand, low stock", "View"),
    Shortcut("page_schedule", "Ctrl+6", "Schedule: the day or week grid", "View"),
    Shortcut("lock", "Ctrl+L", "Lock the chart now", "Chart"),
    Shortcut("preferences", "Ctrl+,", "Preferences (auto-lock, smart phrases)", "Chart"),
    Shortcut("shortcuts", "F1", "This list of shortcuts", "Help"),
    Shortcut("quit", "Ctrl+Q", "Quit (everything is already saved)", "Chart"),
)
BY_ID = {s.id: s for s in SHORTCUTS}


def keys(shortcut_id: str) -> QKeySequence:
    return QKeySequence(BY_ID[shortcut_id].keys)


def native(shortcut_id: str) -> str:
    return keys(shortcut_id).toString(QKeySequence.SequenceFormat.NativeText)


def markdown_table() -> str:
    """The table for docs/desktop.md (kept in sync by a test)."""
    lines = ["| Keys | Action | Where |", "|---|---|---|"]
    lines += [f"| {s.keys} | {s.label} | {s.area} |" for s in SHORTCUTS]
    return "\n".join(lines)


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(520, 560)
        v = QVBoxLayout(self)
        v.addWidget(heading("Keyboard shortcuts", 2))
        self.table = QTableWidget(len(SHORTCUTS), 3)
        self.table.setHorizontalHeaderLabels(["Keys", "Action", "Where"])
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, s in enumerate(SHORTCUTS):
            self.table.setItem(row, 0, QTableWidgetItem(native(s.id)))
            self.table.setItem(row, 1, QTableWidgetItem(s.label))
            self.table.setItem(row, 2, QTableWidgetItem(s.area))
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnToContents(0)
        v.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        v.addWidget(buttons)
