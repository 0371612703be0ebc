"""Sync client over loopback HTTP: a real ``chartside-server serve`` process on 127.0.0.1.

Measures, with real encrypted charts on disk (SQLCipher, ``synchronous=FULL``):

* **initial sync**: a 10,000-note chart (100 patients × 100 visits; 90 % of the notes signed,
  each with SOAP text and two timed blocks) is pushed by device A; then a new, empty device B
  (enrolled and paired) runs one ``sync now`` that pulls, decrypts, verifies and materializes
  everything. Target < 60 s.
* **incremental**: A edits one draft note and syncs; B syncs and has it. Median of 15. Target
  < 300 ms.
* **chart size**: A's file (with its WAL folded in) before and after the first push: sealed
  ciphertexts are no longer kept in the outbox once the batch's answer is recorded.
* **baselines in the same run**: a bare HTTP reader pulling the same log without decrypting or
  applying anything, and a bare push of one pre-encrypted change + pull on another device.

Only loopback addresses are used and every loop is bounded. ``python -m bench sync``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench._harness import median_time, ms, report
from bench.bench_server import serving
from core.domain.enums import Discipline, NoteType, PlaceOfService, VisitStatus
from core.domain.episode import Episode
from core.domain.patient import Patient
from core.domain.practice import Clinician
from core.domain.visit import Note, TimedBlock, Visit
from core.services import charts, notes
from core.services import sync as sync_service
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams
from server import accounts, migrate
from server.db import make_engine
from syncwire import SCHEMA_HEADER, EnrollRequest, b64encode

PATIENTS = 100
VISITS = 100
INCREMENTAL_REPEAT = 15
PASSPHRASE = "bench-lantern-orchard-47"
SOAP = (
    "Pt reports L knee pain 3/10 after stairs; HEP done 5/7 days. "
    "AROM knee flexion 0-118, ext lag 3 deg; SLR x10 without lag; gait with SPC. "
    "Tolerated progression of closed-chain loading; cues needed for hip hinge. "
    "Continue POC 2x/wk: progress step-ups, add lateral band walks, review HEP. "
) * 2


def build_chart(path: Path) -> tuple[ChartSession, list[uuid.UUID]]:
    """A chart with PATIENTS × VISITS notes, one unit of work per patient; returns the drafts."""
    session, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    drafts: list[uuid.UUID] = []
    with session.uow() as uow:
        clinician = Clinician(first_name="Bench", last_name="Clinician", discipline=Discipline.PT)
        uow.clinicians.save(clinician)
        uow.record("create", "clinician", clinician.id)
        uow.commit()
    start = dt.date(2025, 1, 1)
    for p in range(PATIENTS):
        with session.uow() as uow:
            patient = Patient(first_name=f"Bench{p}", last_name="Patient",
                              date_of_birth=dt.date(1960, 1, 1) + timedelta(days=p))
            uow.patients.save(patient)
            uow.record("create", "patient", patient.id)
            episode = Episode(patient_id=patient.id, discipline=Discipline.PT, start_date=start,
                              clinician_id=clinician.id)
            uow.episodes.save(episode)
            uow.record("create", "episode", episode.id)
            for v in range(VISITS):
                visit = Visit(patient_id=patient.id, episode_id=episode.id,
                              clinician_id=clinician.id, date=start + timedelta(days=v),
                              place_of_service=PlaceOfService.OFFICE,
                              status=VisitStatus.COMPLETED)
                uow.visits.save(visit)
                uow.record("create", "visit", visit.id)
                note = Note(visit_id=visit.id, note_type=NoteType.DAILY, subjective=SOAP[:160],
                            objective=SOAP[160:320], assessment=SOAP[320:480], plan=SOAP[480:],
                            updated_at=dt.datetime(2025, 1, 1))
                note.add_block(TimedBlock(code="97110", start=dt.time(9), stop=dt.time(9, 23)))
                note.add_block(TimedBlock(code="97530", start=dt.time(9, 23), stop=dt.time(9, 40)))
                signed = v % 10 != 9
                uow.notes.save(note)  # as a draft first: a signed note's blocks need their row
                if signed:
                    note.mark_signed(by=clinician.id, at=dt.datetime(2025, 1, 2), snapshot="{}",
                                     content_hash="0" * 64)
                    uow.notes.save(note)
                uow.record("sign" if signed else "create", "note", note.id)
                if not signed:
                    drafts.append(note.id)
            uow.commit()
    return session, drafts


def enroll(db_url: str, account: uuid.UUID, base: str, chart: ChartSession, name: str) -> Any:
    engine = make_engine(db_url)
    try:
        code, _ = accounts.create_enroll_code(engine, account, timedelta(hours=1))
    finally:
        engine.dispose()
    return sync_service.enroll(chart, server=base, code=code, device_name=name)


def bare_reader(db_url: str, account: uuid.UUID, base: str) -> float:
    """Pull the whole log over HTTP with no decryption and no apply (the transport floor)."""
    engine = make_engine(db_url)
    try:
        code, _ = accounts.create_enroll_code(engine, account, timedelta(hours=1))
        token = accounts.enroll(engine, EnrollRequest(code=code, device_name="bare")).token
    finally:
        engine.dispose()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}",
                                              SCHEMA_HEADER: "3"},
                      timeout=120) as http:
        t0 = time.perf_counter()
        after = 0
        for _ in range(10_000):
            body = http.get("/v1/sync/pull", params={"after": after, "limit": 1000}).json()
            after = body["next_after"]
            if not body["has_more"]:
                break
        return time.perf_counter() - t0


def bare_round_trip(db_url: str, account: uuid.UUID, base: str) -> float:
    engine = make_engine(db_url)
    devices = []
    try:
        for name in ("bare writer", "bare reader"):
            code, _ = accounts.create_enroll_code(engine, account, timedelta(hours=1))
            enrolled = accounts.enroll(engine, EnrollRequest(code=code, device_name=name))
            devices.append(enrolled)
    finally:
        engine.dispose()
    writer, reader = (httpx.Client(base_url=base, headers={"Authorization": f"Bearer {d.token}",
                                                           SCHEMA_HEADER: "3"},
                                   timeout=60) for d in devices)
    cursor = {"after": 0}
    with writer, reader:
        first = reader.get("/v1/sync/pull", params={"after": 0, "limit": 1}).json()
        cursor["after"] = first["last_seq"]

        def once() -> None:
            change = {"change_id": str(uuid.uuid4()), "record_id": str(uuid.uuid4()),
                      "entity": "note", "version_id": str(uuid.uuid4()), "parent_ids": [],
                      "kind": "edit", "ciphertext": b64encode(os.urandom(2400)),
                      "nonce": b64encode(os.urandom(24)), "key_id": "bench"}
            body = {"device_id": str(devices[0].device_id), "batch_id": str(uuid.uuid4()),
                    "changes": [change]}
            writer.post("/v1/sync/push", json=body).raise_for_status()
            pulled = reader.get("/v1/sync/pull", params=cursor).json()
            cursor["after"] = pulled["next_after"]

        return median_time(once, repeat=INCREMENTAL_REPEAT, warmup=2)


def chart_bytes(chart: ChartSession, path: Path) -> int:
    """The chart's size on disk once its write-ahead log is folded in."""
    chart.checkpoint()
    wal = Path(f"{path}-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        folder = Path(tmp)
        db_url = f"sqlite:///{folder / 'server.sqlite3'}"
        engine = make_engine(db_url)
        migrate.upgrade(engine)
        account = accounts.create_account(engine, "Bench practice").account_id
        engine.dispose()
        t0 = time.perf_counter()
        a, drafts = build_chart(folder / "a.chart")
        built = time.perf_counter() - t0
        b, _ = charts.create_chart(folder / "b.chart", PASSPHRASE, kdf=KdfParams.fast_for_tests())
        try:
            with serving(db_url) as base:
                enroll(db_url, account, base, a, "A")
                size_before = chart_bytes(a, folder / "a.chart")
                t0 = time.perf_counter()
                pushed = sync_service.sync_now(a)
                push_s = time.perf_counter() - t0
                size_after = chart_bytes(a, folder / "a.chart")
                joined = enroll(db_url, account, base, b, "B")
                approval = sync_service.approve_device(a, joined.device_id)
                sync_service.pair(b, approval.pairing_code)
                t0 = time.perf_counter()
                pulled = sync_service.sync_now(b)
                initial = time.perf_counter() - t0
                with b.uow() as uow:
                    assert len(uow.notes.rows()) == PATIENTS * VISITS
                floor = bare_reader(db_url, account, base)

                edits = iter(drafts)

                def incremental() -> None:
                    notes.edit_section(a, next(edits), "plan", f"edited {time.time_ns()}")
                    sync_service.sync_now(a)
                    got = sync_service.sync_now(b)
                    assert got.pulled == 1, got

                inc = median_time(incremental, repeat=INCREMENTAL_REPEAT, warmup=2)
                bare_inc = bare_round_trip(db_url, account, base)
        finally:
            a.lock()
            b.lock()
    versions = pushed.pushed
    rows = [
        ("build the 10,000-note chart A (setup)", f"{built:.1f} s"),
        (f"A pushes everything ({versions} versions, {pushed.batches} batches)",
         f"{push_s:.1f} s"),
        (f"initial sync to empty device B ({pulled.pulled} versions, target < 60 s)",
         f"{initial:.1f} s ({pulled.pulled / initial:,.0f} versions/s)"),
        ("  baseline: bare HTTP pull of the same log (no decrypt/apply)", f"{floor:.2f} s"),
        ("incremental: edit 1 note, A syncs, B syncs (median, target < 300 ms)", ms(inc)),
        ("  baseline: bare push of 1 change + pull on another device", ms(bare_inc)),
        ("chart A on disk before / after its first push",
         f"{size_before / 2**20:.1f} MiB / {size_after / 2**20:.1f} MiB "
         f"(x{size_after / size_before:.2f})"),
    ]
    report("sync", rows, raw={"initial_s": initial, "incremental_s": inc, "push_s": push_s,
                              "bare_pull_s": floor, "bare_incremental_s": bare_inc,
                              "versions": versions, "chart_before_bytes": size_before,
                              "chart_after_bytes": size_after})


if __name__ == "__main__":
    main()
