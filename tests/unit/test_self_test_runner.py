"""``run_self_test``'s report (issue 16): one line per step with its time, a failing step makes
exit 1 and the next steps still run, a skipped step is not a failure, the environment and the
temporary folder are restored. Fake steps: pure logic (the real run is tests/e2e)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from desktop import selftest


def run(monkeypatch: pytest.MonkeyPatch, steps: Any) -> tuple[int, list[str]]:
    monkeypatch.setattr(selftest, "STEPS", steps)
    out = io.StringIO()
    code = selftest.run_self_test(out)
    return code, out.getvalue().splitlines()


def test_all_pass_and_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def look(st: Any) -> str:
        seen["folder"], seen["state"] = st.folder, os.environ["CHARTSIDE_STATE_DIR"]
        return "fine"

    def skip(_st: Any) -> str:
        raise selftest.StepSkipped("no scribe here")

    before = os.environ.get("CHARTSIDE_STATE_DIR")
    code, lines = run(monkeypatch, (("one", look), ("scribe", skip)))
    assert code == 0
    assert re.fullmatch(r"ok   one +\d+\.\d\d s  fine", lines[1])
    assert re.fullmatch(r"skip scribe +\d+\.\d\d s  skipped: no scribe here", lines[2])
    assert lines[-1].startswith("ok   total") and "all steps passed" in lines[-1]
    assert seen["state"].startswith(str(seen["folder"]))
    assert not Path(seen["folder"]).exists()
    assert os.environ.get("CHARTSIDE_STATE_DIR") == before


def test_a_failure_is_reported_and_later_steps_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def bad(_st: Any) -> str:
        raise selftest.SelfTestFailed("the note read back differs")

    code, lines = run(monkeypatch, (("note", bad), ("units", lambda _st: "3 units")))
    assert code == 1
    assert lines[1].startswith("FAIL note") and "the note read back differs" in lines[1]
    assert lines[2].startswith("ok   units")
    assert lines[-1].startswith("FAIL total") and "1 step(s) FAILED" in lines[-1]


def test_without_a_console_the_report_goes_to_the_log_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(selftest, "STEPS", (("units", lambda _st: "3 units"),))
    monkeypatch.setenv("CHARTSIDE_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr("sys.stdout", None)  # PyInstaller's windowed build
    assert selftest.run_self_test() == 0
    report = (tmp_path / "logs" / "self-test.txt").read_text()
    assert "ok   units" in report and "all steps passed" in report
