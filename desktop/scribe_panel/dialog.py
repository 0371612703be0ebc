"""``DictationDialog``: record or import a dictation for one draft note, transcribe it, review
the draft beside the transcript and accept what is right into the note.

Contract:
- Built with the app's ``AppContext`` and a note id; every chart call is an op on the
  database worker (``desktop.scribe_panel.ops``), decoding and transcription are ``JobOp``s on
  the app's job pool. Widgets never run SQL; the jobs never touch widgets.
- Audio: the microphone (``audio.Recorder``) or a file (wav, mp3, m4a, ogg, webm) → sealed into
  the chart at once (``dictation.store_recording``) → transcribed from memory with progress,
  ETA and Cancel. A cancelled or failed run writes nothing to the note; the sealed recording
  stays with the draft note until *Discard recording* or retention erases it.
- Review: clicking a transcript word, a draft row, an item or a flag seeks playback to that
  moment (position shown even with no audio output). Rows with a ``block`` flag need a
  confirmation; "Accept all unflagged" takes only sentences without block/warn flags.
  Accepted sentences are appended to S/O/A/P (``notes.edit_section``); a suggested timed block
  is added (``notes.add_block``) only from its confirm dialog. The first acceptance stamps
  ``Note.dictated_at``. Nothing is signed or billed here. ``note_changed`` tells the editor.
- Lock: on ``bus.locked`` the dialog cancels the run, zeroes its audio buffers, clears every
  view and closes. GUI thread only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.formats import count
from desktop.models.lists import fmt_date
from desktop.scribe_panel import ops
from desktop.scribe_panel.acceptance import ReviewAcceptance
from desktop.scribe_panel.audio import Player, RecordedAudio, Recorder
from desktop.scribe_panel.block_confirm import BlockConfirmDialog
from desktop.scribe_panel.layout import DictationView
from desktop.scribe_panel.review import ReviewRow, clock, review_rows

AUDIO_FILTER = "Audio (*.wav *.mp3 *.m4a *.ogg *.webm *.oga *.opus *.flac *.aac);;All files (*)"
RETENTION_CHOICES = ((None, "Erase recordings when the note is signed"),
                     (7, "Keep recordings 7 days"), (30, "Keep recordings 30 days"),
                     (90, "Keep recordings 90 days"))


def eta_text(progress: Any) -> str:
    percent = f"{progress.fraction * 100:.0f} %"
    eta = progress.eta_seconds
    if progress.fraction >= 1:
        return f"Transcribed {clock(progress.audio_total)} in {progress.elapsed:.1f} s"
    if eta is None:
        return f"Transcribing… {percent} · estimating time left"
    left = f"about {eta:.0f} s left" if eta < 90 else f"about {eta / 60:.0f} min left"
    return f"Transcribing… {percent} · {left}"


class DictationDialog(DictationView):
    note_changed = Signal(object)  # note id, after accepted text or blocks were saved
    progressed = Signal(object)  # scribe.Progress, re-emitted on the GUI thread
    state_changed = Signal(str)
    draft_ready = Signal(object)  # scribe.Draft

    def __init__(self, ctx: Any, note_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.note_id = ctx, note_id
        self.setup: Any = None
        self.recording: Any = None  # RecordingInfo of the audio under review
        self.draft: Any = None
        self.rows: dict[str, ReviewRow] = {}
        self.job: ops.Transcription | None = None
        self.live: ops.LiveDictation | None = None  # transcription while recording
        self.live_finishing: ops.LiveDictation | None = None  # its last piece, after Stop
        self.context: Any = None  # the DictationContext of the run under review
        self._recording_started: dt.datetime | None = None
        self.acceptance = ReviewAcceptance(self)
        self.state = ""
        self.recorder = Recorder(self)
        self.player = Player(self)
        self._build()
        self._set_state("loading", "Loading the note…")
        ctx.bus.locked.connect(self._locked)
        ops.setup(self, note_id).success(self._set_up).run()

    # -- wiring ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.record_button.clicked.connect(self.start_recording)
        self.stop_button.clicked.connect(self.stop_recording)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.import_button.clicked.connect(self.choose_file)
        self.again_button.clicked.connect(self.transcribe_saved)
        self.discard_button.clicked.connect(self.discard)
        self.cancel_button.clicked.connect(self.cancel)
        self.play_button.clicked.connect(self.player.toggle)
        self.accept_button.clicked.connect(self.accept_selected)
        self.accept_all_button.clicked.connect(self.accept_all_unflagged)
        self.close_button.clicked.connect(self.reject)
        self.transcript.word_clicked.connect(self._word_clicked)
        self.tree.row_clicked.connect(lambda _key, seconds: self.seek(seconds))
        self.tree.row_edited.connect(self.edit_row)
        self.tree.itemDoubleClicked.connect(lambda *_: self.accept_selected())
        self.flags.flag_clicked.connect(self._flag_clicked)
        self.player.position_changed.connect(self._show_position)
        self.player.playing_changed.connect(
            lambda on: self.play_button.setText("❚❚ Pause" if on else "▶ Play"))
        self.recorder.level.connect(self._recorded_seconds)
        self.recorder.chunk.connect(self.live_chunk)
        self.retention.activated.connect(self._retention_chosen)

    # -- state ------------------------------------------------------------------------------------
    def _set_state(self, state: str, message: str = "") -> None:
        self.state = state
        busy = state in ("loading", "recording", "paused", "saving", "decoding",
                         "transcribing", "cancelling")
        capturing = state in ("recording", "paused")
        signed = bool(self.setup is not None and self.setup.note.is_signed)
        mic_problem = Recorder.unavailable()
        self.record_button.setEnabled(not busy and not signed and mic_problem is None)
        self.stop_button.setEnabled(capturing)
        self.pause_button.setEnabled(capturing)
        self.pause_button.setText("● Resume" if state == "paused" else "❚❚ Pause")
        self.import_button.setEnabled(not busy and not signed)
        self.again_button.setEnabled(not busy and not signed and self._latest() is not None)
        self.discard_button.setEnabled(not busy and self.recording is not None)
        self.cancel_button.setEnabled(state == "transcribing" or capturing)
        reviewing = state == "review" and not signed
        self.accept_button.setEnabled(reviewing)
        self.accept_all_button.setEnabled(reviewing)
        self.play_button.setEnabled(self.player.has_audio and Player.unavailable() is None)
        if message:
            self.status.setText(message)
        self.state_changed.emit(state)

    def _latest(self) -> Any:
        if self.recording is not None and not self.recording.erased:
            return self.recording
        if self.setup is not None and self.setup.recordings:
            return self.setup.recordings[-1]
        return None

    def _set_up(self, setup: Any) -> None:
        self.setup = setup
        note, visit = setup.note, setup.visit
        self.title.setText(f"Dictation · {setup.patient_name} · {fmt_date(visit.date)}")
        self.retention.clear()
        choices = list(RETENTION_CHOICES)
        if setup.retention.days not in [d for d, _ in choices]:
            choices.append((setup.retention.days, setup.retention.label))
        for days, text in choices:
            self.retention.addItem(text, days)
        self.retention.setCurrentIndex(self.retention.findData(setup.retention.days))
        self.input_hint.setText(Recorder.unavailable() or "")
        self.output_hint.setText(Player.unavailable() or "")
        if note.is_signed:
            self._set_state("signed", "This note is signed: dictation adds to draft notes only.")
            return
        saved = len(setup.recordings)
        message = ("Record or import a dictation. It is sealed into the chart with this note "
                   "before it is transcribed.")
        if saved:
            message = (f"{saved} saved recording{'s' if saved > 1 else ''} with this note. "
                       "Transcribe it again, or record or import a new one.")
        self._set_state("idle", message)

    # -- audio in -------------------------------------------------------------------------------
    def start_recording(self) -> None:
        problem = Recorder.unavailable()
        if problem:
            self.input_hint.setText(problem)
            return
        problem = self.recorder.start()
        if problem:
            self.input_hint.setText(problem)
            return
        self._recording_started = self.ctx.clock.now()
        self._set_state("recording", "Recording… (kept in memory)")
        self.start_live(self.recorder.speech_format)

    def start_live(self, usable: bool = True) -> None:
        """Transcribe while recording when the device records 16 kHz mono 16-bit (else the
        recording is transcribed after Stop, as an imported file is)."""
        self.live = None
        if not usable or self.setup is None:
            return
        self.transcript.set_draft(None)
        self.live = ops.LiveDictation(ops.app_transcriber(self.ctx), self._context())
        self.live.piece_ready.connect(self._live_piece)

    def live_chunk(self, pcm: bytes) -> None:
        if self.live is not None and self.state == "recording":
            self.live.feed_pcm(pcm)

    def _live_piece(self, piece: Any) -> None:
        if piece.transcript is not None and self.state in ("recording", "saving",
                                                            "transcribing"):
            self.transcript.append_live(piece.start, piece.transcript.word_text)
            self.eta.setText(f"Transcribed as you speak: {piece.index + 1} "
                             f"piece{'s' if piece.index else ''}")

    def _recorded_seconds(self, seconds: float) -> None:
        if self.state == "recording":
            self.status.setText(f"Recording… {clock(seconds)} (kept in memory)")

    def toggle_pause(self) -> None:
        """Pause (what was said so far is transcribed meanwhile) or resume the recording."""
        if self.state == "recording":
            self.recorder.pause()
            if self.live is not None:
                self.live.pause()
            self._set_state("paused", "Paused. What was said so far is being transcribed; "
                            "Resume to go on, or Stop.")
        elif self.state == "paused":
            self.recorder.resume()
            self._set_state("recording", "Recording… (kept in memory)")

    def stop_recording(self, *, transcribe: bool = True) -> None:
        """Stop, seal the recording into the chart, then finish its transcription
        (``transcribe=False``: Cancel while recording — sealed, nothing transcribed)."""
        audio: RecordedAudio | None = self.recorder.stop()
        if audio is None or not audio.pcm:
            if self.live is not None:
                self.live.cancel()
                self.live = None
            self._set_state("idle", "Nothing was recorded.")
            return
        self._set_state("saving", "Sealing the recording into the chart…")
        started = self._recording_started

        live, self.live = self.live, None
        if not transcribe and live is not None:
            live.cancel()
            live = None

        def stored(result: Any) -> None:
            self._stored(result)
            if not transcribe:
                self._set_state("cancelled", "Recording stopped and sealed with this draft "
                                "note; nothing was transcribed or added to the note. Transcribe "
                                "saved recording, or Discard recording.")
                return
            if live is not None:  # most of it is transcribed already: finish the last piece
                self._finish_live(live, audio)
                return
            ops.decode_pcm(self, audio.pcm, audio.sample_rate, audio.channels).success(
                self._transcribe).failure(self._failed).run()

        def not_stored(error: BaseException) -> bool:
            if live is not None:
                live.cancel()
            return self._failed(error)

        ops.store(self, self.note_id, audio.pcm, audio.sample_rate, channels=audio.channels,
                  dictated_at=_utc(started)).success(stored).failure(not_stored).run()

    def _finish_live(self, live: ops.LiveDictation, audio: Any) -> None:
        import numpy as np

        samples = np.frombuffer(audio.pcm[: len(audio.pcm) - len(audio.pcm) % 2],
                                dtype="<i2").astype(np.float32) / 32768.0
        self.player.set_samples(samples)
        context = self._context()
        self.context = context
        self.job = ops.Transcription()  # its cancel reaches the live session through cancel()
        self.live_finishing = live
        self._set_state("transcribing", "Finishing the last part of the dictation…")
        live.op(self, context).success(self._transcribed).failure(self._failed).run()

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a dictation", "", AUDIO_FILTER)
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Decode ``path`` in memory, seal it into the chart, then transcribe it."""
        self._set_state("decoding", f"Reading {Path(path).name}…")
        ops.decode_file(self, Path(path)).success(self._decoded).failure(self._failed).run()

    def _decoded(self, decoded: ops.DecodedAudio) -> None:
        # Sealed first, then transcribed: what is reviewed (and stamped as dictated) always has
        # its recording in the chart, and a failed seal (disk full) transcribes nothing.
        self._set_state("saving", "Sealing the recording into the chart…")

        def stored(result: Any) -> None:
            self._stored(result)
            self._transcribe(decoded.samples)

        ops.store(self, self.note_id, decoded.data, duration_s=decoded.seconds,
                  source_rate=decoded.source_rate).success(
            stored).failure(self._failed).run()

    def _stored(self, result: Any) -> None:
        self.recording = result.value
        self._set_state(self.state)  # Discard becomes possible
        self._show_custody()

    def _show_custody(self) -> None:
        rec = self.recording
        self.custody.setText("" if rec is None else
                             f"Recording {clock(rec.duration_s)} sealed in the chart with this "
                             "note")

    def transcribe_saved(self) -> None:
        latest = self._latest()
        if latest is None:
            return
        self._set_state("decoding", "Opening the saved recording…")

        def opened(loaded: Any) -> None:
            self.recording = loaded.info
            self._show_custody()
            ops.decode_bytes(self, loaded.audio).success(
                lambda d: self._transcribe(d.samples)).failure(self._failed).run()

        ops.load(self, latest.id).success(opened).failure(self._failed).run()

    # -- transcription --------------------------------------------------------------------------
    def _transcribe(self, samples: Any) -> None:
        self.player.set_samples(samples)
        self._show_draft(None)
        context = self._context()
        self.context = context
        self.job = ops.Transcription()
        self.job.progressed.connect(self._progress)
        self.progress.setValue(0)
        self.eta.setText("Transcribing… estimating time left")
        self._set_state("transcribing", "Transcribing on this computer (nothing leaves it)…")
        self.job.op(self, samples, context, ops.app_transcriber(self.ctx)).success(
            self._transcribed).failure(self._failed).run()

    def _context(self) -> Any:
        from scribe.context import DictationContext

        setup = self.setup
        # The last notes' exercise names bias the decoder; the smart phrases are not passed
        # (scribe.prompt supports them, but the default ones are boilerplate that lengthen
        # every window's prompt by ~60 tokens, and their effect is not measured yet).
        return DictationContext(diagnoses=setup.diagnoses, goals=setup.goals,
                                timed_blocks=tuple(setup.note.blocks),
                                discipline=setup.discipline,
                                recent_terms=setup.recent_terms)

    def edit_row(self, key: str, text: str) -> None:
        """The clinician reworded a draft sentence: re-check it against the recording."""
        from desktop.scribe_panel.review import edit_row

        row = self.rows.get(key)
        if row is None or self.draft is None or self.tree.status(key).startswith("Added"):
            if row is not None:
                self.tree.update_row(row)  # accepted rows stay as they were added
            return
        edited = edit_row(row, self.draft, text, self.context)
        self.rows[key] = edited
        self.tree.update_row(edited)
        new = [f for f in edited.flags if f not in row.flags]
        self.status.setText("Edited. " + (" ".join(f.message for f in new) if new else
                                          "The edit agrees with what was said."))

    def _progress(self, progress: Any) -> None:
        if self.state != "transcribing":
            return
        self.progress.setValue(round(progress.fraction * 1000))
        self.eta.setText(eta_text(progress))
        self.progressed.emit(progress)

    def cancel(self) -> None:
        if self.state in ("recording", "paused"):
            self.stop_recording(transcribe=False)
            return
        if self.live_finishing is not None and self.state == "transcribing":
            self.live_finishing.cancel()
        if self.job is not None and self.state == "transcribing":
            self.job.cancel()
            self._set_state("cancelling", "Cancelling at the next segment…")

    def _transcribed(self, value: Any) -> None:
        if self.state not in ("transcribing", "cancelling"):
            return  # e.g. sealing failed meanwhile: that message stays
        if value == ops.CANCELLED:
            self.progress.setValue(0)
            self.eta.setText("Cancelled")
            self._set_state("cancelled", "Transcription cancelled: nothing was added to the "
                            "note. The recording stays sealed with this draft note until you "
                            "discard it.")
            return
        self.progress.setValue(1000)
        seconds = value.transcript.transcribe_seconds
        self.eta.setText(f"Draft ready · transcribed in {seconds:.1f} s")
        self._show_draft(value)
        blocks = sum(1 for f in value.flags if str(f.severity) == "block")
        self._set_state("review", f"Review the draft: {blocks} must-fix flag"
                        f"{'s' if blocks != 1 else ''}. Accept what is right; nothing is "
                        "signed or billed here.")
        self.draft_ready.emit(value)

    def _failed(self, error: BaseException) -> bool:
        from core.domain.errors import ChartsideError

        if self.job is not None:
            self.job.cancel()
        self.progress.setValue(0)
        self.eta.setText("")
        if isinstance(error, ChartsideError):
            self._set_state("failed", str(error))
            return True
        self._set_state("failed", "Something went wrong; the note was not changed.")
        return False

    def _show_draft(self, draft: Any) -> None:
        self.draft = draft
        self.rows = {}
        self.acceptance.added_stops = []  # anchors for this draft's blocks
        if draft is None:
            self.transcript.set_draft(None)
            self.tree.clear()
            self.flags.clear()
            return
        rows = review_rows(draft)
        self.rows = {r.key: r for r in rows}
        self.transcript.set_draft(draft)
        self.tree.set_rows(rows)
        self.flags.set_flags(draft.flags)
        note = self.setup.note
        for row in rows:  # a dictation reviewed before: say what is already in the note
            said = row.text.strip().rstrip(".").lower()
            if row.kind == "sentence" and (said in getattr(note, row.section, "").lower()
                                           or said in self.acceptance.accepted):
                self.tree.mark(row.key, "Already in the note")

    # -- seeking --------------------------------------------------------------------------------
    def seek(self, seconds: float) -> None:
        self.player.seek(seconds)

    def _show_position(self, seconds: float) -> None:
        total = f" / {clock(self.player.duration)}" if self.player.duration else ""
        self.position.setText(f"{clock(seconds)}{total}")

    def _word_clicked(self, index: int, seconds: float) -> None:
        self.seek(seconds)
        for row in self.rows.values():
            if row.kind == "sentence" and row.span.first_word <= index <= row.span.last_word:
                self.tree.select_key(row.key)
                break

    def _flag_clicked(self, flag: Any) -> None:
        if flag.span is not None:
            self.seek(flag.span.start)
        key = f"s:{flag.sentence_id}" if flag.sentence_id else ""
        if key in self.rows:
            self.tree.select_key(key)

    # -- accepting (ReviewAcceptance) -------------------------------------------------------------
    def accept_selected(self) -> None:
        self.acceptance.accept_selected()

    def accept_row(self, key: str) -> None:
        self.acceptance.accept_row(key)

    def accept_all_unflagged(self) -> None:
        self.acceptance.accept_all_unflagged()

    @property
    def block_dialog(self) -> BlockConfirmDialog | None:
        return self.acceptance.block_dialog

    # -- custody ----------------------------------------------------------------------------------
    def discard(self) -> None:
        if self.recording is None:
            return
        target = self.recording

        def done(_r: Any) -> None:
            self.recording = None
            self._show_custody()
            if self.setup is not None:
                ops.setup(self, self.note_id).success(self._set_up).run()
            self.player.clear()
            self._show_draft(None)
            self.status.setText("Recording erased (its key was destroyed).")

        ops.erase(self, target.id).success(done).run()

    def _retention_chosen(self, index: int) -> None:
        days = self.retention.itemData(index)
        ops.set_retention(self, days, self.ctx.clock.today()).success(
            lambda r: self.status.setText(
                f"Retention saved; {count(len(r.value), 'recording')} erased now." if r.value
                else "Retention saved.")).run()

    # -- teardown ---------------------------------------------------------------------------------
    def _locked(self) -> None:
        self.clear()
        self.reject()

    def clear(self) -> None:
        """Drop every piece of PHI the dialog holds (audio, transcript, draft)."""
        if self.job is not None:
            self.job.cancel()
        for live in (self.live, self.live_finishing):
            if live is not None:
                live.cancel()
        self.live = self.live_finishing = None
        self.recorder.cancel()
        self.player.clear()
        self._show_draft(None)
        self.recording = None
        self.setup = None
        self.title.setText("Dictation")
        self.custody.clear()
        self.status.clear()

    def done(self, result: int) -> None:
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            self.ctx.bus.locked.disconnect(self._locked)
        self.clear()
        super().done(result)


def _utc(local: dt.datetime | None) -> dt.datetime | None:
    if local is None:
        return None
    return local.astimezone(dt.UTC).replace(tzinfo=None)
