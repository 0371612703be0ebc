"""Integrity checks a user can run on a chart, and the trigger check done at every open.

``sqlite_problems`` runs SQLite's ``integrity_check`` and SQLCipher's ``cipher_integrity_check``
(page HMACs) on a DB-API connection; ``trigger_problems`` compares the immutability triggers in
``sqlite_master`` with ``triggers.EXPECTED`` (missing, or altered to something else);
``repair_triggers`` drops altered ones and recreates what is missing, inside the caller's
transaction. An attacker holding the key can still rewrite history and the triggers together;
the point here is that a dropped trigger does not stay dropped unnoticed.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, select, text

from core.storage import triggers
from core.storage.tables import notes

_TRIGGERS = text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")


def sqlite_problems(dbapi_conn: Any) -> list[str]:
    """Empty when both checks pass; otherwise their messages (page numbers, never content)."""
    problems: list[str] = []
    for pragma in ("integrity_check", "cipher_integrity_check"):
        try:
            rows = dbapi_conn.execute(f"PRAGMA {pragma}").fetchall()
        except Exception as exc:  # a damaged file fails in driver-specific ways
            problems.append(f"{pragma}: {exc}")
            continue
        problems += [f"{pragma}: {r[0]}" for r in rows if r[0] != "ok"]
    return problems


def _present(conn: Connection) -> dict[str, str]:
    return {str(name): triggers.normalized(str(sql or "")) for name, sql in conn.execute(_TRIGGERS)}


def trigger_problems(conn: Connection) -> list[str]:
    present = _present(conn)
    problems = []
    for name, sql in triggers.EXPECTED.items():
        if name not in present:
            problems.append(f"trigger {name} is missing")
        elif present[name] != sql:
            problems.append(f"trigger {name} was altered")
    return problems


def repair_triggers(conn: Connection) -> list[str]:
    """Recreate missing or altered immutability triggers; returns the names repaired."""
    present = _present(conn)
    repaired = []
    for sql in triggers.CREATE:
        name = triggers.name_of(sql)
        if present.get(name) == triggers.EXPECTED[name]:
            continue
        if name in present:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        conn.execute(text(sql))
        repaired.append(name)
    return repaired


def signed_note_ids(conn: Connection) -> list[uuid.UUID]:
    rows = conn.execute(select(notes.c.id).where(notes.c.status == "signed").order_by(notes.c.id))
    return [r[0] for r in rows]
