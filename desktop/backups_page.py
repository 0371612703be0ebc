"""Backups in the app (issue 15): a Preferences page and the daily backup.

``BackupsPage`` shows where backups go, the last good one (when, verified, size), whether one is
due, the last failed one, and the list; it backs up now, changes the folder (a USB stick, a
cloud-synced folder — backups stay ciphertext), verifies every backup again, and restores one
into a new chart file (the current chart is never overwritten from here; restoring over it is
the CLI's ``restore --replace``, which first keeps a copy).

``DailyBackup`` runs a minute after unlock and then every hour: when a backup is due (none
good for a day) it backs up in the background on the database worker
(``backups.daily_backup``; with no folder chosen yet, beside the chart, with a notice to choose
a drive). ``CHARTSIDE_DAILY_BACKUP=0`` turns the schedule off (the test suite does, except where
it tests it). A folder that is not there (an unplugged drive) or a backup that fails is a
visible notice, never a crash and never a silent skip; each problem is shown once per unlock,
not every hour.

All reads and writes go through ``core.services.backups`` on the database worker; nothing here
holds PHI (paths, times, sizes, counts). GUI thread only.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import BackupFolderMissing, ChartsideError
from core.services import backups
from desktop.formats import show_when
from desktop.worker import CommandOp, QueryOp

HOURLY_MS = 60 * 60 * 1000
FIRST_DELAY_MS = 60 * 1000


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone() if moment is not None else None


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(1, n // 1024)} KB"


def describe(status: backups.BackupStatus) -> tuple[str, str]:
    """(headline, detail) for a status: what a therapist needs to know at a glance."""
    if not status.folder_present:
        return ("Backup folder not found",
                f"{status.folder} is not there (was a drive unplugged?). No backup can be made "
                "until it is back or another folder is chosen.")
    last = status.last_good
    if last is None:
        return ("No backup yet", "Back up now: the chart and its key file, verified.")
    when = show_when(_local(last.created_at))
    head = "A backup is due" if status.due else "Backed up"
    return head, f"Last good backup {when} ({_size(last.size)}, verified)."


class BackupsPage(QWidget):
    """The Preferences page (see the module docstring)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backupsPage")
        layout = QVBoxLayout(self)
        self.headline = QLabel("")
        self.headline.setObjectName("backupsHeadline")
        self.headline.setProperty("role", "heading")
        self.detail = QLabel("")
        self.detail.setObjectName("backupsDetail")
        self.detail.setWordWrap(True)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        form = QFormLayout()
        self.folder = QLineEdit()
        self.folder.setObjectName("backupsFolder")
        self.folder.setReadOnly(True)
        form.addRow("Backups go to", self.folder)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.back_up_button = QPushButton("Back up now")
        self.back_up_button.setObjectName("backupNow")
        self.choose_button = QPushButton("Choose folder…")
        self.choose_button.setObjectName("backupChooseFolder")
        self.verify_button = QPushButton("Verify all")
        self.verify_button.setObjectName("backupVerify")
        self.restore_button = QPushButton("Restore…")
        self.restore_button.setObjectName("backupRestore")
        self.check_button = QPushButton("Check this chart")
        self.check_button.setObjectName("chartCheckIntegrity")
        self.check_button.setToolTip(
            "SQLite and SQLCipher page checks, every signed note against its seal, the "
            "immutability triggers, the audit chain and the heads anchored in the backups")
        for b in (self.back_up_button, self.choose_button, self.verify_button,
                  self.restore_button, self.check_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("backupsTable")
        self.table.setHorizontalHeaderLabels(["When", "Kind", "Size", "Check"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        layout.addWidget(self.table, 1)
        self.message = QLabel("")
        self.message.setObjectName("backupsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.records: list[Any] = []
        self.status: backups.BackupStatus | None = None
        self.back_up_button.clicked.connect(lambda: self.back_up())
        self.choose_button.clicked.connect(self.choose_folder)
        self.verify_button.clicked.connect(self.verify)
        self.restore_button.clicked.connect(self.restore)
        self.check_button.clicked.connect(self.check_integrity)
        self.integrity: Any = None  # the last charts.IntegrityReport
        self.anchors: Any = None  # the last sync.AnchorCheck (when the chart syncs)
        self.transport: Any = None  # httpx transport for the anchors (tests: in-process)

    # -- reads --------------------------------------------------------------------------------
    def refresh(self) -> None:
        def read(chart: Any) -> tuple[backups.BackupStatus, list[Any]]:
            status = backups.backup_status(chart)
            mine = ([r for r in backups.list_backups(status.folder)
                     if r.chart_id == chart.chart_id] if status.folder_present else [])
            return status, mine

        QueryOp(self, read).success(lambda v: self._show(*v)).run()

    def _show(self, status: backups.BackupStatus, records: list[Any]) -> None:
        self.status, self.records = status, list(reversed(records))  # newest first
        head, detail = describe(status)
        self.headline.setText(head)
        self.detail.setText(detail)
        self.folder.setText(str(status.folder))
        self.table.setRowCount(len(self.records))
        for row, r in enumerate(self.records):
            check = "verified" if r.ok else "FAILED: " + "; ".join(r.problems)
            for col, text in enumerate((show_when(_local(r.created_at)), r.label,
                                        _size(r.size), check)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, col, item)
        if self.records:
            self.table.selectRow(0)
        self.restore_button.setEnabled(bool(self.records))
        self.verify_button.setEnabled(bool(self.records))

    # -- actions ------------------------------------------------------------------------------
    def _failed(self, error: BaseException) -> bool:
        if isinstance(error, ChartsideError):
            self.message.setText(f"{error.message} {error.hint or ''}".strip())
            self.refresh()
            return True
        return False

    def back_up(self, to: Path | None = None) -> None:
        self.message.setText("Backing up…")
        self.back_up_button.setEnabled(False)

        def done(result: backups.BackupResult) -> None:
            self.back_up_button.setEnabled(True)
            note = (" This folder is beside the chart: it will not survive a lost or dead "
                    "laptop — choose a USB drive or a synced folder." if result.beside_chart
                    else "")
            removed = f" {len(result.removed)} older removed by rotation." if result.removed else ""
            self.message.setText(f"Backed up and verified.{removed}{note}")
            self.refresh()
            self.changed.emit()

        def failed(error: BaseException) -> bool:
            self.back_up_button.setEnabled(True)
            return self._failed(error)

        (CommandOp(self, lambda chart: backups.back_up(chart, to))
         .success(done).failure(failed).run())

    def check_integrity(self) -> None:
        """``chartside check-integrity`` in the app (audited; reads the whole file), then — when
        the chart syncs — the audit heads it anchored on the sync server (network steps off the
        database worker, ``RunDriver``; an unreachable server is said, not waited on)."""
        from core.services import charts, sync

        self.message.setText("Checking the chart…")
        self.check_button.setEnabled(False)

        def local(chart: Any) -> tuple[Any, Any]:
            return charts.check_integrity(chart), sync.status(chart)

        def done(value: tuple[Any, Any]) -> None:
            report, state = value
            self.integrity = report
            if report.ok:
                text = (f"Chart intact: pages ok, {report.signed_notes} signed notes match "
                        f"their seals, triggers in place, {report.audit_rows} audit rows "
                        "chained.")
            else:
                text = ("Chart problems found: " + "; ".join(report.problems)
                        + ". Restore the latest good backup.")
            self.message.setText(text)
            if state.enrolled and state.key_ready and not state.revoked:
                self._check_anchors(text)
            else:
                self.check_button.setEnabled(True)

        def failed(error: BaseException) -> bool:
            self.check_button.setEnabled(True)
            return self._failed(error)

        (CommandOp(self, local).success(done).failure(failed).run())

    def _check_anchors(self, local_text: str) -> None:
        from core.services import sync
        from desktop.sync.runner import RunDriver

        self.anchors = None
        driver = RunDriver(self)
        self._anchor_driver = driver

        def finished(check: Any) -> None:
            self.check_button.setEnabled(True)
            self.anchors = check
            if check.problems:
                self.message.setText(local_text + " The sync server's audit anchors disagree: "
                                     + "; ".join(check.problems) + ".")
            else:
                self.message.setText(local_text + f" {check.checked} audit anchors on the "
                                     "sync server match.")

        def failed(error: BaseException) -> None:
            self.check_button.setEnabled(True)
            reason = error.message if isinstance(error, ChartsideError) else type(error).__name__
            self.message.setText(local_text + f" Audit anchors on the sync server not checked: "
                                 f"{reason}")

        driver.finished.connect(finished)
        driver.failed.connect(failed)
        driver.start(sync.verify_anchors_run(self.transport))

    def choose_folder(self) -> None:
        start = self.folder.text() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Back up to", start)
        if folder:
            self.back_up(Path(folder))  # a first backup there makes it the folder

    def verify(self) -> None:
        """Check every backup again with this chart's key (opens, integrity, audit chain)."""
        if self.status is None:
            return
        folder = self.status.folder
        self.message.setText("Verifying…")

        def verified(records: list[Any]) -> None:
            bad = [r for r in records if not r.ok]
            self.message.setText(f"{len(records) - len(bad)} of {len(records)} backups verified."
                                 + (" Some FAILED: see the list." if bad else ""))
            self.refresh()

        (QueryOp(self, lambda chart: backups.verify_backups(folder, chart=chart))
         .success(verified).failure(self._failed).run())

    def selected(self) -> Any:
        row = self.table.currentRow()
        return self.records[row] if 0 <= row < len(self.records) else None

    def restore(self, target: Path | None = None, secret: str | None = None) -> None:
        record = self.selected()
        if record is None:
            return
        if target is None:
            name, _ = QFileDialog.getSaveFileName(self, "Restore into a new chart file",
                                                  str(Path.home() / "restored.chart"),
                                                  "Charts (*.chart)")
            if not name:
                return
            target = Path(name)
        if secret is None:
            secret, ok = QInputDialog.getText(self, "Restore",
                                              "Passphrase of the chart in this backup:",
                                              QLineEdit.EchoMode.Password)
            if not ok or not secret:
                return
        chosen, password = target, secret

        def done(result: Any) -> None:
            self.message.setText(f"Restored into {result.path}. Open it with File › Open chart "
                                 "(this chart is unchanged).")

        (QueryOp(self, lambda _chart: backups.restore(record.folder, chosen, passphrase=password))
         .success(done).failure(self._failed).run())


class DailyBackup(QObject):
    """Backs up when one is due: at unlock, then hourly (see the module docstring)."""

    notice = Signal(str, str)  # (message, hint): shown once per problem per unlock

    def __init__(self, parent: QObject | None = None, *, every_ms: int = HOURLY_MS,
                 first_delay_ms: int = FIRST_DELAY_MS) -> None:
        super().__init__(parent)
        self.first_delay_ms = first_delay_ms
        self.timer = QTimer(self)
        self.timer.setInterval(every_ms)
        self.timer.timeout.connect(self.check)
        self.told: set[str] = set()
        self.last_result: backups.BackupResult | None = None

    def start(self) -> None:
        if os.environ.get("CHARTSIDE_DAILY_BACKUP", "1") == "0":
            return
        self.told.clear()
        self.timer.start()
        # Not at the very moment of unlock: the patient list and today's visits read first.
        QTimer.singleShot(self.first_delay_ms, self.check)

    def stop(self) -> None:
        self.timer.stop()

    def _tell(self, key: str, message: str, hint: str = "") -> None:
        if key not in self.told:
            self.told.add(key)
            self.notice.emit(message, hint)

    def check(self) -> None:
        def done(value: Any) -> None:
            if isinstance(value, backups.BackupResult):
                self.last_result = value
                self.told.discard("failed")
                if value.beside_chart:
                    self._tell("beside", "Backed up beside the chart, which does not survive a "
                               "lost or dead laptop.", "Choose a USB drive or a synced folder "
                               "in Preferences › Backups.")
            elif not value.folder_present:
                self._tell("missing", f"No backup today: the backup folder {value.folder} is "
                           "not there.", "Reconnect the drive, or choose another folder in "
                           "Preferences › Backups.")

        def failed(error: BaseException) -> bool:
            if isinstance(error, BackupFolderMissing):
                self._tell("missing", error.message, error.hint or "")
                return True
            if isinstance(error, ChartsideError):
                self._tell("failed", f"The daily backup failed: {error.message}",
                           error.hint or "")
                return True
            return False

        CommandOp(self, backups.daily_backup).success(done).failure(failed).run()
