"""The dictation review panel on the real app (database worker, job pool, encrypted chart):
import a fixture dictation, watch progress, cancel, review the flags, accept into the note.

The panel's transcriber is a parameter of the app (``AppContext.transcriber``): these tests hand
it the *recorded* transcript of the fixture (what the model heard, fixed in the repository), so
the review they check is the same on every CPU. One test, marked ``real_model``, runs the real
model end to end and asserts only what is robust."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt

from scribe.audio import load_audio

os.environ["HF_HUB_OFFLINE"] = "1"

from core.domain.enums import Laterality
from core.services import charts, dictation, notes
from desktop.scribe_panel import open_dictation
from desktop.worker import QueryOp
from tests.desktop.conftest import PASSPHRASE, Seeded, seed_chart, settle, unlock
from tests.scribe.recorded import GatedReplay, recorded

FIXTURE = Path(__file__).resolve().parents[1] / "scribe" / "fixtures" / "knee_daily_wrong_side.wav"
RUN_TIMEOUT = 60_000


HEARD = recorded("knee_daily_wrong_side")  # "… left knee …" on a right-knee (M17.11) dx


def prepare(tmp_path: Path) -> tuple[Seeded, Any]:
    """The seeded chart (M17.11, right knee) with an empty draft daily note."""
    seeded = seed_chart(tmp_path / "clinic.chart")
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        view = notes.start_note(session, episode_id=seeded.episode_id,
                                clinician_id=seeded.clinician_id, date=dt.date(2026, 3, 2),
                                start_time=dt.time(9, 0), end_time=dt.time(10, 0)).value
    finally:
        session.lock()
    return seeded, view.note.id


LEFT = Qt.MouseButton.LeftButton


def read(qtbot: Any, window: Any, fn: Any) -> Any:
    out: list[Any] = []
    QueryOp(window, fn).success(out.append).run()
    settle(qtbot, window)
    return out[0]


def open_panel(qtbot: Any, window: Any, note_id: Any, transcriber: Any = None) -> Any:
    window.ctx.transcriber = transcriber or GatedReplay(HEARD, gated=False)
    panel = open_dictation(window.ctx, note_id, window)
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=10_000)
    return panel


def run_to_review(qtbot: Any, panel: Any) -> list[Any]:
    seen: list[Any] = []
    panel.progressed.connect(seen.append)
    with qtbot.waitSignal(panel.draft_ready, timeout=RUN_TIMEOUT):
        panel.import_file(FIXTURE)
    return seen


def test_no_microphone_is_said_plainly_and_cancel_writes_nothing(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    seeded, note_id = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    gate = GatedReplay(HEARD)
    panel = open_panel(qtbot, window, note_id, gate)
    assert not panel.record_button.isEnabled()
    assert "microphone" in panel.input_hint.text() or "Qt Multimedia" in panel.input_hint.text()
    panel.start_recording()  # refused with the same message, nothing starts
    assert panel.state == "idle"
    garbage = tmp_path / "memo.m4a"
    garbage.write_bytes(b"not audio at all " * 64)
    panel.import_file(garbage)
    qtbot.waitUntil(lambda: panel.state == "failed", timeout=10_000)
    assert "audio" in panel.status.text().lower()  # AudioUnreadable, said in the panel
    seen: list[Any] = []
    panel.progressed.connect(seen.append)
    with qtbot.waitSignal(panel.progressed, timeout=RUN_TIMEOUT):  # the first window is done
        panel.import_file(FIXTURE)
    assert 0 < seen[0].fraction < 1 and panel.progress.value() > 0
    assert gate.received and len(gate.received[0]) == len(load_audio(FIXTURE))
    # The episode reaches the transcriber (its prompt follows discipline and diagnoses).
    assert gate.contexts[0].discipline == "PT"
    assert [d.code for d in gate.contexts[0].diagnoses] == ["M17.11"]
    assert "left" in panel.eta.text()  # "Transcribing… 72 % · about 2 s left"
    assert panel.cancel_button.isEnabled()
    qtbot.mouseClick(panel.cancel_button, LEFT)
    qtbot.waitUntil(lambda: panel.state == "cancelled", timeout=RUN_TIMEOUT)
    assert panel.eta.text() == "Cancelled" and "nothing was added" in panel.status.text()
    assert panel.tree.topLevelItemCount() == 0 and not panel.accept_all_button.isEnabled()
    settle(qtbot, window)
    note = read(qtbot, window, lambda chart: notes.get_note(chart, note_id).note)
    assert (note.subjective, note.objective, note.assessment, note.plan) == ("", "", "", "")
    assert note.blocks == [] and note.dictated_at is None
    # The recording itself is in custody (sealed) until discarded: then it is crypto-erased.
    kept = read(qtbot, window, lambda chart: dictation.list_recordings(chart, note_id))
    assert len(kept) == 1 and panel.discard_button.isEnabled()
    panel.discard()
    settle(qtbot, window)
    assert read(qtbot, window, lambda chart: dictation.list_recordings(chart, note_id)) == []



def test_full_run_flags_the_side_and_accepts_into_the_note(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    seeded, note_id = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    panel = open_panel(qtbot, window, note_id)
    seen = run_to_review(qtbot, panel)
    # Progress arrived on the GUI thread, increasing, ending at 100 % with an ETA on the way.
    assert len(seen) >= 2 and seen[-1].fraction == 1.0
    assert [p.fraction for p in seen] == sorted(p.fraction for p in seen)
    assert any(p.eta_seconds is not None and p.fraction < 1 for p in seen)
    assert panel.progress.value() == 1000 and panel.state == "review"
    # The dictation says "left knee" on a right-knee diagnosis: a must-fix laterality flag.
    codes = {f.code: str(f.severity) for f in panel.draft.flags}
    assert codes.get("laterality.dx_conflict") == "block"
    flagged = [r for r in panel.rows.values() if r.severity == "block"]
    assert flagged and all(panel.tree.items_by_key[r.key].text(1) == "Must fix" for r in flagged)
    assert all(r.needs_confirmation for r in panel.rows.values() if r.flagged)
    assert panel.flags.count() == len(panel.draft.flags)
    assert panel.transcript.low_words  # weak words are marked in the transcript
    # Clicking a sentence seeks to its moment; with no audio output the position still shows.
    row = next(r for r in panel.rows.values() if r.kind == "sentence" and r.span.start > 5)
    item = panel.tree.items_by_key[row.key]
    panel.tree.itemClicked.emit(item, 0)
    assert panel.player.position == pytest.approx(row.span.start, abs=0.01)
    assert panel.position.text().startswith(f"{int(row.span.start // 60)}:")
    # Accept all unflagged: only sentences without block/warn flags reach the note.
    unflagged = [r for r in panel.rows.values() if r.kind == "sentence" and not r.flagged]
    assert unflagged and len(unflagged) < sum(r.kind == "sentence" for r in panel.rows.values())
    with qtbot.waitSignal(panel.note_changed, timeout=10_000):
        qtbot.mouseClick(panel.accept_all_button, LEFT)
    settle(qtbot, window)
    note = read(qtbot, window, lambda chart: notes.get_note(chart, note_id).note)
    for r in unflagged:
        assert r.text.rstrip(".").lower() in getattr(note, r.section).lower()
    for r in (r for r in flagged if r.kind == "sentence"):
        assert r.text.rstrip(".").lower() not in getattr(note, r.section).lower()
    recording = read(qtbot, window, lambda chart: dictation.list_recordings(chart, note_id))[0]
    assert note.dictated_at == recording.created_at
    assert panel.tree.status(unflagged[0].key).startswith("Added to")
    # A suggested timed block is added only through its confirm step.
    block_row = next(r for r in panel.rows.values()
                     if r.kind == "block" and r.block and r.block.code == "97110")
    panel.tree.select_key(block_row.key)
    panel.accept_selected()
    dialog = panel.block_dialog
    assert dialog is not None and dialog.isVisible()
    assert read(qtbot, window, lambda chart: notes.get_note(chart, note_id).note.blocks) == []
    assert dialog.start.value() == dt.time(9, 0) and dialog.stop.value() == dt.time(9, 15)
    dialog.side.setCurrentIndex(dialog.side.findData(Laterality.RIGHT.value))
    goal = seeded.goal_ids[0]
    dialog.goal_checks[goal].setChecked(True)
    if dialog.confirm_box.isVisible():
        dialog.confirm_box.setChecked(True)
    with qtbot.waitSignal(panel.note_changed, timeout=10_000):
        qtbot.mouseClick(dialog.add_button, LEFT)
    settle(qtbot, window)
    blocks = read(qtbot, window, lambda chart: notes.get_note(chart, note_id).note.blocks)
    assert [(b.code, b.start, b.stop, b.laterality, b.goal_ids) for b in blocks] == [
        ("97110", dt.time(9, 0), dt.time(9, 15), Laterality.RIGHT, (goal,))]
    names = [e["name"] for e in blocks[0].details["exercises"]]
    assert "squats" in names and blocks[0].details["target_outcome"] == "strength"
    note = read(qtbot, window, lambda chart: notes.get_note(chart, note_id).note)
    assert not note.is_signed  # nothing is signed by the panel


def test_the_note_editor_opens_dictation_reloads_after_accepting_and_lock_closes_it(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    seeded, note_id = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    ws = window.workspace
    ws.open_note(note_id)
    editor = ws.editor
    qtbot.waitUntil(lambda: editor.ws is not None and editor.ws.note.id == note_id,
                    timeout=10_000)
    assert editor.dictate_button.isEnabled()
    qtbot.mouseClick(editor.dictate_button, LEFT)
    panel = editor.dictation
    assert panel is not None
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=10_000)
    assert panel.isVisible() and panel.windowModality() == Qt.WindowModality.WindowModal
    # What the panel accepts is written by the services; the editor reloads on note_changed.
    from desktop.worker import CommandOp

    CommandOp(panel, lambda chart: dictation.append_to_section(
        chart, note_id, "plan", "continue plan of care")).run()
    settle(qtbot, window)
    panel.note_changed.emit(note_id)
    soap_plan = editor.soap.edits["plan"]
    qtbot.waitUntil(lambda: soap_plan.toPlainText() == "Continue plan of care.", timeout=10_000)
    # Lock clears and closes the panel.
    window.flow.lock()
    qtbot.waitUntil(lambda: not shiboken6.isValid(panel) or not panel.isVisible(),
                    timeout=10_000)


def test_microphone_pcm_is_sealed_then_transcribed(
    qtbot: Any, open_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recording path after QAudioSource: in-memory 16-bit PCM → sealed WAV → draft.
    (No input device exists here, so the recorder's output is stood in for.)"""
    import numpy as np

    from desktop.scribe_panel.audio import RecordedAudio

    seeded, note_id = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    hears = GatedReplay(HEARD, gated=False)
    panel = open_panel(qtbot, window, note_id, hears)
    speech = load_audio(FIXTURE)[: 16_000 * 10]  # "Subjective. … no swelling since last visit"
    pcm = (speech * 32767).astype("<i2").tobytes()
    monkeypatch.setattr(panel.recorder, "stop", lambda: RecordedAudio(pcm, 16_000, 1))
    panel._recording_started = window.ctx.clock.now()
    with qtbot.waitSignal(panel.draft_ready, timeout=RUN_TIMEOUT):
        panel.stop_recording()
    settle(qtbot, window)
    # The transcriber got exactly the recorded PCM, as 16 kHz float samples.
    (samples,) = hears.received
    assert np.allclose(samples, (speech * 32767).astype("<i2") / 32768.0, atol=1e-4)
    assert "swelling" in " ".join(s.text.lower() for s in panel.draft.sentences)
    info = read(qtbot, window, lambda chart: dictation.list_recordings(chart, note_id))[0]
    assert (info.sample_rate, round(info.duration_s)) == (16_000, 10)
    assert info.created_at == window.ctx.clock.now().astimezone(dt.UTC).replace(tzinfo=None)
    stored = read(qtbot, window, lambda chart: dictation.load_recording(chart, info.id))
    assert stored.audio[:4] == b"RIFF" and pcm in stored.audio  # a WAV of exactly that PCM
    assert np.allclose(panel.player.duration, 10.0, atol=0.01)


