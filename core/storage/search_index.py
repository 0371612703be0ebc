"""The patient search index: an FTS5 trigram index over ``patients.search_key`` (issue 24).

Why: ``LIKE '%word%'`` cannot seek, so a search for a name nobody has walked the whole name
index (8 ms quiet, 20 ms under load at 50,000 patients, and linear in patients). SQLite's own
FTS5 with its ``trigram`` tokenizer (in the SQLCipher build we ship) answers a substring query
of three or more characters from the index, in time that follows the matches, not the chart.
We use it rather than writing an n-gram table of our own.

Shape:
- ``patients_fts`` is an *external-content* FTS5 table (``content='patients'``): it stores only
  the index, keyed by the patient row's ``rowid``; the text stays in ``patients``. Three
  triggers keep it in step with every insert, delete and change of ``search_key``, whichever
  path writes (the repositories, sync merges, raw SQL).
- It is derived data: never synced, not in ``core.storage.tables`` (the drift test and
  Alembic's autogenerate skip it through ``is_derived``), rebuilt from ``patients`` by the
  migration that adds it (r0023) and by ``repair``.
- ``patients`` has no ``INTEGER PRIMARY KEY``, so a ``VACUUM`` could renumber its rowids and
  leave the index pointing at the wrong rows. Chartside never vacuums (backups use SQLite's
  page-level backup API, rekeying is page-level too); ``problems`` (run by ``chartside check``)
  compares the index with the table and ``repair`` rebuilds it, so a vacuum done by hand is
  found and mended, not silently wrong. The search also re-applies its ``LIKE`` to every
  candidate row, so a stale index can only miss rows, never show a wrong patient.
- Trigram matching needs three characters: a query whose words are all shorter (``al``, a
  day ``-04-``) keeps the ``LIKE`` path (``core.storage.repos.PatientRepo.search``).
- FTS5 keeps deleted terms in older index segments until they merge. A renamed patient's old
  name may stay in the (encrypted) index for a while, as it stays in the patient's record
  versions; nothing reads it from there.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from core.storage import triggers

TABLE = "patients_fts"

#: The FTS5 table and its shadow tables (``patients_fts_data``, ``_idx``, ``_docsize``,
#: ``_config``) are derived from ``patients``; schema comparisons skip them.
PREFIX = TABLE


def is_derived(name: str | None) -> bool:
    return bool(name) and str(name).startswith(PREFIX)


CREATE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
    "search_key, content='patients', content_rowid='rowid', tokenize='trigram')"
)

_DELETE_OLD = (f"INSERT INTO {TABLE}({TABLE}, rowid, search_key) "
               "VALUES ('delete', OLD.rowid, OLD.search_key);")
_INSERT_NEW = f"INSERT INTO {TABLE}(rowid, search_key) VALUES (NEW.rowid, NEW.search_key);"

CREATE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_after_insert AFTER INSERT ON patients
        BEGIN {_INSERT_NEW} END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_after_delete AFTER DELETE ON patients
        BEGIN {_DELETE_OLD} END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_after_update AFTER UPDATE OF search_key
        ON patients BEGIN {_DELETE_OLD} {_INSERT_NEW} END""",
]

#: The index's triggers as SQLite stores them (normalized), by name.
EXPECTED: dict[str, str] = {
    triggers.name_of(sql): triggers.normalized(sql) for sql in CREATE_TRIGGERS}

_TRIGGERS = text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
_TABLE_EXISTS = text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name")


def create(conn: Connection) -> None:
    """Create the index and its triggers, and fill it from ``patients``."""
    conn.execute(text(CREATE_TABLE))
    for sql in CREATE_TRIGGERS:
        conn.execute(text(sql))
    rebuild(conn)


def rebuild(conn: Connection) -> None:
    conn.execute(text(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')"))


def trigger_problems(conn: Connection) -> list[str]:
    """Missing or altered triggers of the index."""
    present = {str(n): triggers.normalized(str(s or "")) for n, s in conn.execute(_TRIGGERS)}
    problems = []
    for name, sql in EXPECTED.items():
        if name not in present:
            problems.append(f"search index trigger {name} is missing")
        elif present[name] != sql:
            problems.append(f"search index trigger {name} was altered")
    return problems


def needs_repair(conn: Connection) -> bool:
    """The table or a trigger is missing or altered (cheap: read at every unlock). A missing
    table with its triggers in place would make every patient write fail."""
    return (conn.execute(_TABLE_EXISTS, {"name": TABLE}).first() is None
            or bool(trigger_problems(conn)))


def problems(conn: Connection) -> list[str]:
    """The triggers, then FTS5's own check of the index against ``patients`` (reads both)."""
    if conn.execute(_TABLE_EXISTS, {"name": TABLE}).first() is None:
        return ["the patient search index is missing"]
    found = trigger_problems(conn)
    try:  # a failed check is a statement error: the caller's transaction stays usable
        conn.execute(text(f"INSERT INTO {TABLE}({TABLE}, rank) VALUES ('integrity-check', 1)"))
    except Exception:  # FTS5 reports a mismatch as SQLITE_CORRUPT_VTAB
        found.append("the patient search index does not match the patients")
    return found


def repair(conn: Connection) -> list[str]:
    """Recreate what is missing or altered and rebuild the index; returns what was repaired
    (empty when the triggers were sound: the index itself is only rebuilt when asked to, by
    ``rebuild``, or when a trigger was missing, since writes may have gone by unindexed)."""
    present = {str(n): triggers.normalized(str(s or "")) for n, s in conn.execute(_TRIGGERS)}
    missing_table = conn.execute(_TABLE_EXISTS, {"name": TABLE}).first() is None
    repaired = []
    if missing_table:
        conn.execute(text(CREATE_TABLE))
        repaired.append(TABLE)
    for sql in CREATE_TRIGGERS:
        name = triggers.name_of(sql)
        if present.get(name) == EXPECTED[name]:
            continue
        if name in present:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        conn.execute(text(sql))
        repaired.append(name)
    if repaired:
        rebuild(conn)
    return repaired
