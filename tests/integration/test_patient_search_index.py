"""The patient search index (FTS5 trigram, ``core.storage.search_index``) on a real SQLCipher
chart: it answers exactly what the ``LIKE`` scan answered, follows every write path, is used by
the query plan, and a dropped trigger or a stale index is found and mended."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import text

from core.domain.patient import Patient
from core.services import charts, patients
from core.storage import repos, search_index
from core.storage.chart import ChartSession
from core.storage.engine import connect_raw
from core.storage.repos import search_terms
from tests.conftest import PASSPHRASE

SYLLABLES = ["an", "bel", "cor", "da", "el", "fin", "gar", "ho", "is", "jo", "ka", "lu", "mar",
             "ne", "o", "pe", "qui", "ro", "sa", "te", "ul", "ve", "wy", "xa", "yo", "ze"]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))).capitalize()


def _add(chart: ChartSession, first: str, last: str, born: dt.date) -> None:
    patients.create_patient(chart, first_name=first, last_name=last, date_of_birth=born,
                            allow_duplicate=True)


def _by_hand(chart: ChartSession, query: str) -> list[str]:
    """What the search must answer, computed in Python from every patient."""
    words = search_terms(query)
    with chart.uow() as uow:
        rows = uow.conn.execute(text("SELECT last_name, first_name, search_key FROM patients"))
        keys = [(r.search_key, f"{r.last_name} {r.first_name}") for r in rows]
    return [name for key, name in sorted(keys) if all(w in key for w in words)][:50]


def _found(chart: ChartSession, query: str) -> list[str]:
    return [f"{r.last_name} {r.first_name}" for r in patients.search_patients(chart, query)]


def test_the_index_answers_what_the_scan_answered(
    chart: ChartSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(24)
    with chart.uow() as uow:  # one transaction: the repository's bulk write path
        uow.patients.save_many([
            Patient(first_name=_name(rng), last_name=_name(rng),
                    date_of_birth=dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30_000)))
            for _ in range(300)])
        uow.commit()
    _add(chart, "Zoë", "O'Hara-Quint", dt.date(1958, 4, 12))
    _add(chart, "Perpetua", "Nightingale", dt.date(1949, 9, 9))
    queries = ["", "an", "mar", "Mar", "MARNE", "cor da", "lu ro", "qui", "xyz", "o'h",
               "hara-q", "zoë", "ZOË", "4/12/1958", "04121958", "4/12", "1958", "-04-",
               '"mar', "a%", "_", "gar 19", "e" * 4, "ne ne", "yoze",
               # FTS5 query syntax in what the user types is only text
               '"', "' OR 1=1 --", "NEAR(", "a* OR b", "(((", "\\", "gale AND", "nigh*"]
    queries += [_name(rng)[1:5].lower() for _ in range(40)]
    for cap in (repos.INDEX_CAP, 3, 0):  # rare words read from the index, common ones walk
        monkeypatch.setattr(repos, "INDEX_CAP", cap)
        for query in queries:
            assert _found(chart, query) == _by_hand(chart, query), (cap, query)
    assert _found(chart, "o'hara zoë 1958-04-12") == ["O'Hara-Quint Zoë"]


def test_every_write_path_keeps_the_index(chart: ChartSession) -> None:
    _add(chart, "Wendeline", "Ashgrove", dt.date(1971, 3, 9))
    pid = patients.search_patients(chart, "ashgrove")[0].id
    with chart.uow() as uow:  # a rename through the repository (as the app and sync do)
        patient = uow.patients.get(pid)
        uow.patients.save(dataclasses.replace(patient, last_name="Brightwater"))
        uow.commit()
    assert _found(chart, "ashgrove") == []
    assert _found(chart, "brightwater") == ["Brightwater Wendeline"]
    with chart.uow() as uow:  # the same row saved again: one entry, not two
        uow.patients.save(uow.patients.get(pid))
        uow.commit()
    assert _found(chart, "ightwat") == ["Brightwater Wendeline"]
    with chart.uow() as uow:  # raw SQL (a script, a repair): the triggers still follow
        uow.conn.execute(text("UPDATE patients SET search_key = 'fernhollow wendeline' "
                              "WHERE last_name = 'Brightwater'"))
        uow.commit()
    assert _found(chart, "brightwater") == []
    assert [r.id for r in patients.search_patients(chart, "fernhollow")] == [pid]
    with chart.uow() as uow:
        assert uow.integrity.search_index_problems() == []


def test_the_query_plan_reads_the_index_not_the_name_list(chart: ChartSession) -> None:
    _add(chart, "Ingrid", "Thornquist", dt.date(1990, 1, 1))
    with chart.uow() as uow:
        from sqlalchemy.dialects import sqlite

        stmt = uow.patients.search_statement("thornq", limit=50, active_only=False)
        sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        plan = " | ".join(r[3] for r in uow.conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "VIRTUAL TABLE INDEX" in plan and "patients_fts" in plan, plan
    assert "SEARCH patients USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    assert not any(step.strip() in ("SCAN patients", "SCAN patients USING INDEX ix_patients_search")
                   for step in plan.split("|")), plan


def test_a_dropped_trigger_is_put_back_at_unlock_and_the_index_rebuilt(
    chart: ChartSession, chart_path: Path
) -> None:
    _add(chart, "Osric", "Pellworth", dt.date(1966, 6, 6))
    raw = connect_raw(chart.path, chart.keys)
    try:  # a tamperer (or an old tool) drops a trigger and writes past the index
        raw.execute(f'DROP TRIGGER "{search_index.TABLE}_after_insert"')
        raw.execute("CREATE TEMP TABLE twin AS SELECT * FROM patients LIMIT 1")
        raw.execute("UPDATE twin SET id = lower(hex(randomblob(16))), first_name = 'Mab', "
                    "last_name = 'Hollins', search_key = 'hollins mab 1966-06-06'")
        raw.execute("INSERT INTO patients SELECT * FROM twin")
        raw.commit()
    finally:
        raw.close()
    chart.lock()
    session = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    try:
        assert f"{search_index.TABLE}_after_insert" in session.repaired_triggers
        assert _found(session, "hollins") == ["Hollins Mab"]
        assert charts.check_integrity(session).ok
    finally:
        session.lock()


def test_a_stale_index_is_reported_and_rebuilt_by_the_check(chart: ChartSession) -> None:
    _add(chart, "Tamsin", "Gorrell", dt.date(1984, 2, 29))
    with chart.uow() as uow:  # the index loses a row (as after a VACUUM renumbering rowids)
        uow.conn.execute(text(
            "INSERT INTO patients_fts(patients_fts, rowid, search_key) "
            "SELECT 'delete', rowid, search_key FROM patients"))
        uow.commit()
    assert _found(chart, "gorrell") == []  # a stale index can miss rows, never show wrong ones
    report = charts.check_integrity(chart)
    assert any("search index" in p and "rebuilt" in p for p in report.problems)
    assert _found(chart, "gorrell") == ["Gorrell Tamsin"]
    assert charts.check_integrity(chart).ok
