"""Issue 24: the JSON export reads in bulk (statements do not grow with visits) and gives what
the per-visit reads gave; SQLCipher's memory security is off unless opted in (each setting
checked in its own process: it is process-wide and cannot be turned off once on); core dumps are
disabled by the ``chartside`` entry point."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from core.export import json_export
from core.services import demo
from core.storage.chart import ChartSession

ROOT = Path(__file__).resolve().parents[2]


def _count_statements(chart: ChartSession) -> tuple[list[int], Any]:
    count = [0]

    def before(*_: Any) -> None:
        count[0] += 1

    event.listen(chart.engine, "before_cursor_execute", before)
    return count, before


def _per_visit_export(chart: ChartSession) -> list[dict[str, Any]]:
    """The visits of every episode as the export built them before (one read per visit)."""
    out = []
    with chart.uow() as uow:
        for pid in uow.patients.all_ids():
            for episode in uow.episodes.for_patient(pid):
                for row in sorted(uow.visits.rows(episode_id=episode.id), key=lambda r: r.date):
                    visit = json_export._plain_py(uow.visits.get(row.id))
                    note = uow.notes.for_visit(row.id)
                    visit["note"] = json_export._plain_py(note) if note else None
                    out.append(visit)
    return out


def test_export_is_the_per_visit_reads_in_few_statements(chart: ChartSession) -> None:
    demo.populate(chart, today=dt.date(2026, 3, 16))
    expected = _per_visit_export(chart)
    count, listener = _count_statements(chart)
    with chart.uow() as uow:
        data = json_export.export_chart(uow, chart.chart_id)
    event.remove(chart.engine, "before_cursor_execute", listener)
    visits = [v for p in data["patients"] for e in p["episodes"] for v in e["visits"]]
    assert visits == expected
    assert len(visits) > 100 and sum(v["note"] is not None for v in visits) > 100
    # Per patient a handful of reads (payments, packages, scores...), never per visit: the demo's
    # 114 visits took 5 statements each before (570+).
    patients = len(data["patients"])
    assert count[0] < 20 + 8 * patients, count[0]
    assert count[0] < len(visits)


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


def test_export_bytes_are_indented_utf8_json(chart: ChartSession) -> None:
    demo.populate(chart, today=dt.date(2026, 3, 16))
    with chart.uow() as uow:
        data = json_export.export_chart(uow, chart.chart_id)
    raw = json_export.dump_bytes(data)
    assert raw.startswith(b'{\n  "format": "chartside-export"') and raw.endswith(b"}\n")
    assert json.loads(raw) == json.loads(json.dumps(data))


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
