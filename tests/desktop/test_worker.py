"""The database worker and its ops: serial execution off the GUI thread, changes_applied,
one presenter for errors, stale results dropped after a lock, PHI-free logging."""

from __future__ import annotations

import logging
import threading
from typing import Any

from core.domain.errors import ChartLocked, ValidationError
from desktop.errors import GENERIC_MESSAGE, log_unexpected
from desktop.worker import CommandOp, QueryOp
from tests.desktop.conftest import Seeded, settle, unlock


def test_ops_run_on_the_worker_in_order_and_emit_changes(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    gui = threading.get_ident()
    threads: list[int] = []
    order: list[int] = []
    changes: list[Any] = []
    window.ctx.bus.changes_applied.connect(changes.append)
    from core.services import patients

    for i in range(5):
        QueryOp(window, lambda chart, i=i: (threads.append(threading.get_ident()), i)[1]).success(
            order.append
        ).run()
    CommandOp(
        window, lambda chart: patients.update_patient(chart, seeded.patient_id, phone="555-0100")
    ).run()
    settle(qtbot, window)
    assert order == [0, 1, 2, 3, 4]
    assert gui not in threads and len(set(threads)) == 1
    assert seeded.patient_id in changes[-1].ids("patient")


def test_errors_reach_the_one_presenter(qtbot: Any, open_window: Any, seeded: Seeded) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)

    def refuse(chart: Any) -> None:
        raise ValidationError("A goal needs an activity.", field="activity", hint="Type it.")

    CommandOp(window, refuse).run()
    settle(qtbot, window)
    assert window.ctx.presenter.last == ("A goal needs an activity.", "Type it.")
    assert window.banner.isVisible()

    def bug(chart: Any) -> None:
        raise KeyError("Quillfeatherstone")  # a value that must never reach the log

    QueryOp(window, bug).run()
    settle(qtbot, window)
    assert window.ctx.presenter.last[0] == GENERIC_MESSAGE


def test_results_of_ops_from_before_a_lock_are_dropped(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    delivered: list[Any] = []
    QueryOp(window, lambda chart: "phi").success(delivered.append).run()
    window.flow.lock()
    settle(qtbot, window)
    assert delivered == []
    failures: list[Any] = []
    QueryOp(window, lambda chart: 1).failure(lambda e: failures.append(e) or True).run()
    settle(qtbot, window)
    assert isinstance(failures[0], ChartLocked)


def test_unexpected_errors_are_logged_without_values(caplog: Any) -> None:
    try:
        {"name": "x"}["Quillfeatherstone"]
    except KeyError as exc:
        with caplog.at_level(logging.ERROR, logger="chartside"):
            log_unexpected(exc, "test")
    text = caplog.text
    assert "KeyError" in text and "test_worker.py" in text
    assert "Quillfeatherstone" not in text
