"""Issue 24: the export's fast conversion (orjson) gives what the Python walk gives (the streamed
export itself: tests/integration/test_export_stream.py); SQLCipher's memory security is off
unless opted in (each setting checked in its own process: it is process-wide and cannot be
turned off once on); core dumps are disabled by the ``chartside`` entry point."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.export import json_export
from core.services import demo
from core.storage.chart import ChartSession

ROOT = Path(__file__).resolve().parents[2]


def test_fast_conversion_is_the_python_one(chart: ChartSession) -> None:
    """orjson's round trip gives exactly what the Python walk gives, for every record kind the
    export holds (patients, episodes, visits, notes with blocks, payments, fees...)."""
    demo.populate(chart, today=dt.date(2026, 3, 16))
    with chart.uow() as uow:
        objects: list[Any] = [uow.practice.get(), *uow.clinicians.list(), *uow.payers.list()]
        for pid in uow.patients.all_ids():
            objects.append(uow.patients.get(pid))
            for episode in uow.episodes.for_patient(pid):
                objects.append(episode)
                for row in uow.visits.rows(episode_id=episode.id):
                    objects.append(uow.visits.get(row.id))
                    if row.note_id:
                        objects.append(uow.notes.get(row.note_id))
    assert len(objects) > 200
    for obj in objects:
        assert json_export._plain(obj) == json_export._plain_py(obj), type(obj).__name__


def _child(code: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "CHARTSIDE_CIPHER_MEMORY_SECURITY"}
    environ.update(env)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ,
                         capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.strip()


_MEMSEC = """
import sys, tempfile
from pathlib import Path
from core.services import charts
from core.storage.keys import KdfParams
s, _ = charts.create_chart(Path(tempfile.mkdtemp()) / "m.chart", "a long test passphrase 1",
                           kdf=KdfParams.fast_for_tests())
with s.engine.connect() as conn:
    print(conn.exec_driver_sql("PRAGMA cipher_memory_security").scalar())
"""


@pytest.mark.parametrize(("setting", "expected"), [(None, "0"), ("1", "1"), ("off", "0")])
def test_memory_security_is_opt_in(setting: str | None, expected: str, tmp_path: Path) -> None:
    env = {"CHARTSIDE_STATE_DIR": str(tmp_path / "state")}
    if setting is not None:
        env["CHARTSIDE_CIPHER_MEMORY_SECURITY"] = setting
    assert _child(_MEMSEC, **env).splitlines()[-1] == expected


def test_chartside_entry_point_disables_core_dumps(tmp_path: Path) -> None:
    code = ("import resource, contextlib, io\n"
            "from desktop.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['units', '--method', 'cms', '97110=23'])\n"
            "print(resource.getrlimit(resource.RLIMIT_CORE))")
    assert _child(code, CHARTSIDE_STATE_DIR=str(tmp_path / "state")) == "(0, 0)"
