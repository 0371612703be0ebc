"""Issue 17: a long job (a transcription) never makes a quick one (an ICD-10 search) wait —
two single-thread lanes on the job runner, real Qt threads."""

from __future__ import annotations

import threading
from typing import Any

from desktop.worker import DatabaseWorker, JobOp, JobRunner, install


def test_a_quick_job_runs_while_a_long_one_holds_its_lane(qtbot: Any) -> None:
    worker = DatabaseWorker()
    jobs = JobRunner(worker)
    install(worker, jobs)
    release = threading.Event()
    done: list[str] = []
    try:
        JobOp(None, lambda: release.wait(20) and "long").success(done.append).run()
        JobOp(None, lambda: "search", lane="quick").success(done.append).run()
        qtbot.waitUntil(lambda: done == ["search"], timeout=10_000)  # the long one still runs
        JobOp(None, lambda: "second long").success(done.append).run()  # queued in its lane
        release.set()
        qtbot.waitUntil(lambda: done == ["search", "long", "second long"], timeout=10_000)
    finally:
        release.set()
        jobs.wait()
        worker.shutdown()
