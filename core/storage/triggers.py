"""SQL triggers that make signed notes (and their visits), addenda and the audit log immutable
at the database level.

The domain already refuses these edits; the triggers make sure raw SQL (a bug, a script, an
attacker holding the key) cannot quietly rewrite a signed record either.
"""

from __future__ import annotations

import re

_SIGNED = "(SELECT status FROM notes WHERE id = {ref}.note_id) = 'signed'"

CREATE = [
    """CREATE TRIGGER IF NOT EXISTS notes_signed_no_update BEFORE UPDATE ON notes
       WHEN OLD.status = 'signed'
       BEGIN SELECT RAISE(ABORT, 'signed note is immutable'); END""",
    """CREATE TRIGGER IF NOT EXISTS notes_signed_no_delete BEFORE DELETE ON notes
       WHEN OLD.status = 'signed'
       BEGIN SELECT RAISE(ABORT, 'signed note is immutable'); END""",
]
for _table in ("timed_blocks", "untimed_services"):
    CREATE += [
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_signed_no_update BEFORE UPDATE ON {_table}
            WHEN {_SIGNED.format(ref="OLD")}
            BEGIN SELECT RAISE(ABORT, 'signed note is immutable'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_signed_no_delete BEFORE DELETE ON {_table}
            WHEN {_SIGNED.format(ref="OLD")}
            BEGIN SELECT RAISE(ABORT, 'signed note is immutable'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_signed_no_insert BEFORE INSERT ON {_table}
            WHEN {_SIGNED.format(ref="NEW")}
            BEGIN SELECT RAISE(ABORT, 'signed note is immutable'); END""",
    ]
for _table in ("addenda", "audit_events"):
    CREATE += [
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_append_only_update BEFORE UPDATE ON {_table}
            BEGIN SELECT RAISE(ABORT, '{_table} is append-only'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_append_only_delete BEFORE DELETE ON {_table}
            BEGIN SELECT RAISE(ABORT, '{_table} is append-only'); END""",
    ]
CREATE += [
    """CREATE TRIGGER IF NOT EXISTS record_versions_signed_immutable
       BEFORE UPDATE ON record_versions
       WHEN OLD.kind IN ('sign', 'addendum') OR OLD.server_seq IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'record version is immutable'); END""",
    """CREATE TRIGGER IF NOT EXISTS record_versions_no_delete BEFORE DELETE ON record_versions
       BEGIN SELECT RAISE(ABORT, 'record versions are append-only'); END""",
]

# The visit of a signed note (r0009): its date, times, place and people are part of the record.
_VISIT_SIGNED = ("EXISTS (SELECT 1 FROM notes WHERE notes.visit_id = OLD.id "
                 "AND notes.status = 'signed')")
_VISIT_FROZEN = ("date", "start_time", "end_time", "place_of_service", "address",
                 "telehealth_modality", "patient_id", "episode_id", "clinician_id",
                 "supervisor_id")  # r0010: whom an assistant's visit is billed under
VISIT_FROZEN = _VISIT_FROZEN  # what a signed note fixes about its visit (core.storage.records)
CREATE += [
    f"""CREATE TRIGGER IF NOT EXISTS visits_signed_no_update BEFORE UPDATE ON visits
        WHEN {_VISIT_SIGNED} AND ({" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _VISIT_FROZEN)})
        BEGIN SELECT RAISE(ABORT, 'visit of a signed note is immutable'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS visits_signed_no_delete BEFORE DELETE ON visits
        WHEN {_VISIT_SIGNED}
        BEGIN SELECT RAISE(ABORT, 'visit of a signed note is immutable'); END""",
]


def normalized(sql: str) -> str:
    """Compare trigger text as SQLite stores it (no IF NOT EXISTS), whitespace-insensitive."""
    text = re.sub(r"\s+", " ", sql).strip()
    return text.replace("CREATE TRIGGER IF NOT EXISTS ", "CREATE TRIGGER ").replace("( ", "(")


def name_of(sql: str) -> str:
    return normalized(sql).split(" ")[2]


#: Every immutability trigger a chart at head must carry, by name, as normalized text.
EXPECTED: dict[str, str] = {name_of(sql): normalized(sql) for sql in CREATE}
