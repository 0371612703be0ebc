"""``chartside scribe draft`` through the real entry point: on a committed espeak fixture with
the real model (robust assertions only: structure and the dictated side), and on the fixture's
recorded transcript (the draft's decisions, identical on every CPU)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scribe.serialize import transcript_to_dict
from tests.e2e.test_cli_foundation import run
from tests.scribe.recorded import recorded

FIXTURES = Path(__file__).resolve().parents[1] / "scribe" / "fixtures"


@pytest.mark.real_model
def test_scribe_draft_json_flags_the_wrong_side(tmp_path: Path) -> None:
    """int8 through ``--compute-type``; the default precision (float32) is the stream test's."""
    compute_type = "int8"
    res = run(["scribe", "draft", str(FIXTURES / "knee_daily_wrong_side.wav"), "--dx", "M17.11",
               "--compute-type", compute_type, "--json"], {"HF_HUB_OFFLINE": "1"}, tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    data = json.loads(res.stdout)
    for key in ("transcript", "segments", "sections", "items", "flags", "suggested_blocks"):
        assert key in data
    assert set(data["sections"]) == {"subjective", "objective", "assessment", "plan"}
    assert data["model"].endswith(f"{compute_type})")
    sides = [f for f in data["flags"] if f["kind"] == "laterality" and f["severity"] == "block"]
    assert sides, data["flags"]  # "left knee" said four times against M17.11


def test_scribe_draft_from_a_saved_transcript(tmp_path: Path) -> None:
    saved = tmp_path / "heard.json"
    saved.write_text(json.dumps(transcript_to_dict(recorded("knee_daily_wrong_side"))))
    res = run(["scribe", "draft", "--transcript", str(saved), "--dx", "M17.11", "--json"],
              {"HF_HUB_OFFLINE": "1"}, tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    data = json.loads(res.stdout)
    assert {(b["code"], b["minutes"]) for b in data["suggested_blocks"]} == {
        ("97110", 15), ("97140", 8)}
    assert "laterality.dx_conflict" in {f["code"] for f in data["flags"]}
    # The --json output itself can be drafted again (its segments carry the timed words).
    again = tmp_path / "draft.json"
    again.write_text(json.dumps({"transcript": transcript_to_dict(recorded("hip_daily"))}))
    res = run(["scribe", "draft", "--transcript", str(again)], {}, tmp_path)
    assert res.returncode == 0 and "SUGGESTED BLOCKS" in res.stdout


@pytest.mark.parametrize("args", [
    ["scribe", "draft"],  # neither audio nor transcript
    ["scribe", "draft", "x.wav", "--transcript", "t.json"],  # both
    ["scribe", "draft", "--transcript", "missing.json"],
    ["scribe", "draft", "--transcript", "bad.json"],
])
def test_scribe_draft_bad_input_is_one_clear_line(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "bad.json").write_text('{"segments": [{"words": "nope"}]}')
    res = run([a if not a.endswith(".json") else str(tmp_path / a) for a in args], {}, tmp_path)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_scribe_garbage_audio_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is not audio at all" * 100)
    res = run(["scribe", "draft", str(junk)], {"HF_HUB_OFFLINE": "1"}, tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.real_model
def test_scribe_draft_stream_prints_pieces_then_the_draft(tmp_path: Path) -> None:
    res = run(["scribe", "draft", str(FIXTURES / "knee_daily_wrong_side.wav"), "--dx", "M17.11",
               "--stream", "--json"], {"HF_HUB_OFFLINE": "1"}, tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    lines = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    pieces, draft = lines[:-1], lines[-1]
    assert len(pieces) >= 2 and [p["piece"] for p in pieces] == list(range(len(pieces)))
    assert all(p["start"] < p["end"] for p in pieces)
    assert "laterality.dx_conflict" in {f["code"] for f in draft["flags"]}
