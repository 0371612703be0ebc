"""Signing many notes in one unit of work (``signing.ContextCache``) and the demo chart built
that way: the same contexts, the same gate, the same stored records as one note at a time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from core.domain import icd
from core.domain.enums import Laterality, NoteType
from core.domain.errors import SignBlocked
from core.domain.visit import Note, Visit
from core.rules.checks import check_note
from core.services import demo, signing
from core.storage import audit, outbox
from core.storage import tables as t
from core.storage.chart import ChartSession
from tests.integration.test_books_world import Base, Case, make_base, make_visit, new_case

START = dt.date(2026, 1, 5)


def plain(value: Any) -> Any:
    """A comparable form of domain values (most domain dataclasses compare by identity)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                tuple((f.name, plain(getattr(value, f.name))) for f in dataclasses.fields(value)))
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return sorted((str(k), plain(v)) for k, v in value.items())
    return value


def drafts(base: Base, case: Case, n: int) -> list[tuple[Visit, Note]]:
    items = []
    for i in range(n):
        kind = NoteType.EVALUATION if i == 0 else (
            NoteType.PROGRESS_REPORT if i == 9 else NoteType.DAILY)
        visit, note = make_visit(case, START + dt.timedelta(days=2 * i), kind=kind, signed=False,
                                 exercises=(("Leg press", 40 + i),))
        assert note is not None
        items.append((visit, note))
    with base.chart.uow() as uow:
        for visit, note in items:
            uow.visits.save(visit)
            uow.notes.save(note)
        uow.commit()
    return items


# The evaluation these tests start with leaves the plan's frequency and duration to the plan
# screen and scores no measure: warnings a clinician acknowledges before signing.
EVAL_ACKS = {
    "eval.plan_incomplete": "Frequency and duration set on the plan screen later today",
    "note.no_outcome_measure": "Outcome measure scored at the next visit",
}


@pytest.fixture
def base(chart: ChartSession) -> Base:
    return make_base(chart)


def test_cached_contexts_are_the_fresh_ones(base: Base) -> None:
    case = new_case(base, "Cora", "Lindgren", payer="medicare", start=START, cert_start=START,
                    cert_end=START + dt.timedelta(days=80), certified_on=START)
    items = drafts(base, case, 13)
    cache = signing.ContextCache()
    with base.chart.uow() as uow:
        for i, (_visit, draft) in enumerate(items):
            note = uow.notes.get(draft.id)
            cached = signing.build_context(uow, note, today=START, cache=cache)
            fresh = signing.build_context(uow, note, today=START)
            assert plain(cached) == plain(fresh)
            assert len(cached.history) == i
            assert plain(check_note(note, cached)) == plain(check_note(note, fresh))
            signing.sign_within(uow, note.id, signer_id=case.clinician.id, today=START,
                                now=dt.datetime(2026, 1, 5, 18, i), cache=cache,
                                acknowledgements=EVAL_ACKS)
        # what the cache kept of each signed note is what reading it back gives
        assert len(cache.signed) == len(items)
        for note_id, prior in cache.signed.items():
            again = uow.notes.get(note_id)
            assert again.is_signed
            assert plain(prior.note) == plain(again)
            assert plain(prior.visit) == plain(uow.visits.get(again.visit_id))
        uow.commit()
    for _visit, note in items:
        assert signing.verify_signed(base.chart, note.id)


def test_a_cache_does_not_change_the_gate(base: Base) -> None:
    case = new_case(base, "Ines", "Okoro", start=START)
    (_v0, first), (_v1, second) = drafts(base, case, 2)
    with base.chart.uow() as uow:  # the second note's blocks name the wrong side
        note = uow.notes.get(second.id)
        for block in note.blocks:
            block.laterality = Laterality.LEFT
        uow.notes.save(note)
        uow.commit()
    found = []
    for cache in (None, signing.ContextCache()):
        with base.chart.uow() as uow:
            signing.sign_within(uow, first.id, signer_id=case.clinician.id, cache=cache,
                                acknowledgements=EVAL_ACKS)
            with pytest.raises(SignBlocked) as blocked:
                signing.sign_within(uow, second.id, signer_id=case.clinician.id, cache=cache)
            found.append(sorted(getattr(f, "id", "") for f in blocked.value.findings))
    assert found[0] == found[1] and "block.laterality_conflict" in found[0]


def test_the_demo_builds_without_the_code_set_and_holds_together(
    chart: ChartSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> None:
        raise AssertionError("the demo loaded ICD-10-CM")

    monkeypatch.setattr(icd, "_icd", refuse)
    summary = demo.populate(chart, today=dt.date(2026, 11, 2))
    assert summary == "10 patients, 114 visits, 102 signed notes"
    with chart.uow() as uow:
        assert audit.verify(uow.conn).ok
        signed = [r.id for r in uow.notes.rows(status="signed")]
        kinds = dict(uow.conn.execute(
            select(t.record_versions.c.record_id, t.record_versions.c.kind)
            .where(t.record_versions.c.entity == "note")).all())
        for note_id in signed:  # one version per note, a sign version, equal to the stored note
            assert kinds[note_id] == "sign"
        (payload,) = uow.conn.execute(
            select(t.record_versions.c.payload)
            .where(t.record_versions.c.record_id == signed[0])).scalars()
        assert payload == outbox.record_payload(uow.conn, "note", signed[0])
        assert json.loads(payload)["children"]["timed_blocks"]
    assert len(signed) == 102
    assert all(signing.verify_signed(chart, note_id) for note_id in signed[:10])