def test_review_model_on_typed_text() -> None:
    """The panel's review rules, on a text draft (no audio, no Qt): the side conflict stands
    on every left-knee sentence, blocks get their form details, times and goal suggestions."""
    from core.domain.enums import GoalTerm
    from core.domain.episode import Goal
    from desktop.scribe_panel import review
    from scribe import DictationContext, draft_from_text

    draft = draft_from_text(
        "Subjective. Left knee pain 4 out of 10. Denies numbness. Objective. Left knee flexion "
        "120 degrees. Left quadriceps strength 4 minus over 5. Stair training 10 minutes to "
        "climb stairs. Leg press for strength 3 sets of 12 at 60 pounds, 15 minutes. Plan. "
        "Continue plan of care.", DictationContext.from_codes(["M17.11"]))
    rows = {r.text: r for r in review.review_rows(draft)}
    assert rows["Left knee pain 4/10."].severity == "block"
    assert rows["Left knee flexion 120°."].needs_confirmation  # same region, same wrong side
    assert not rows["Denies numbness."].flagged  # info only: accepted by "all unflagged"
    quads = rows["Left quadriceps strength 4-/5."]  # the dx_conflict reaches the muscle too
    assert quads.needs_confirmation
    assert [review.describe_item(i) for i in quads.items] == ["Strength · quadriceps 4-/5, left"]
    blocks = [r for r in rows.values() if r.kind == "block"]
    stairs = next(r.block for r in blocks if r.block and r.block.code == "97116")
    press = next(r.block for r in blocks if r.block and r.block.code == "97110")
    goals = [Goal(term=GoalTerm.SHORT, activity="Climb 12 stairs"),
             Goal(term=GoalTerm.LONG, activity="Walk 1500 feet")]
    assert review.suggest_goals(stairs, draft, goals) == [goals[0].id]
    assert review.suggest_goals(press, draft, goals) == []
    assert review.block_details(press, draft) == {
        "exercises": [{"name": "leg press", "sets": 3, "reps": 12, "load": 60.0,
                       "load_unit": "lb"}],
        "target_outcome": "strength", "target_outcomes": ["strength"]}
    assert review.default_times(press, dt.time(9, 50)) == (dt.time(9, 50), dt.time(10, 5))
    assert review.default_times(press, None) == (None, None)  # never invented
    assert review.parse_clock("9:30") == dt.time(9, 30) and review.parse_clock("25:00") is None


