"""Backup of a 10,000-note chart: the online backup (``sqlite3_backup``), the whole verified
``backups.back_up`` (copy + open + integrity_check + cipher_integrity_check + audit chain +
SHA-256), against a plain file copy of the same (checkpointed) file in the same run; and the
latency of saving a note while a backup runs, against saving with no backup running.

``BENCH_NOTES`` overrides the note count. The chart is built in batches of 200 notes per
transaction (the content is what matters here, not how it was typed).
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench._harness import median_time, ms, report
from bench.bench_storage import PASS, _note, _seed_episode
from core.services import backups, charts
from core.storage import backup_files
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams

N_NOTES = 10_000


def build(path: Path, count: int) -> ChartSession:
    s, _ = charts.create_chart(path, PASS, kdf=KdfParams.fast_for_tests())
    p, e, c = _seed_episode(s)
    for start in range(0, count, 200):
        with s.uow() as uow:
            for i in range(start, min(count, start + 200)):
                v, n = _note(p, e, c, i)
                uow.visits.save(v)
                uow.notes.save(n)
                uow.record("create", "note", n.id)
            uow.commit()
    s.checkpoint()
    return s


def save_latencies(s: ChartSession, seconds: float, start: int) -> list[float]:
    p, e, c = _seed_episode(s)
    out = []
    deadline = time.perf_counter() + seconds
    i = start
    while time.perf_counter() < deadline:
        v, n = _note(p, e, c, i)
        t0 = time.perf_counter()
        with s.uow() as uow:
            uow.visits.save(v)
            uow.notes.save(n)
            uow.record("create", "note", n.id)
            uow.commit()
        out.append(time.perf_counter() - t0)
        i += 1
    return out


def main() -> None:
    n_notes = int(os.environ.get("BENCH_NOTES", N_NOTES))
    rows: list[tuple[str, str]] = []
    raw: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.setdefault("CHARTSIDE_STATE_DIR", str(folder / "state"))
        s = build(folder / "big.chart", n_notes)
        size = s.path.stat().st_size
        n = iter(range(10_000))

        def plain_copy() -> None:
            shutil.copyfile(s.path, folder / f"copy-{next(n)}")

        def online() -> None:
            target = folder / f"online-{next(n)}"
            backup_files.online_copy(s.path, s.keys, target)

        def verified() -> None:
            backups.back_up(s, folder / "bk")

        raw["file_copy_s"] = median_time(plain_copy, repeat=5)
        raw["online_copy_s"] = median_time(online, repeat=5)
        raw["verified_backup_s"] = median_time(verified, repeat=3)
        for f in folder.glob("copy-*"):
            f.unlink()
        for f in folder.glob("online-*"):
            f.unlink()
        idle = save_latencies(s, 3.0, 100_000)
        busy: list[float] = []
        done = threading.Event()

        def writer() -> None:
            busy.extend(save_latencies(s, 0.0, 200_000))  # primed below
            while not done.is_set():
                busy.extend(save_latencies(s, 0.2, 300_000 + len(busy)))

        thread = threading.Thread(target=writer)
        thread.start()
        t0 = time.perf_counter()
        backups.back_up(s, folder / "bk")
        raw["backup_under_load_s"] = time.perf_counter() - t0
        done.set()
        thread.join()
        s.lock()
    raw["size_mib"] = size / (1 << 20)
    raw["save_idle_median_s"] = statistics.median(idle)
    raw["save_during_backup_median_s"] = statistics.median(busy) if busy else float("nan")
    raw["save_during_backup_max_s"] = max(busy) if busy else float("nan")
    raw["saves_during_backup"] = len(busy)
    ratio = raw["online_copy_s"] / raw["file_copy_s"]
    vratio = raw["verified_backup_s"] / raw["file_copy_s"]
    rows += [
        (f"chart: {n_notes} notes", f"{raw['size_mib']:.1f} MiB"),
        ("plain file copy (median of 5)", ms(raw["file_copy_s"])),
        (
            "online backup, sqlite3_backup (median of 5)",
            f"{ms(raw['online_copy_s'])} (×{ratio:.1f})",
        ),
        (
            "verified backup: copy + checks + SHA-256 (median of 3)",
            f"{ms(raw['verified_backup_s'])} (×{vratio:.1f})",
        ),
        ("note save, no backup running (median)", ms(raw["save_idle_median_s"])),
        (
            f"note save during a backup (median / max of {len(busy)})",
            f"{ms(raw['save_during_backup_median_s'])} / {ms(raw['save_during_backup_max_s'])}",
        ),
    ]
    report("backup", rows, raw=raw)


if __name__ == "__main__":
    main()
