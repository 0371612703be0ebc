"""Creating a chart: passphrase twice (with a strength hint), then the recovery key shown once
(copy / print), then a check that the user kept it (retype its last group).

A view with four pages. It validates what it can locally (the two passphrases match, the
strength rule of ``core.storage.keys``) and emits ``create_requested(path, passphrase,
demo)``; the chart flow runs the creation on the database worker and calls
``show_working`` / ``show_recovery_key`` / ``show_error``. ``completed`` fires after the
confirmation (for the demo chart, after the key was shown). The passphrase lives only in the
line edits and is cleared as soon as it was handed over.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QPagedPaintDevice, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import Busy, CenteredCard, Pages, heading, label, named

PAGE_PASSPHRASE, PAGE_WORKING, PAGE_KEY, PAGE_CONFIRM = range(4)


def key_sheet_html(chart_name: str, key: str) -> str:
    """The printed recovery-key sheet: the chart file's name and the key, nothing else."""
    return (
        "<h2>Chartside recovery key</h2>"
        f"<p>Chart file: {html.escape(chart_name)}</p>"
        f"<p style='font-family:monospace;font-size:18pt'>{html.escape(key)}</p>"
        "<p>Keep this page somewhere safe, away from the computer. It opens the chart if "
        "the passphrase is forgotten.</p>"
    )


