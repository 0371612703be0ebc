"""kill -9 around backups and restores (20 rounds): nothing acknowledged is lost, every listed
backup still verifies, and a restore killed half-way can simply be run again."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from core.services import backups, charts, patients
from core.storage.keys import KdfParams
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
CHILD = textwrap.dedent(
    """
    import datetime as dt, sys, threading
    from pathlib import Path
    from core.services import backups, charts, patients
    chart = charts.open_chart(Path(sys.argv[1]), passphrase=sys.argv[2])
    folder, target, start = Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5])
    lock = threading.Lock()

    def say(line):  # one write per line: two threads print
        with lock:
            sys.stdout.write(line + "\\n")
            sys.stdout.flush()

    def write():
        i = start
        while True:
            patients.create_patient(chart, first_name=f"K{i}", last_name="Loop",
                                    date_of_birth=dt.date(1980, 1, 1), allow_duplicate=True)
            say(f"acked {i}")
            i += 1

    say("ready")  # the parent's kill clock starts here, not at spawn (imports vary with load)
    threading.Thread(target=write, daemon=True).start()
    while True:
        record = backups.back_up(chart, folder).record
        say(f"backup {record.folder.name}")
        backups.restore(record.folder, target, passphrase=sys.argv[2], replace=True)
        say("restored")
    """
)


def test_kill_during_backup_and_restore_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kill.chart"
    chart, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    chart.lock()
    folder, target = tmp_path / "bk", tmp_path / "restored.chart"
    rng = random.Random(15)
    acked: set[str] = set()
    start = 0
    finished = {"backup": 0, "restored": 0}
    for _round in range(20):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                str(path),
                PASSPHRASE,
                str(folder),
                str(target),
                str(start),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # "ready" once the chart is open ("" if it died)
        time.sleep(rng.uniform(0.3, 2.0))
        os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        out = first + out
        assert "Traceback" not in err and "Error" not in err, err[-6000:]
        for line in out.splitlines():
            if re.fullmatch(r"acked \d+", line):
                acked.add(f"K{line.split()[1]}")
            elif line.split() and line.split()[0] in finished:
                finished[line.split()[0]] += 1
        start += 10_000
    # Kills landed before, during and after backups and restores, not only between them.
    assert finished["backup"] >= 10 and finished["restored"] >= 5, finished
    chart = charts.open_chart(path, passphrase=PASSPHRASE)
    try:
        names = {r.first_name for r in patients.search_patients(chart, "", limit=1_000_000)}
        assert acked <= names, f"{len(acked - names)} acknowledged writes lost"
        assert chart.integrity_problems() == []
        assert charts.verify_audit(chart).ok
        checked = backups.verify_backups(folder, chart=chart)
    finally:
        chart.lock()
    assert checked and all(r.ok for r in checked), [r.problems for r in checked if not r.ok]
    backups.restore(checked[-1].folder, target, passphrase=PASSPHRASE, replace=True)
    charts.open_chart(target, passphrase=PASSPHRASE).lock()
