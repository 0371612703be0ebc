"""The patient list's counts and filters (issue 24: drafts counted in SQL, episodes read in
bulk) give what reading every draft note and every patient's episodes gave."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain.enums import NoteStatus
from core.services import demo, ui_queries
from core.storage.chart import ChartSession


def _naive(chart: ChartSession, *, active_episode: bool, unsigned: bool, limit: int
           ) -> list[tuple[object, int, bool | None]]:
    with chart.uow() as uow:
        rows = uow.patients.search("", limit=1_000_000)
        drafts: dict[object, int] = {}
        for note in uow.notes.rows(status=NoteStatus.DRAFT.value):
            drafts[note.patient_id] = drafts.get(note.patient_id, 0) + 1
        out = []
        for row in rows:
            count = drafts.get(row.id, 0)
            if unsigned and not count:
                continue
            has_active = None
            if active_episode:
                has_active = any(e.is_active for e in uow.episodes.for_patient(row.id))
                if not has_active:
                    continue
            out.append((row.id, count, has_active))
        return out[:limit]


@pytest.mark.parametrize(("active_episode", "unsigned", "limit"), [
    (False, False, 200), (True, False, 200), (False, True, 200), (True, True, 200),
    (True, False, 3), (False, True, 1)])
def test_patient_list_matches_the_per_patient_reads(
        chart: ChartSession, active_episode: bool, unsigned: bool, limit: int) -> None:
    demo.populate(chart, today=dt.date(2026, 3, 16))
    got = ui_queries.patient_list(chart, active_episode=active_episode, unsigned=unsigned,
                                  limit=limit)
    assert [(r.id, r.unsigned_notes, r.active_episode) for r in got] == _naive(
        chart, active_episode=active_episode, unsigned=unsigned, limit=limit)
    if not active_episode and not unsigned and limit == 200:
        assert any(r.unsigned_notes for r in got)  # the demo has drafts to count
