"""The unit of work is the seam (issue 17): services, sync and export reach every repository
through it (``uow.patients``, ``uow.billing``, ``uow.meta``, ``uow.audit`` …) and never build one
from its connection. ``uow.conn`` stays inside ``core/storage``.

No file is exempt (the last ones — sync engine and devices, dictation, the JSON export — were
moved onto repositories in 2026-12).

``core.sync`` steps that still take a connection get it from the sync repository
(``uow.sync.connection``), settings through ``uow.meta``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUARDED = ("core/services", "core/sync", "core/export")
ALLOWED: set[str] = set()


def _conn_uses(source: str) -> list[int]:
    """Lines reading ``<something>.conn`` where the something is named ``uow`` (or ends in it)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "conn":
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if name == "uow" or name.endswith("_uow"):
                lines.append(node.lineno)
    return lines


def test_uow_conn_stays_in_storage() -> None:
    offenders = []
    for folder in GUARDED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED:
                continue
            for line in _conn_uses(path.read_text(encoding="utf-8")):
                offenders.append(f"{rel}:{line}")
    assert offenders == [], "use the unit of work's repositories instead: " + ", ".join(offenders)


def test_the_check_sees_a_use() -> None:
    assert _conn_uses("def f(uow):\n    return Repo(uow.conn)\n") == [2]
    assert _conn_uses("def f(self):\n    return self.uow.conn\n") == [2]
    assert _conn_uses("def f(uow):\n    return uow.meta.get('k')\n") == []
