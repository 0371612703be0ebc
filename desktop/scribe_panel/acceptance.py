"""``ReviewAcceptance``: accepting the draft into the note, for ``DictationDialog``.

Contract: a sentence row is appended to its S/O/A/P section through ``ops.accept_text``
(``notes.edit_section``; the first acceptance also stamps ``Note.dictated_at``), in the
clinician's wording if they edited it; a row with a ``block`` or ``warn`` flag asks for
confirmation first; "Accept all unflagged" takes only sentences without
block/warn flags that are not in the note yet. A suggested timed block goes through
``BlockConfirmDialog`` and only its *Add block* calls ``notes.add_block``. Pending editor text
is flushed first so the append lands after it. Nothing is signed or billed. The ops' parent is
this object (a child of the panel), so answers for a closed panel are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from desktop.scribe_panel import ops
from desktop.scribe_panel.block_confirm import BlockConfirmDialog
from desktop.scribe_panel.review import ReviewRow, block_details, suggest_goals

if TYPE_CHECKING:
    from desktop.scribe_panel.dialog import DictationDialog


class ReviewAcceptance(QObject):
    def __init__(self, panel: DictationDialog) -> None:
        super().__init__(panel)
        self.panel = panel
        self.block_dialog: BlockConfirmDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.added_stops: list[Any] = []  # stops of blocks added this session (next anchor)
        self.accepted: set[str] = set()  # sentences appended this session (lower case)

    def accept_selected(self) -> None:
        p = self.panel
        for key in p.tree.selected_keys():
            self.accept_row(key)

    def accept_row(self, key: str, *, confirmed: bool = False) -> None:
        p = self.panel
        row = p.rows.get(key)
        if row is None or p.state != "review" or p.tree.status(key).startswith("Added"):
            return
        if row.kind == "block":
            self.propose_block(key)
            return
        if row.needs_confirmation and not confirmed:
            self._confirm(row)
            return
        self._accept_sentences([row])

    def accept_all_unflagged(self) -> None:
        p = self.panel
        rows = [r for r in p.rows.values() if r.kind == "sentence" and not r.flagged
                and not p.tree.status(r.key)]
        if rows:
            self._accept_sentences(rows)

    def _confirm(self, row: ReviewRow) -> None:
        p = self.panel
        box = QMessageBox(QMessageBox.Icon.Warning, "Check before adding",
                          "\n".join(f.message for f in row.flags
                                    if str(f.severity) in ("block", "warn"))
                          + "\n\nListen to the sentence first. Add it to the note as it is?",
                          QMessageBox.StandardButton.Cancel, p)
        add = box.addButton("Add to note", QMessageBox.ButtonRole.AcceptRole)
        box.setObjectName("dictationConfirm")
        self.confirm_box = box
        box.finished.connect(
            lambda _r: self.accept_row(row.key, confirmed=True)
            if box.clickedButton() is add else None)
        p.seek(row.span.start)
        box.open()

    def _accept_sentences(self, rows: list[ReviewRow]) -> None:
        p = self.panel
        p.ctx.savers.flush_all()  # the editor's last keystrokes land first
        recording = p.recording.id if p.recording is not None else None
        parts = [(r.section, r.text) for r in rows]
        for r in rows:
            p.tree.mark(r.key, "Adding…")

        def done(_changes: Any) -> None:
            for r in rows:
                p.tree.mark(r.key, f"Added to {r.section.capitalize()}")
                self.accepted.add(r.text.strip().rstrip(".").lower())
            p.status.setText(f"Added {len(rows)} sentence{'s' if len(rows) > 1 else ''} to "
                                "the note.")
            p.note_changed.emit(p.note_id)

        def failed(error: BaseException) -> bool:
            for r in rows:
                p.tree.mark(r.key, "")
            return self._failed_edit(error)

        ops.accept_text(self, p.note_id, recording, parts).success(done).failure(failed).run()

    def propose_block(self, key: str) -> None:
        p = self.panel
        row = p.rows[key]
        assert row.block is not None and p.draft is not None
        setup = p.setup
        stops = [b.stop for b in setup.note.blocks if b.stop] + self.added_stops
        anchor = max(stops) if stops else setup.visit.start_time
        dialog = BlockConfirmDialog(
            row, details=block_details(row.block, p.draft), goals=setup.goals,
            suggested_goals=suggest_goals(row.block, p.draft, setup.goals), anchor=anchor,
            code_label=p.ctx.session.code_label, parent=p)
        self.block_dialog = dialog
        dialog.accepted.connect(lambda: self._add_block(key, dialog))
        p.seek(row.span.start)
        dialog.open()

    def _add_block(self, key: str, dialog: BlockConfirmDialog) -> None:
        p = self.panel
        choice = dialog.choice()
        p.ctx.savers.flush_all()
        recording = p.recording.id if p.recording is not None else None

        def done(_changes: Any) -> None:
            if choice.stop is not None:
                self.added_stops.append(choice.stop)
            p.tree.mark(key, "Added to the note")
            p.status.setText(f"Timed block {choice.code} added. Units follow from its times.")
            p.note_changed.emit(p.note_id)

        ops.add_block(self, p.note_id, recording, code=choice.code, start=choice.start,
                      stop=choice.stop, laterality=choice.laterality, goal_ids=choice.goal_ids,
                      details=choice.details).success(done).failure(self._failed_edit).run()

    def _failed_edit(self, error: BaseException) -> bool:
        p = self.panel
        from core.domain.errors import ChartsideError

        if isinstance(error, ChartsideError):
            p.status.setText(f"Not added: {error}")
            return True
        return False