class CreateChartScreen(CenteredCard):
    create_requested = Signal(Path, str, bool)
    cancelled = Signal()
    completed = Signal(bool)  # demo?
    key_copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, width=560)
        self.setObjectName("createChartScreen")
        self.path = Path()
        self.demo = False
        self._recovery = ""
        self.pages = Pages()
        self.body.addWidget(self.pages)
        self.pages.addWidget(self._passphrase_page())
        self.pages.addWidget(self._working_page())
        self.pages.addWidget(self._key_page())
        self.pages.addWidget(self._confirm_page())

    # -- pages ------------------------------------------------------------------------------
    def _passphrase_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(10)
        self.title = heading("Create your chart")
        v.addWidget(self.title)
        self.intro = label("", "muted", wrap=True)
        v.addWidget(self.intro)
        where = QHBoxLayout()
        self.where = label("", "path", wrap=True, name="chartLocation")
        change = QPushButton("Change…")
        change.setProperty("role", "link")
        change.clicked.connect(self._choose_path)
        where.addWidget(self.where, 1)
        where.addWidget(change)
        v.addLayout(where)
        form = QFormLayout()
        self.passphrase = named(QLineEdit(), "newPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("A few unrelated words work well")
        self.repeat = named(QLineEdit(), "repeatPassphrase")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Type it again", self.repeat)
        v.addLayout(form)
        self.strength = label("", "hint", name="strengthHint")
        v.addWidget(self.strength)
        self.error = label("", "error", wrap=True, name="createError")
        v.addWidget(self.error)
        buttons = QHBoxLayout()
        back = QPushButton("Back")
        back.clicked.connect(self.cancelled)
        self.create_button = named(QPushButton("Create chart"), "createButton")
        self.create_button.setProperty("role", "primary")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._submit)
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        v.addLayout(buttons)
        self.passphrase.textChanged.connect(self._update_strength)
        self.repeat.returnPressed.connect(self._submit)
        return page

    def _working_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(heading("Setting up"))
        self.busy = Busy("Encrypting your new chart…")
        v.addWidget(self.busy)
        v.addStretch(1)
        return page

    def _key_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(10)
        v.addWidget(heading("Your recovery key"))
        v.addWidget(
            label(
                "If you forget your passphrase, this key is the only way back into the "
                "chart. Print it or write it down and keep it somewhere safe, away from "
                "this computer. It is shown only now.",
                "muted",
                wrap=True,
            )
        )
        self.key_label = label("", "recoveryKey", name="recoveryKey", wrap=True)
        self.key_label.setTextInteractionFlags(self.key_label.textInteractionFlags())
        v.addWidget(self.key_label)
        row = QHBoxLayout()
        copy = named(QPushButton("Copy"), "copyKey")
        copy.clicked.connect(self._copy)
        print_button = named(QPushButton("Print…"), "printKey")
        print_button.clicked.connect(self._print)
        row.addWidget(copy)
        row.addWidget(print_button)
        row.addStretch(1)
        self.key_next = named(QPushButton("I have kept it — continue"), "keyNext")
        self.key_next.setProperty("role", "primary")
        self.key_next.clicked.connect(self._after_key)
        row.addWidget(self.key_next)
        v.addLayout(row)
        return page

    def _confirm_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(10)
        v.addWidget(heading("Check your recovery key"))
        v.addWidget(
            label(
                "Type the last group of your recovery key (the four characters after the "
                "last dash), from your printout or note.",
                "muted",
                wrap=True,
            )
        )
        self.confirm_field = named(QLineEdit(), "confirmGroup")
        self.confirm_field.setMaxLength(4)
        self.confirm_field.setPlaceholderText("e.g. 7KQ2")
        v.addWidget(self.confirm_field)
        self.confirm_error = label("", "error", wrap=True, name="confirmError")
        v.addWidget(self.confirm_error)
        row = QHBoxLayout()
        back = QPushButton("Show the key again")
        back.clicked.connect(lambda: self.pages.setCurrentIndex(PAGE_KEY))
        self.confirm_button = named(QPushButton("Confirm"), "confirmButton")
        self.confirm_button.setProperty("role", "primary")
        self.confirm_button.clicked.connect(self._confirm)
        self.confirm_field.returnPressed.connect(self._confirm)
        row.addWidget(back)
        row.addStretch(1)
        row.addWidget(self.confirm_button)
        v.addLayout(row)
        return page

    # -- API for the chart flow ----------------------------------------------------------------
    def start(self, path: Path, *, demo: bool) -> None:
        self.path, self.demo = path, demo
        self.title.setText("Create the demo chart" if demo else "Create your chart")
        self.intro.setText(
            "The demo chart holds made-up patients only. It is still encrypted: choose a "
            "passphrase for it."
            if demo
            else "Choose a passphrase you will type each time you open Chartside. "
            "At least 10 characters; a few unrelated words are strong and easy to remember."
        )
        self.where.setText(f"Saved as {path}")
        self.passphrase.clear()
        self.repeat.clear()
        self.error.clear()
        self._recovery = ""
        self.key_label.clear()
        self.pages.setCurrentIndex(PAGE_PASSPHRASE)
        self.passphrase.setFocus()

    def show_working(self) -> None:
        self.busy.start("Building the demo chart…" if self.demo else "Encrypting your new chart…")
        self.pages.setCurrentIndex(PAGE_WORKING)

    def show_recovery_key(self, key: str) -> None:
        self.busy.stop()
        self._recovery = key
        groups = key.split("-")
        self.key_label.setText("-".join(groups[:4]) + "\n" + "-".join(groups[4:]))
        self.key_next.setText("Continue" if self.demo else "I have kept it — continue")
        self.pages.setCurrentIndex(PAGE_KEY)

    def show_error(self, message: str) -> None:
        self.busy.stop()
        self.error.setText(message)
        self.pages.setCurrentIndex(PAGE_PASSPHRASE)

    def clear_secrets(self) -> None:
        self.passphrase.clear()
        self.repeat.clear()
        self.confirm_field.clear()
        self._recovery = ""
        self.key_label.clear()

    # -- internals --------------------------------------------------------------------------
    def _choose_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the chart as", str(self.path))
        if path:
            self.path = Path(path)
            self.where.setText(f"Saved as {self.path}")

    def _update_strength(self, text: str) -> None:
        from core.storage.keys import strength_hint

        self.strength.setText(strength_hint(text) if text else "")

    def _submit(self) -> None:
        from core.domain.errors import WeakPassphrase
        from core.storage.keys import check_passphrase_strength

        first, second = self.passphrase.text(), self.repeat.text()
        if first != second:
            self.error.setText("The two passphrases differ. Type them again.")
            self.repeat.clear()
            self.repeat.setFocus()
            return
        try:
            check_passphrase_strength(first)
        except WeakPassphrase as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self.passphrase.clear()
        self.repeat.clear()
        self.create_requested.emit(self.path, first, self.demo)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self._recovery)
        self.key_copied.emit(self._recovery)

    def _print(self) -> None:
        """Print… opens the system print dialog (window-modal, non-blocking); on Print the
        key sheet goes to the chosen printer or PDF file."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName("Chartside recovery key")
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("printKeyDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.print_key(printer))
        # QPrintDialog.open() is the (receiver, member) overload in PySide6: calling it
        # without arguments raised TypeError, so Print… never opened. QDialog.open it is.
        QDialog.open(dialog)

    def print_key(self, printer: QPagedPaintDevice) -> None:
        """Render the recovery-key sheet onto ``printer`` (a printer or a PDF writer)."""
        doc = QTextDocument()
        doc.setHtml(key_sheet_html(self.path.name, self._recovery))
        doc.print_(printer)

    def _after_key(self) -> None:
        if self.demo:
            self.clear_secrets()
            self.completed.emit(True)
            return
        self.confirm_field.clear()
        self.confirm_error.clear()
        self.pages.setCurrentIndex(PAGE_CONFIRM)
        self.confirm_field.setFocus()

    def _confirm(self) -> None:
        expected = self._recovery.rsplit("-", 1)[-1].upper()
        typed = self.confirm_field.text().strip().upper()
        typed = typed.replace("O", "0").replace("I", "1").replace("L", "1")  # Crockford
        if not expected or typed != expected:
            self.confirm_error.setText(
                "That is not the last group of your key. Check your printout, or show the "
                "key again."
            )
            return
        self.clear_secrets()
        self.completed.emit(False)