def test_preferences_choose_the_dictation_precision(qtbot: Any, open_window: Any,
                                                    tmp_path: Path) -> None:
    from desktop.dialogs.preferences import PreferencesDialog
    from desktop.scribe_panel.ops import app_transcriber
    from scribe.model import DEFAULT_COMPUTE_TYPE
    from scribe.transcribe import ModelTranscriber

    seeded = seed_chart(tmp_path / "clinic.chart")
    window = open_window(seeded.path)
    ctx = window.ctx
    assert app_transcriber(ctx) == ModelTranscriber(None)  # the measured default
    dialog = PreferencesDialog(ctx, window)
    qtbot.addWidget(dialog)
    assert dialog.precision.currentData() == ""
    assert DEFAULT_COMPUTE_TYPE in ("int8", "float32")
    dialog.precision.setCurrentIndex(dialog.precision.findData("float32"))
    dialog.save()
    assert ctx.options.get("scribe/compute_type") == "float32"
    assert app_transcriber(ctx) == ModelTranscriber("float32")
    ctx.transcriber = replay = GatedReplay(HEARD, gated=False)
    assert app_transcriber(ctx) is replay  # a transcriber handed to the app wins


@pytest.mark.real_model
def test_the_real_model_drafts_the_dictation_in_the_panel(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    """The bundled model, for real, behind the panel: progress, a draft, the side flag."""
    from scribe.transcribe import ModelTranscriber

    seeded, note_id = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    panel = open_panel(qtbot, window, note_id, ModelTranscriber())
    seen = run_to_review(qtbot, panel)
    assert seen[-1].fraction == 1.0 and panel.state == "review"
    assert panel.draft.sentences and panel.tree.topLevelItemCount() > 0
    assert "laterality.dx_conflict" in {f.code for f in panel.draft.flags}  # "left knee"


def test_a_recording_that_cannot_be_sealed_is_not_transcribed(
    qtbot: Any, open_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.domain.errors import StorageFailure

    seeded, note_id = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    hears = GatedReplay(HEARD, gated=False)
    panel = open_panel(qtbot, window, note_id, hears)

    def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise StorageFailure("The disk is full: the recording was not saved.")

    monkeypatch.setattr(dictation, "store_recording", disk_full)
    panel.import_file(FIXTURE)
    qtbot.waitUntil(lambda: panel.state == "failed", timeout=10_000)
    settle(qtbot, window)
    assert "disk is full" in panel.status.text()
    assert hears.received == [] and panel.draft is None


def test_a_sentence_is_edited_in_place_rechecked_and_a_flagged_one_confirmed(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    """Issue 13: "right knee" heard as "high knee" can be fixed before accepting; the edit is
    re-checked against the recording; a flagged sentence (warn or block) asks first."""
    from PySide6.QtWidgets import QLineEdit

    seeded, note_id = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    panel = open_panel(qtbot, window, note_id)
    run_to_review(qtbot, panel)
    row = next(r for r in panel.rows.values()
               if r.kind == "sentence" and "4/10" in r.text)  # "… left knee pain 4/10 today."
    assert row.needs_confirmation  # the side contradicts M17.11
    item = panel.tree.items_by_key[row.key]
    # Edit in the real tree: F2 on the selected row opens the editor.
    panel.tree.setCurrentItem(item)
    panel.tree.setFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_F2)
    editors = [e for e in panel.tree.findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1, editors
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, "Patient reports left knee pain 5/10 today.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event loop turn
    qtbot.waitUntil(lambda: panel.rows[row.key].text != row.text, timeout=5_000)
    edited = panel.rows[row.key]
    assert edited.text == "Patient reports left knee pain 5/10 today."
    assert "number.edit_not_dictated" in {f.code for f in edited.flags}  # 5 was never said
    assert item.text(0) == edited.text and item.text(1) == "Must fix"
    # Accepting it asks first; Cancel writes nothing, "Add to note" writes the edited words.
    panel.tree.select_key(row.key)
    panel.accept_selected()
    box = panel.acceptance.confirm_box
    assert box is not None and box.isVisible() and "5 does not appear" in box.text()
    box.reject()
    settle(qtbot, window)
    note = read(qtbot, window, lambda chart: notes.get_note(chart, note_id).note)
    assert "5/10" not in note.subjective
    panel.accept_selected()
    box = panel.acceptance.confirm_box
    add = next(b for b in box.buttons() if b.text() == "Add to note")
    with qtbot.waitSignal(panel.note_changed, timeout=10_000):
        qtbot.mouseClick(add, LEFT)
    settle(qtbot, window)
    note = read(qtbot, window, lambda chart: notes.get_note(chart, note_id).note)
    assert "left knee pain 5/10 today" in note.subjective.lower()
    # A warn-only row needs the same confirmation (it used to be added silently).
    warn = next((r for r in panel.rows.values() if r.severity == "warn"), None)
    if warn is not None:
        assert warn.needs_confirmation


def test_dictation_is_transcribed_while_recording(
    qtbot: Any, open_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21: the recorder's chunks (16 kHz mono 16-bit) are transcribed piece by piece while
    the clinician talks; the transcript grows on screen; Stop seals the recording and only the
    last piece is left. (No input device here: the recorder's chunk signal and stop() are
    stood in for, as in the microphone test above.)"""
    import numpy as np

    from desktop.scribe_panel.audio import RecordedAudio
    from scribe.live import MAX_PIECE_SECONDS

    seeded, note_id = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    hears = GatedReplay(HEARD, gated=False)
    panel = open_panel(qtbot, window, note_id, hears)
    speech = load_audio(FIXTURE)
    pcm = (speech * 32767).astype("<i2").tobytes()
    panel._recording_started = window.ctx.clock.now()
    panel._set_state("recording", "Recording…")
    panel.start_live()
    assert panel.live is not None
    half = 10 * 32_000  # paused after 10 s: before any pause cut (MIN_PIECE_SECONDS)
    for i in range(0, half, 3200):  # 100 ms at a time, as QAudioSource delivers it
        panel.recorder.chunk.emit(pcm[i : i + 3200])
    # Pause: what was said so far is transcribed while nothing is said.
    panel.pause_button.click()
    assert panel.state == "paused" and panel.pause_button.text() == "● Resume"
    assert panel.stop_button.isEnabled() and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: sum(a.size for a in hears.received) == half // 2, timeout=10_000)
    panel.pause_button.click()
    assert panel.state == "recording"
    for i in range(half, len(pcm), 3200):
        panel.recorder.chunk.emit(pcm[i : i + 3200])
    # Pieces come back while "recording": the transcript grows before Stop.
    qtbot.waitUntil(lambda: "Transcribed as you speak" in panel.eta.text(), timeout=10_000)
    assert len(hears.received) >= int(speech.size / 16_000 / MAX_PIECE_SECONDS)
    assert panel.transcript.toPlainText().strip()
    monkeypatch.setattr(panel.recorder, "stop", lambda: RecordedAudio(pcm, 16_000, 1))
    with qtbot.waitSignal(panel.draft_ready, timeout=RUN_TIMEOUT):
        panel.stop_recording()
    settle(qtbot, window)
    # The pieces together are the whole recording; the sealed WAV holds exactly that PCM.
    heard = np.concatenate(hears.received)
    assert heard.size == speech.size
    assert np.allclose(heard, (speech * 32767).astype("<i2") / 32768.0, atol=1e-4)
    info = read(qtbot, window, lambda chart: dictation.list_recordings(chart, note_id))[0]
    stored = read(qtbot, window, lambda chart: dictation.load_recording(chart, info.id))
    assert pcm in stored.audio and panel.state == "review" and panel.draft.sentences
    # Cancel while recording: the take is sealed with the note, nothing is transcribed.
    received = len(hears.received)
    panel._set_state("recording", "Recording…")
    panel.start_live()
    for i in range(0, len(pcm) // 4, 3200):
        panel.recorder.chunk.emit(pcm[i : i + 3200])
    monkeypatch.setattr(panel.recorder, "stop", lambda: RecordedAudio(pcm[: len(pcm) // 4],
                                                                      16_000, 1))
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: panel.state == "cancelled", timeout=10_000)
    assert "nothing was transcribed" in panel.status.text() and panel.live is None
    assert panel.again_button.isEnabled() and panel.discard_button.isEnabled()
    assert len(hears.received) == received
    takes = read(qtbot, window, lambda chart: dictation.list_recordings(chart, note_id))
    assert len(takes) == 2 and takes[-1].duration_s == pytest.approx(speech.size / 64_000,
                                                                       abs=0.01)


def test_preferences_add_a_model_folder_or_zip_and_measure_its_speed(
    qtbot: Any, open_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21: a CTranslate2 folder (here a copy of the bundled one) or a zip of it is checked
    and listed; a folder that is not a model is refused with the reason; Measure speed runs the
    real model on the bundled probe; the choice reaches the transcriber (per device)."""
    import shutil
    import zipfile

    from desktop.dialogs.preferences import PreferencesDialog
    from desktop.scribe_panel.ops import app_transcriber
    from scribe.model import bundled_model_path

    seeded = seed_chart(tmp_path / "clinic.chart")
    window = open_window(seeded.path)
    dialog = PreferencesDialog(window.ctx, window)
    qtbot.addWidget(dialog)
    settings = dialog.dictation
    mine = tmp_path / "my-model"
    shutil.copytree(bundled_model_path(), mine)
    settings.add_model(mine)
    qtbot.waitUntil(lambda: settings.model.currentData() == str(mine), timeout=10_000)
    not_a_model = tmp_path / "holiday-photos"
    not_a_model.mkdir()
    settings.add_model(not_a_model)
    qtbot.waitUntil(lambda: "missing model.bin" in settings.speed.text(), timeout=10_000)
    assert settings.model.findData(str(not_a_model)) < 0
    archive = tmp_path / "zipped-model.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in mine.iterdir():
            z.write(f, f"zipped-model/{f.name}")
    settings.add_model(archive)
    qtbot.waitUntil(lambda: str(settings.model.currentData()).endswith("zipped-model"),
                    timeout=60_000)
    assert (Path(settings.model.currentData()) / "model.bin").is_file()
    settings.model.setCurrentIndex(settings.model.findData(str(mine)))
    settings.precision.setCurrentIndex(settings.precision.findData("int8"))
    qtbot.mouseClick(settings.measure, LEFT)
    qtbot.waitUntil(lambda: "real time on this computer" in settings.speed.text(),
                    timeout=120_000)
    dialog.save()
    transcriber = app_transcriber(window.ctx)
    assert (transcriber.model, transcriber.compute_type) == (str(mine), "int8")
