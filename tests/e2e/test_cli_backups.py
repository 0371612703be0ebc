"""``chartside backup / backups / restore / check-integrity`` as a user runs them (subprocesses).

The lost-laptop story from the README: a backup folder and the recovery key give a working chart
on a new machine.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.e2e.test_cli_foundation import PASS, run


def _init(path: Path, state: Path) -> str:
    res = run(["--chart", str(path), "init"], {"CHARTSIDE_PASSPHRASE": PASS}, state)
    assert res.returncode == 0, res.stderr
    match = re.search(r"([0-9A-Z]{4}(?:-[0-9A-Z]{4}){7})", res.stdout)
    assert match
    return match.group(1)


def test_backup_then_lost_laptop_restore_with_the_recovery_key(tmp_path: Path) -> None:
    state = tmp_path / "st"
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    chart = laptop / "practice.chart"
    recovery = _init(chart, state)
    env = {"CHARTSIDE_PASSPHRASE": PASS}
    usb = tmp_path / "usb"
    usb.mkdir()
    res = run(["--chart", str(chart), "backup", "--to", str(usb / "chartside")], env, state)
    assert res.returncode == 0, res.stderr
    assert "verified" in res.stdout
    res = run(["backups", "list", "--dir", str(usb / "chartside"), "--json"], None, state)
    assert res.returncode == 0, res.stderr
    (listed,) = json.loads(res.stdout)
    assert listed["ok"] is True

    shutil.rmtree(laptop)  # the laptop is gone
    new = tmp_path / "new-machine" / "practice.chart"
    new.parent.mkdir()
    res = run(
        ["restore", listed["folder"], "--to", str(new)],
        {"CHARTSIDE_RECOVERY_KEY": recovery},
        tmp_path / "st2",
    )
    assert res.returncode == 0, res.stderr
    res = run(["--chart", str(new), "check-integrity"], env, tmp_path / "st2")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Chart intact" in res.stdout
    res = run(["--chart", str(new), "verify-audit"], env, tmp_path / "st2")
    assert res.returncode == 0


def test_exit_codes_for_missing_folder_existing_target_and_verify(tmp_path: Path) -> None:
    state = tmp_path / "st"
    chart = tmp_path / "practice.chart"
    _init(chart, state)
    env = {"CHARTSIDE_PASSPHRASE": PASS}
    stick = tmp_path / "stick"
    stick.mkdir()
    assert (
        run(["--chart", str(chart), "backup", "--to", str(stick / "bk")], env, state).returncode
        == 0
    )
    res = run(["--chart", str(chart), "backups", "verify"], env, state)
    assert res.returncode == 0, res.stdout + res.stderr
    folder = next((stick / "bk").iterdir())
    res = run(["--chart", str(chart), "restore", str(folder)], env, state)
    assert res.returncode == 5 and "--replace" in res.stderr
    shutil.rmtree(stick)  # unplugged
    res = run(["--chart", str(chart), "backup"], env, state)
    assert res.returncode == 4, res.stderr
    assert "unplugged" in res.stderr and "Traceback" not in res.stderr
