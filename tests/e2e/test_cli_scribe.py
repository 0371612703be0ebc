"""``chartside scribe draft`` through the real entry point, on a committed espeak fixture."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli_foundation import run

FIXTURES = Path(__file__).resolve().parents[1] / "scribe" / "fixtures"


def test_scribe_draft_json_flags_the_wrong_side(tmp_path: Path) -> None:
    res = run(["scribe", "draft", str(FIXTURES / "knee_daily_wrong_side.wav"), "--dx", "M17.11",
               "--json"], {"HF_HUB_OFFLINE": "1"}, tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    data = json.loads(res.stdout)
    for key in ("transcript", "segments", "sections", "items", "flags", "suggested_blocks"):
        assert key in data
    assert set(data["sections"]) == {"subjective", "objective", "assessment", "plan"}
    sides = [f for f in data["flags"] if f["kind"] == "laterality" and f["severity"] == "block"]
    assert sides, data["flags"]
    assert any(b["code"] == "97110" for b in data["suggested_blocks"])


def test_scribe_garbage_audio_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is not audio at all" * 100)
    res = run(["scribe", "draft", str(junk)], {"HF_HUB_OFFLINE": "1"}, tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
