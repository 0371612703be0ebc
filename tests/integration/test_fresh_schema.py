"""A new chart gets the head schema by copy (core/storage/migrate.py ``create_fresh``): the copy
is what replaying every migration builds — each table, index, view and trigger, word for word —
and the chart works the same after it (the rest of the suite runs on copied schemas)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from core.services import charts, patients
from core.storage import migrate
from core.storage.keys import KdfParams
from tests.conftest import PASSPHRASE

# Rows every new chart writes for itself after the schema (its ids, the creation's audit
# entry and its seal) differ between any two charts, copied or not.
OWN_ROWS = {"meta", "audit_events"}


def schema_of(chart: Any) -> tuple[set[tuple[str, str, str, str]], list[tuple[Any, ...]], int,
                                   dict[str, list[tuple[Any, ...]]], tuple[int, int]]:
    with chart.engine.connect() as conn:
        objects = {tuple(r) for r in conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL")}
        version = [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM alembic_version")]
        foreign_keys = conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
        # The search index's own storage is derived (an empty index rebuilt by its migration
        # stores its empty structure differently from a new one); the search below checks it.
        shadows = {name for _s, name, kind, *_ in conn.exec_driver_sql("PRAGMA table_list")
                   if kind == "shadow"}
        tables = [name for kind, name, *_ in objects if kind == "table" and name not in shadows]
        rows = {name: sorted(tuple(r) for r in conn.exec_driver_sql(f'SELECT * FROM "{name}"'))
                for name in tables if name not in OWN_ROWS}
        pragmas = (conn.exec_driver_sql("PRAGMA user_version").scalar_one(),
                   conn.exec_driver_sql("PRAGMA application_id").scalar_one())
    return objects, version, foreign_keys, rows, pragmas


def test_a_new_chart_has_exactly_the_migrated_schema(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fresh, _ = charts.create_chart(tmp_path / "copied.chart", PASSPHRASE,
                                   kdf=KdfParams.fast_for_tests())
    with monkeypatch.context() as patched:
        patched.setattr(migrate, "create_fresh", migrate.upgrade)
        replayed, _ = charts.create_chart(tmp_path / "replayed.chart", PASSPHRASE,
                                          kdf=KdfParams.fast_for_tests())
    try:
        copied_objects, copied_version, copied_fk, copied_rows, copied_pragmas = schema_of(fresh)
        replayed_objects, replayed_version, replayed_fk, replayed_rows, replayed_pragmas = (
            schema_of(replayed))
        assert copied_objects == replayed_objects, (copied_objects ^ replayed_objects)
        assert copied_version == replayed_version == [(migrate.head_revision(),)]
        assert copied_fk == replayed_fk == 1
        assert copied_rows == replayed_rows  # every table the chart's records live in
        assert copied_pragmas == replayed_pragmas
        kinds = {kind for kind, *_ in copied_objects}
        assert {"table", "index", "trigger"} <= kinds
        # The derived search index and its triggers work on the copy as on the replay.
        for chart in (fresh, replayed):
            patients.create_patient(chart, first_name="Ada", last_name="Copyfresh",
                                    date_of_birth=dt.date(1970, 1, 2))
            assert [p.last_name for p in patients.search_patients(chart, "copyfr")] == [
                "Copyfresh"]
            assert chart.integrity_problems() == []
    finally:
        fresh.lock()
        replayed.lock()


def test_a_chart_created_by_copy_reopens_and_upgrades_as_head(tmp_path: Path) -> None:
    path = tmp_path / "copied.chart"
    chart, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    chart.lock()
    reopened = charts.open_chart(path, passphrase=PASSPHRASE)
    try:
        assert migrate.current_revision(reopened.engine) == migrate.head_revision()
        migrate.upgrade(reopened.engine)  # nothing to do, nothing broken
        assert migrate.current_revision(reopened.engine) == migrate.head_revision()
    finally:
        reopened.lock()
