"""Foundation benchmarks: unlock, inserting 10,000 notes, patient search, file size, and
building the demo chart (``demo.populate``: what "Open the demo chart" and many tests wait for;
target < 3 s with test KDF parameters).

Each workload runs twice in the same process — on SQLCipher and on plain SQLite (the same
sqlcipher3 build with no key) — so the encryption overhead is a same-run ratio.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench._harness import median_time, ms, report
from core.domain.enums import Discipline
from core.domain.episode import Episode
from core.domain.ids import new_id
from core.domain.patient import Patient
from core.domain.practice import Clinician
from core.domain.visit import Note, TimedBlock, Visit
from core.services import charts, demo
from core.storage import migrate
from core.storage.chart import ChartSession
from core.storage.engine import KeyHolder, make_engine
from core.storage.keys import KdfParams

PASS = "benchmark-passphrase-1"
N_NOTES = 10_000
N_PATIENTS = 10_000
FIRST = ["Ava", "Liam", "Mia", "Noah", "Zoe", "Eli", "Ivy", "Owen", "Ruby", "Finn", "Nora", "Theo"]
LAST = [
    "Arden",
    "Bishop",
    "Calder",
    "Dunn",
    "Ellis",
    "Fenwick",
    "Garrow",
    "Hale",
    "Ingram",
    "Jessup",
    "Keane",
    "Lowry",
    "Marsh",
    "Nolan",
    "Orme",
    "Pryce",
    "Quill",
    "Rook",
]


def _session(path: Path, *, plain: bool) -> ChartSession:
    if plain:
        keys = KeyHolder(bytearray(32))
        engine = make_engine(path, keys, plain=True)
        migrate.upgrade(engine)
        return ChartSession(path, str(new_id()), "bench", engine, keys)
    session, _ = charts.create_chart(path, PASS, kdf=KdfParams.fast_for_tests())
    return session


def _seed_episode(s: ChartSession) -> tuple[Patient, Episode, Clinician]:
    c = Clinician(first_name="Bench", last_name="Mark", discipline=Discipline.PT)
    p = Patient(first_name="Seed", last_name="Patient", date_of_birth=dt.date(1970, 1, 1))
    e = Episode(patient_id=p.id, discipline=Discipline.PT, start_date=dt.date(2026, 1, 1))
    with s.uow() as uow:
        uow.clinicians.save(c)
        uow.patients.save(p)
        uow.episodes.save(e)
        uow.commit()
    return p, e, c


def _note(p: Patient, e: Episode, c: Clinician, i: int) -> tuple[Visit, Note]:
    day = dt.date(2026, 1, 1) + dt.timedelta(days=i % 300)
    v = Visit(
        patient_id=p.id,
        episode_id=e.id,
        clinician_id=c.id,
        date=day,
        start_time=dt.time(9),
        end_time=dt.time(10),
    )
    n = Note(
        visit_id=v.id,
        subjective="Reports knee pain 3/10 after stairs. " * 4,
        objective="AROM knee flexion 0-118 degrees; quad strength 4/5. " * 4,
        assessment="Progressing toward goals with improved tolerance.",
        plan="Continue plan of care.",
    )
    n.add_block(
        TimedBlock(
            code="97110",
            start=dt.time(9),
            stop=dt.time(9, 23),
            details={
                "exercises": [
                    {
                        "name": "Leg press",
                        "sets": 3,
                        "reps": 12,
                        "load": 40 + i % 20,
                        "load_unit": "lb",
                    }
                ]
            },
        )
    )
    n.add_block(TimedBlock(code="97530", start=dt.time(9, 23), stop=dt.time(9, 38)))
    return v, n


def insert_notes(s: ChartSession, count: int) -> float:
    """Each note in its own unit of work, as the app saves them; returns seconds."""
    p, e, c = _seed_episode(s)
    t0 = time.perf_counter()
    for i in range(count):
        v, n = _note(p, e, c, i)
        with s.uow() as uow:
            uow.visits.save(v)
            uow.notes.save(n)
            uow.record("create", "note", n.id)
            uow.commit()
    return time.perf_counter() - t0


def seed_patients(s: ChartSession, count: int) -> None:
    rng = random.Random(5)
    with s.uow() as uow:
        for _ in range(count):
            uow.patients.save(
                Patient(
                    first_name=rng.choice(FIRST),
                    last_name=rng.choice(LAST) + str(rng.randrange(999)),
                    date_of_birth=dt.date(1930 + rng.randrange(80), 1 + rng.randrange(12), 1),
                )
            )
        uow.commit()


def search_median(s: ChartSession) -> float:
    from core.services.patients import search_patients

    queries = ["quill", "ha", "nora keane", "1955", "zz-no-match", "rook12"]
    times = []
    for q in queries * 5:
        t0 = time.perf_counter()
        search_patients(s, q, limit=50)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def file_size(path: Path) -> int:
    return sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.exists())


def unlock_median(folder: Path) -> float:
    path = folder / "unlock.chart"
    s, _ = charts.create_chart(path, PASS)  # default (production) KDF parameters
    s.lock()

    def unlock() -> None:
        charts.open_chart(path, passphrase=PASS).lock()

    return median_time(unlock, repeat=5)


def demo_median(folder: Path, repeat: int = 3) -> float:
    """``demo.populate`` into a fresh chart (creating the chart is not timed)."""
    times = []
    for i in range(repeat):
        s, _ = charts.create_chart(folder / f"demo-{i}.chart", PASS,
                                   kdf=KdfParams.fast_for_tests())
        t0 = time.perf_counter()
        demo.populate(s, today=dt.date(2026, 3, 16))
        times.append(time.perf_counter() - t0)
        s.lock()
    return statistics.median(times)


def main() -> None:
    n_notes = int(os.environ.get("BENCH_NOTES", N_NOTES))
    rows: list[tuple[str, str]] = []
    raw: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.setdefault("CHARTSIDE_STATE_DIR", str(folder / "state"))
        raw["unlock_s"] = unlock_median(folder)
        rows.append(("unlock (Argon2id KDF + open + audit)", ms(raw["unlock_s"])))
        raw["demo_populate_s"] = demo_median(folder)
        rows.append(("demo chart: demo.populate, 114 visits (median of 3; target < 3 s)",
                     f"{raw['demo_populate_s']:.2f} s"))
        for plain in (True, False):
            label = "plain SQLite" if plain else "SQLCipher"
            path = folder / f"notes-{'plain' if plain else 'cipher'}.chart"
            s = _session(path, plain=plain)
            secs = insert_notes(s, n_notes)
            s.checkpoint()
            raw[f"insert_{label}"] = secs
            raw[f"size_{label}"] = file_size(path) / (n_notes / 1000)
            spath = folder / f"patients-{'plain' if plain else 'cipher'}.chart"
            s2 = _session(spath, plain=plain)
            seed_patients(s2, N_PATIENTS)
            raw[f"search_{label}"] = search_median(s2)
            s.engine.dispose()
            s2.engine.dispose()
        for key, fmt in (
            ("insert", lambda v: f"{v:.2f} s ({n_notes / v:.0f} notes/s)"),
            ("search", ms),
            ("size", lambda v: f"{v / 1024:.0f} KiB"),
        ):
            p, c = raw[f"{key}_plain SQLite"], raw[f"{key}_SQLCipher"]
            what = {
                "insert": f"insert {n_notes} notes, one transaction each",
                "search": f"patient search, {N_PATIENTS} patients (median)",
                "size": "file size per 1,000 notes",
            }[key]
            rows.append((f"{what}: plain", fmt(p)))
            rows.append((f"{what}: SQLCipher", f"{fmt(c)}  (×{c / p:.2f} of plain)"))
    report("storage", rows, raw=raw)


if __name__ == "__main__":
    main()
