"""The trap dictations (fixtures/traps.jsonl, fixed transcripts, any CPU): no silent clinical
error — every expected value is right in the draft or a warn/block flag points at it — and
clean dictations raise no more than one false warning in ten."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scribe import traps

ALL = traps.load()


def test_the_trap_set_is_large_and_covers_the_categories() -> None:
    assert len(ALL) >= 30
    kinds = {next(k for k in e if k != "where") for t in ALL for e in t["expect"]}
    assert {"rom", "block", "negated", "affirmed", "mmt", "flagged", "text", "code"} <= kinds
    assert sum(bool(t.get("clean")) for t in ALL) >= 3


@pytest.mark.parametrize("trap", ALL, ids=[t["id"] for t in ALL])
def test_no_silent_error(trap: dict[str, Any]) -> None:
    silent = [o.expectation for o in traps.evaluate(trap) if o.status == "silent"]
    assert silent == [], traps.draft(trap).sections


def test_clean_dictations_are_not_flagged() -> None:
    clean = [t for t in ALL if t.get("clean")]
    noisy = {t["id"]: traps.false_warnings(t) for t in clean}
    assert sum(bool(v) for v in noisy.values()) <= len(clean) / 10, noisy
