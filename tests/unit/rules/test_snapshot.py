"""core.rules.snapshot: canonical JSON, hash, tamper detection."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from core.domain.errors import InvalidInput
from core.domain.visit import Note, UntimedService, Visit
from core.rules.snapshot import canonical_note_json, snapshot_hash, verify_snapshot

if TYPE_CHECKING:
    from rules_fixtures import Chart

SIGNER = uuid.UUID(int=7)
AT = dt.datetime(2025, 3, 10, 17, 0, tzinfo=dt.UTC)


def signed(chart: Chart, **kw: object) -> tuple[Note, Visit]:
    note, visit = chart.typical()
    note.add_untimed(UntimedService("97010", minutes=10))
    note.subjective = "Knee “better” — stairs 2/10"
    text = canonical_note_json(note, visit, unit_method="cms", signed_by=SIGNER, signed_at=AT)
    note.mark_signed(by=SIGNER, at=AT, snapshot=text, content_hash=snapshot_hash(text))
    return note, visit


def test_canonical_form(chart: Chart) -> None:
    note, visit = chart.typical()
    note.blocks.reverse()  # storage order must not matter
    text = canonical_note_json(note, visit)
    assert text == canonical_note_json(note, visit)
    doc = json.loads(text)
    assert ": " not in text and ", " not in text.split('"subjective"')[0]
    assert list(doc) == sorted(doc)
    assert [b["position"] for b in doc["note"]["blocks"]] == [0, 1, 2, 3]
    assert doc["note"]["blocks"][0]["start"] == "09:00:00"
    assert doc["visit"]["date"] == "2025-03-10"
    assert doc["note"]["id"] == str(note.id)
    assert "units" not in doc and "status" not in doc["note"]


def test_units_and_signature_are_included_when_asked(chart: Chart) -> None:
    note, visit = chart.typical()
    doc = json.loads(canonical_note_json(note, visit, unit_method="cms", signed_by=SIGNER,
                                         signed_at=AT))
    assert doc["units"] == {"method": "cms",
                            "by_code": {"97110": 1, "97112": 1, "97140": 1, "97530": 1}}
    assert doc["signed_by"] == str(SIGNER) and doc["signed_at"].startswith("2025-03-10T17:00")


def test_hash_is_sha256_hex() -> None:
    assert snapshot_hash("") == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def test_untouched_snapshot_verifies(chart: Chart) -> None:
    note, visit = signed(chart)
    assert verify_snapshot(note) and verify_snapshot(note, visit)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda n, v: setattr(n, "assessment", "changed"),
        lambda n, v: setattr(n.blocks[0], "stop", dt.time(9, 40)),
        lambda n, v: setattr(n.blocks[1], "code", "97530"),
        lambda n, v: n.blocks[2].details.update(region="lumbar"),
        lambda n, v: setattr(n.untimed[0], "modifiers", ("59",)),
        lambda n, v: n.acknowledged.append({"finding_id": "x", "reason": "y"}),
        lambda n, v: setattr(n, "signed_by", uuid.UUID(int=8)),
        lambda n, v: setattr(n, "snapshot", n.snapshot.replace("better", "worse")),
        lambda n, v: setattr(n, "content_hash", "0" * 64),
        lambda n, v: setattr(v, "date", dt.date(2025, 3, 11)),
    ],
)
def test_tampering_is_detected(chart: Chart, tamper: Callable[[Note, Visit], object]) -> None:
    note, visit = signed(chart)
    tamper(note, visit)
    assert not verify_snapshot(note, visit)


def test_rehashed_forgery_is_detected(chart: Chart) -> None:
    note, _ = signed(chart)
    forged = note.snapshot.replace("better", "worse")  # type: ignore[union-attr]
    note.snapshot, note.content_hash = forged, snapshot_hash(forged)
    assert not verify_snapshot(note)  # the note's fields no longer produce that text


def test_unsigned_or_garbled_snapshot(chart: Chart) -> None:
    note, _ = chart.typical()
    assert not verify_snapshot(note)
    note.snapshot, note.content_hash = "{not json", snapshot_hash("{not json")
    assert not verify_snapshot(note)


def test_values_json_cannot_hold(chart: Chart) -> None:
    note, visit = chart.typical()
    note.blocks[0].details["load"] = Decimal("2.5")
    assert '"load":"2.5"' in canonical_note_json(note, visit)
    note.blocks[0].details["load"] = float("nan")
    with pytest.raises(InvalidInput, match="finite"):
        canonical_note_json(note, visit)
    note.blocks[0].details["load"] = object()
    with pytest.raises(InvalidInput, match="cannot be signed"):
        canonical_note_json(note, visit)
    with pytest.raises(InvalidInput, match="does not belong"):
        canonical_note_json(note, chart.visit())
