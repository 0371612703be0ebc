"""check_note and modifiers_for never raise on a messy draft: problems become findings."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_fixtures import Chart

from core.domain.enums import NoteType
from core.domain.visit import TimedBlock, UntimedService
from core.rules.checks import check_note
from core.rules.findings import CATALOG
from core.rules.modifiers import modifiers_for
from core.rules.packs import default_packs

CODES = [*sorted(default_packs().codes), "99213"]
times = st.none() | st.times(min_value=dt.time(7), max_value=dt.time(19)).map(
    lambda t: t.replace(second=0, microsecond=0))
details = st.dictionaries(
    st.sampled_from(["exercises", "components", "skilled_cues", "activity", "functional_task",
                     "target_outcomes"]),
    st.none() | st.text(max_size=20) | st.lists(st.text(max_size=8), max_size=3)
    | st.lists(st.dictionaries(st.sampled_from(["name", "sets", "target_outcome"]),
                               st.integers() | st.text(max_size=5)), max_size=2),
)
blocks = st.builds(
    lambda code, start, stop, d, mods, linked: (code, start, stop, d, mods, linked),
    st.sampled_from(CODES), times, times, details,
    st.sampled_from([(), ("59",), ("XU",), ("RT",)]), st.booleans(),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(blocks, max_size=6), st.lists(st.sampled_from(CODES), max_size=3),
       st.sampled_from(list(NoteType)), st.sampled_from(["medicare", "commercial", "cash"]),
       st.none() | st.integers(0, 200))
def test_checks_never_raise(raw, untimed, note_type, payer, total) -> None:
    chart = Chart()
    visit = chart.visit()
    note = chart.note(visit, note_type=note_type, total=total)
    for code, start, stop, d, mods, linked in raw:
        note.add_block(TimedBlock(code, start, stop, details=d, modifiers=mods,
                                  goal_ids=(chart.goal.id if linked else uuid.uuid4(),)))
    for code in untimed:
        note.add_untimed(UntimedService(code))
    ctx = chart.ctx(visit, payer=payer)
    findings = check_note(note, ctx)
    assert all(f.id in CATALOG and f.severity is CATALOG[f.id].severity for f in findings)
    mods = modifiers_for(note, ctx)
    assert set(mods) == {b.id for b in note.blocks} | {s.id for s in note.untimed}
