"""``Changes`` tells typed text from structural edits (issue 17: panels refresh only what
changed)."""

from __future__ import annotations

import uuid

from core.domain.changes import Changes

A, B = uuid.uuid4(), uuid.uuid4()


def test_text_only_is_not_structural() -> None:
    typed = Changes({"note": frozenset({A})}, {"note": frozenset({A})})
    assert "note" in typed and not typed.structural("note")
    signed = Changes({"note": frozenset({A})})
    assert signed.structural("note")


def test_union_keeps_text_only_when_neither_side_was_structural() -> None:
    typed_a = Changes({"note": frozenset({A})}, {"note": frozenset({A})})
    typed_b = Changes({"note": frozenset({B})}, {"note": frozenset({B})})
    both = typed_a | typed_b
    assert both.ids("note") == {A, B} and not both.structural("note")
    blocked = typed_a | Changes({"note": frozenset({A})})  # then a block was added to A
    assert blocked.structural("note")
    assert (Changes({"visit": frozenset({B})}) | typed_a).structural("visit")
