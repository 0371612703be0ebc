"""kill -9 around backups and restores (20 rounds): nothing acknowledged is lost, every listed
backup still verifies, and a restore killed half-way can simply be run again."""

from __future__ import annotations

import contextlib
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
# One Python process imports the chart code once and forks a fresh child per round (a Python
# start-up and import per round was most of this test's time: 49 s in CI for 20 rounds). The
# child is a real process killed with SIGKILL, as before; the parent only forks and reaps.
ZYGOTE = textwrap.dedent(
    """
    import datetime as dt, os, sys, threading
    from pathlib import Path
    from core.services import backups, charts, patients

    def say(line):  # one write per line: the child's two threads and the parent share stdout
        os.write(1, (line + "\\n").encode())

    def child(start):
        chart = charts.open_chart(Path(sys.argv[1]), passphrase=sys.argv[2])
        folder, target = Path(sys.argv[3]), Path(sys.argv[4])
        lock = threading.Lock()

        def write():
            i = start
            while True:
                patients.create_patient(chart, first_name=f"K{i}", last_name="Loop",
                                        date_of_birth=dt.date(1980, 1, 1), allow_duplicate=True)
                with lock:
                    say(f"acked {i}")
                i += 1

        say("ready")  # the parent's kill clock starts here
        threading.Thread(target=write, daemon=True).start()
        while True:
            record = backups.back_up(chart, folder).record
            with lock:
                say(f"backup {record.folder.name}")
            backups.restore(record.folder, target, passphrase=sys.argv[2], replace=True)
            with lock:
                say("restored")

    say("zygote")
    for line in sys.stdin:
        start = int(line)
        pid = os.fork()
        if pid == 0:
            try:
                child(start)
            except BaseException:  # os._exit skips the traceback: print it for the test
                import traceback
                traceback.print_exc()
                sys.stderr.flush()
            finally:
                os._exit(1)
        say(f"pid {pid}")
        os.waitpid(pid, 0)
        say(f"reaped {pid}")
    """
)


def test_kill_during_backup_and_restore_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kill.chart"
    chart, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    chart.lock()
    folder, target = tmp_path / "bk", tmp_path / "restored.chart"
    rng = random.Random(15)
    acked: set[str] = set()
    finished = {"backup": 0, "restored": 0}
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as err_file:
        zygote = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, str(path), PASSPHRASE, str(folder), str(target)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err_file, text=True, cwd=ROOT,
        )
        assert zygote.stdin is not None and zygote.stdout is not None
        try:
            assert zygote.stdout.readline() == "zygote\n"
            for round_ in range(20):
                zygote.stdin.write(f"{round_ * 10_000}\n")
                zygote.stdin.flush()
                pid = int(zygote.stdout.readline().split()[1])
                lines = [zygote.stdout.readline()]  # "ready" once the chart is open
                time.sleep(rng.uniform(0.3, 2.0))
                # A child that ended by itself is gone already: its stderr, checked below,
                # says why.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                while (line := zygote.stdout.readline()) and not line.startswith("reaped"):
                    lines.append(line)
                assert line == f"reaped {pid}\n", line
                for line in lines:
                    if re.fullmatch(r"acked \d+\n", line):
                        acked.add(f"K{line.split()[1]}")
                    elif line.split() and line.split()[0] in finished:
                        finished[line.split()[0]] += 1
        finally:
            zygote.stdin.close()
            zygote.wait(timeout=30)
    err = errors.read_text()
    assert "Traceback" not in err and "Error" not in err, err[-6000:]
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
