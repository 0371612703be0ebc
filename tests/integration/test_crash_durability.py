"""kill -9 in the middle of a stream of writes loses nothing that was acknowledged."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from core.services import charts, patients
from core.storage.keys import KdfParams
from tests.conftest import PASSPHRASE

CHILD = textwrap.dedent(
    """
    import datetime as dt, sys
    from core.services import charts, patients
    chart = charts.open_chart(sys.argv[1], passphrase=sys.argv[2])
    i = 0
    while True:
        patients.create_patient(chart, first_name=f"Crash{i}", last_name="Loop",
                                date_of_birth=dt.date(1980, 1, 1), allow_duplicate=True)
        print(i, flush=True)   # acknowledged only after the commit returned
        i += 1
    """
)


def test_sigkill_mid_write_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    path = tmp_path / "crash.chart"
    session, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    session.lock()
    rng = random.Random(1234)
    env = dict(os.environ)
    total_acked = 0
    for _round in range(10):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), PASSPHRASE],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # wait until writes are flowing
        assert first.strip().isdigit(), proc.stderr.read() if proc.stderr else first
        time.sleep(rng.uniform(0.02, 0.3))
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=30)
        acked = [first.strip(), *out.split()]
        total_acked += len(acked)

        chart = charts.open_chart(path, passphrase=PASSPHRASE)
        try:
            assert chart.integrity_problems() == []
            names = {r.first_name for r in patients.search_patients(chart, "loop", limit=100000)}
        finally:
            chart.lock()
        # This round's acknowledged writes are all present (names repeat across rounds).
        assert {f"Crash{i}" for i in acked} <= names
        assert len(names) >= len(acked)
    assert total_acked >= 10
