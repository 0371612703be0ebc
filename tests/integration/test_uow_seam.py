"""The unit of work as the one door (issue 17): settings go through it and commit with what
is written beside them; locking never fails, and a lock whose audit row could not be written
says so."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from core.services import charts
from core.storage.chart import ChartSession, read_meta, set_meta
from tests.conftest import PASSPHRASE

REFUSE_LOCK_ROW = """
CREATE TRIGGER test_refuse_lock_row BEFORE INSERT ON audit_events
WHEN NEW.action = 'lock' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END
"""


def test_meta_goes_through_the_unit_of_work(chart: ChartSession) -> None:
    set_meta(chart, "example.key", "one")
    assert read_meta(chart, "example.key") == "one"
    with chart.uow() as uow:
        uow.meta.set("example.key", "two")
        uow.meta.set("example.other", "x")
        assert uow.meta.with_prefix("example.") == {"example.key": "two", "example.other": "x"}
        # no commit: the settings roll back with the transaction
    assert read_meta(chart, "example.key") == "one"
    assert read_meta(chart, "example.other") is None
    with chart.uow() as uow:
        uow.meta.set("example.key", None)
        uow.commit()
    assert read_meta(chart, "example.key") is None


def test_lock_without_its_audit_row_still_locks_and_says_so(
    chart: ChartSession, chart_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with chart.uow() as uow:
        uow.conn.execute(text(REFUSE_LOCK_ROW))
        uow.commit()
    with caplog.at_level(logging.WARNING, logger="core.storage.chart"):
        assert chart.lock() is False
    assert chart.locked
    assert chart.lock_audit_error == "StorageFailure"
    assert [r.getMessage() for r in caplog.records] == [
        "chart locked without its audit row: StorageFailure"
    ]
    assert chart.lock() is True  # already locked: nothing more to write

    session = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    try:
        actions = [r["action"] for r in charts.recent_audit(session, 5)]
        assert "lock" not in actions  # the refused row is not there, and the chain still holds
        assert charts.verify_audit(session).ok
        with session.uow() as uow:
            uow.conn.execute(text("DROP TRIGGER test_refuse_lock_row"))
            uow.commit()
    finally:
        assert session.lock() is True
    assert session.lock_audit_error is None
