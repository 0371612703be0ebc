"""``DictationView``: the review panel's widgets, laid out — the view half of
``DictationDialog`` (which subclasses it and wires the behaviour). No logic, no I/O.

Header: title, custody line, retention choice · audio: Record, Stop, Import, Transcribe saved,
Discard, status · hints · progress bar, ETA, Cancel · transcript | draft tree over flags ·
footer: Play, position, output hint, Accept selected, Accept all unflagged, Close.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.scribe_panel.views import DraftTree, FlagList, TranscriptView
from desktop.widgets import heading, label, named


class DictationView(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dictationDialog")
        self.setWindowTitle("Dictation")
        self.resize(1220, 780)
        v = QVBoxLayout(self)
        head = QHBoxLayout()
        self.title = heading("Dictation", 2)
        head.addWidget(self.title, 1)
        self.custody = label("", "hint", name="dictationCustody")
        head.addWidget(self.custody)
        self.retention = named(QComboBox(), "dictationRetention")
        self.retention.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.retention.setToolTip("When this chart erases dictation recordings (all notes)")
        head.addWidget(self.retention)
        v.addLayout(head)
        bar = QHBoxLayout()
        self.record_button = named(QPushButton("● Record"), "dictationRecord")
        self.pause_button = named(QPushButton("❚❚ Pause"), "dictationPause")
        self.pause_button.setToolTip("Pause the recording; what was said so far is transcribed "
                                     "meanwhile")
        self.stop_button = named(QPushButton("■ Stop"), "dictationStop")
        self.import_button = named(QPushButton("Import recording…"), "dictationImport")
        self.again_button = named(QPushButton("Transcribe saved recording"), "dictationAgain")
        self.discard_button = named(QPushButton("Discard recording"), "dictationDiscard")
        for b in (self.record_button, self.pause_button, self.stop_button, self.import_button,
                  self.again_button, self.discard_button):
            bar.addWidget(b)
        self.status = label("", "muted", wrap=True, name="dictationStatus")
        bar.addWidget(self.status, 1)
        v.addLayout(bar)
        self.input_hint = label("", "hint", wrap=True, name="dictationInputHint")
        v.addWidget(self.input_hint)
        prog = QHBoxLayout()
        self.progress = named(QProgressBar(), "dictationProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.eta = label("", "muted", name="dictationEta")
        self.cancel_button = named(QPushButton("Cancel"), "dictationCancel")
        prog.addWidget(self.progress, 1)
        prog.addWidget(self.eta)
        prog.addWidget(self.cancel_button)
        v.addLayout(prog)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(heading("Transcript", 3))
        lv.addWidget(label("Click a word to hear it. Highlighted words were heard with low "
                           "confidence.", "hint", wrap=True))
        self.transcript = TranscriptView()
        lv.addWidget(self.transcript, 1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(heading("Draft", 3))
        self.tree = DraftTree()
        rv.addWidget(self.tree, 3)
        rv.addWidget(heading("Flags", 3))
        self.flags = FlagList()
        rv.addWidget(self.flags, 2)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([480, 720])
        v.addWidget(split, 1)
        foot = QHBoxLayout()
        self.play_button = named(QPushButton("▶ Play"), "dictationPlay")
        self.position = label("0:00.0", "muted", name="dictationPosition")
        self.output_hint = label("", "hint", wrap=True, name="dictationOutputHint")
        self.accept_button = named(QPushButton("Accept selected"), "dictationAccept")
        self.accept_all_button = named(QPushButton("Accept all unflagged"), "dictationAcceptAll")
        self.accept_all_button.setProperty("role", "primary")
        self.close_button = named(QPushButton("Close"), "dictationClose")
        foot.addWidget(self.play_button)
        foot.addWidget(self.position)
        foot.addWidget(self.output_hint, 1)
        for w in (self.accept_button, self.accept_all_button, self.close_button):
            foot.addWidget(w)
        v.addLayout(foot)
