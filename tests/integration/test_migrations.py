"""A chart created at the first schema revision upgrades in place after an encrypted backup."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import insert, text

from core.domain.ids import new_id
from core.services import charts, patients
from core.storage import audit, migrate
from core.storage.chart import key_path
from core.storage.engine import KeyHolder, make_engine
from core.storage.keys import KdfParams, KeyFile
from core.storage.tables import meta
from tests.conftest import MARKER_LAST, PASSPHRASE


def _make_r0001_chart(path: Path) -> None:
    """Build a chart the way release r0001 did: schema r0001, one patient written in r0001 SQL."""
    chart_id = str(new_id())
    key_file, dek, _ = KeyFile.create(chart_id, PASSPHRASE, KdfParams.fast_for_tests())
    keys = KeyHolder(dek)
    engine = make_engine(path, keys)
    migrate.upgrade(engine, "r0001")
    with engine.begin() as conn:
        conn.execute(
            insert(meta),
            [{"key": "chart_id", "value": chart_id}, {"key": "device_id", "value": str(new_id())}],
        )
        conn.execute(
            text(
                "INSERT INTO patients (id, first_name, last_name, date_of_birth, sex) "
                "VALUES (:id, 'Old', :last, '1950-05-05', 'F')"
            ),
            {"id": new_id().hex, "last": MARKER_LAST},
        )
        audit.append(conn, actor="owner", device="d", action="create", entity="chart")
    engine.dispose()
    keys.wipe()
    key_file.save(key_path(path))


def test_old_chart_is_backed_up_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.chart"
    _make_r0001_chart(path)
    session = charts.open_chart(path, passphrase=PASSPHRASE)
    try:
        assert migrate.current_revision(session.engine) == migrate.head_revision() != "r0001"
        # The backfilled search key finds the patient written before the column existed.
        assert [r.last_name for r in patients.search_patients(session, "quillfeather")] == [
            MARKER_LAST
        ]
        patients.create_patient(
            session, first_name="New", last_name="Person", date_of_birth=dt.date(1990, 1, 1)
        )
        assert charts.verify_audit(session).ok
        actions = [r["action"] for r in charts.recent_audit(session, 5)]
        assert "migrate" in actions
        backups = session.backups
    finally:
        session.lock()
    assert len(backups) == 1
    backup = backups[0]
    assert backup.read_bytes()[:16] != b"SQLite format 3\x00"
    assert MARKER_LAST.encode() not in backup.read_bytes()
    # The backup is a complete r0001 chart that still opens (and would upgrade again).
    restored = charts.open_chart(backup, passphrase=PASSPHRASE)
    try:
        assert len(patients.search_patients(restored)) == 1
    finally:
        restored.lock()


def test_new_chart_is_at_head(chart) -> None:  # type: ignore[no-untyped-def]
    assert migrate.current_revision(chart.engine) == migrate.head_revision()


def test_migrations_match_the_table_definitions(chart) -> None:  # type: ignore[no-untyped-def]
    """The Core tables used by the repositories and the migrated schema never drift apart."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from core.storage import search_index
    from core.storage.tables import metadata

    def include_name(name: str | None, type_: str, parent_names: object) -> bool:
        return not (type_ == "table" and search_index.is_derived(name))  # the FTS5 index

    with chart.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diffs = compare_metadata(context, metadata)
    assert diffs == []
