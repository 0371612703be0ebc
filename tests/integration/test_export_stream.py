"""Issue 24: the JSON export is streamed a batch of patients at a time and writes exactly the
document the record-by-record reads give; a failed write leaves the previous file alone.

One demo chart for the module (real SQLCipher file); the failure case runs in a child process
under RLIMIT_FSIZE, so the disk really refuses the write.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import event

from core.export import json_export
from core.services import charts, demo, exports
from core.storage import audit
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams
from core.storage.repos_billing import BillingRepos
from core.storage.repos_books import BooksRepos
from core.storage.repos_measures import MeasureScoreRepo
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
AT = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo_chart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartSession]:
    folder = tmp_path_factory.mktemp("export")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHARTSIDE_STATE_DIR", str(folder / "state"))
        session, _ = charts.create_chart(folder / "demo.chart", PASSPHRASE,
                                         kdf=KdfParams.fast_for_tests())
        demo.populate(session, today=dt.date(2026, 3, 16))
        try:
            yield session
        finally:
            session.lock()


def _record_by_record(chart: ChartSession) -> dict[str, Any]:
    """The export document built one record at a time through the per-record reads (the
    reference): patients in list order, visits by date and start time."""
    P = json_export._plain_py
    with chart.uow() as uow:
        billing, books = BillingRepos(uow.conn), BooksRepos(uow.conn)
        scores = MeasureScoreRepo(uow.conn)
        patients = []
        for pid in uow.patients.all_ids():
            patient = P(uow.patients.get(pid))
            patient["payments"] = P(billing.payments.for_patient(pid))
            patient["packages"] = P(billing.packages.for_patient(pid))
            patient["package_uses"] = P(billing.packages.uses_for_patient(pid))
            patient["measure_scores"] = P(scores.list(patient_id=pid))
            episodes = []
            for episode in uow.episodes.for_patient(pid):
                ep = P(episode)
                rows = sorted(uow.visits.rows(episode_id=episode.id),
                              key=lambda r: (r.date, r.start_time is not None,
                                             r.start_time or dt.time.min, r.id.hex))
                ep["visits"] = []
                for row in rows:
                    visit = P(uow.visits.get(row.id))
                    note = uow.notes.for_visit(row.id)
                    visit["note"] = P(note) if note else None
                    ep["visits"].append(visit)
                episodes.append(ep)
            patient["episodes"] = episodes
            patients.append(patient)
        clinicians = uow.clinicians.list()
        report = audit.verify(uow.conn)
        practice = uow.practice.get()
        return {
            "format": "chartside-export", "version": json_export.VERSION,
            "exported_at": AT.isoformat(), "chart_id": chart.chart_id,
            "practice": P(practice) if practice else None,
            "clinicians": P(clinicians), "payer_profiles": P(uow.payers.list()),
            "fees": P(billing.fees.list()),
            "mileage": P(books.mileage.list(dt.date.min, dt.date.max)),
            "clock_entries": P([e for c in clinicians
                                for e in books.clock.between(c.id, dt.datetime.min, None)]),
            "patients": patients,
            "audit": {"rows": report.rows, "verified": report.ok},
        }


def _stream(chart: ChartSession, batch_visits: int) -> tuple[bytes, int]:
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    out = io.BytesIO()
    event.listen(chart.engine, "before_cursor_execute", count)
    try:
        with chart.uow() as uow:
            written = json_export.write_chart(uow, chart.chart_id, out, exported_at=AT,
                                              batch_visits=batch_visits)
    finally:
        event.remove(chart.engine, "before_cursor_execute", count)
    assert written.bytes == len(out.getvalue())
    return out.getvalue(), statements[0]


def test_streamed_export_is_the_record_by_record_document(demo_chart: ChartSession) -> None:
    expected = json_export.dump_bytes(_record_by_record(demo_chart))
    whole, few = _stream(demo_chart, batch_visits=1_000_000)  # one batch
    assert whole == expected  # byte for byte: same keys, order, indentation, final newline
    data = json.loads(whole)
    visits = [v for p in data["patients"] for e in p["episodes"] for v in e["visits"]]
    assert len(data["patients"]) > 5 and len(visits) > 100
    assert sum(v["note"] is not None and len(v["note"]["blocks"]) > 0 for v in visits) > 50
    assert data["audit"]["verified"] is True
    # Batches of a few visits (each patient alone, at least) give the same bytes; statements
    # grow with the batches, never with the visits.
    small, many = _stream(demo_chart, batch_visits=1)
    assert small == expected
    assert few < 40 and many < 15 * len(data["patients"]) + 20 < len(visits) * 2


def test_patient_batches_hold_a_bounded_number_of_visits(demo_chart: ChartSession) -> None:
    with demo_chart.uow() as uow:
        order = uow.patients.all_ids()
        visits = {pid: len(uow.visits.rows(patient_id=pid)) for pid in order}
        batches = uow.export.patient_batches(max_visits=12)
        whole = uow.export.patient_batches()
    assert [pid for b in batches for pid in b] == order == whole[0]  # list order, all of them
    assert len(batches) > 3
    for batch in batches:
        assert len(batch) == 1 or sum(visits[p] for p in batch) <= 12


def test_export_file_is_private_whole_and_audited(
    demo_chart: ChartSession, tmp_path: Path
) -> None:
    out = tmp_path / "chart-export.json"
    out.write_text("an older export")
    size = exports.write_json_export(demo_chart, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.stat().st_size == size
    data = orjson.loads(out.read_bytes())
    assert data["format"] == "chartside-export" and data["chart_id"] == demo_chart.chart_id
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart-export.json"]  # no temp file
    last = charts.recent_audit(demo_chart, limit=1)[0]
    assert last["action"] == "export" and last["detail"] == f"json patients={len(data['patients'])}"


_FULL_DISK = """
import json, resource, signal, sys
from pathlib import Path
from core.domain.errors import ChartsideError
from core.services import charts, exports
chart = charts.open_chart(Path(sys.argv[1]), passphrase=sys.argv[2])
chart.checkpoint()  # the export's audit row then fits in a small WAL
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
try:
    exports.write_json_export(chart, Path(sys.argv[3]))
    print(json.dumps({"raised": None}))
except ChartsideError as error:
    print(json.dumps({"raised": type(error).__name__, "code": error.exit_code,
                      "message": str(error)}))
"""


def test_a_disk_that_refuses_the_export_leaves_the_previous_file(
    demo_chart: ChartSession, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "export.json"
    out.write_bytes(b'{"previous": "export"}\n')
    env = {**os.environ, "CHARTSIDE_STATE_DIR": str(tmp_path / "state")}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_FULL_DISK), str(demo_chart.path), PASSPHRASE,
         str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["raised"] == "StorageFailure" and result["code"] == 6, result
    assert "export" in result["message"] and "disk" in result["message"]
    assert out.read_bytes() == b'{"previous": "export"}\n'
    assert [p.name for p in out.parent.iterdir()] == ["export.json"]  # no temp file left
    assert uuid.UUID(demo_chart.chart_id)  # the chart itself is untouched and still open
    with demo_chart.uow() as uow:
        assert uow.export.verify_audit().ok
