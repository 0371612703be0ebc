"""Day-of-service rules: units per day, the day checks (each firing and not firing), MUE and
the fee-schedule pack."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from rules_fixtures import DAY, Chart

from core.domain.enums import VisitStatus
from core.domain.practice import Clinician
from core.domain.visit import Visit
from core.rules.checks import check_note
from core.rules.context import PriorNote
from core.rules.day import day_units
from core.rules.findings import CATALOG, Finding
from core.rules.mue import default_mue, over_mue
from core.rules.pfs import FeeScheduleYearMissing, PfsPack, default_pfs


def ids(findings: list[Finding]) -> set[str]:
    return {f.id for f in findings}


# -- units per day ------------------------------------------------------------------------------
def test_two_ten_minute_visits_are_one_unit_under_cms() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    day = day_units([(a, [("97110", 10)]), (b, [("97110", 10)])], "cms")
    assert day.result.units == {"97110": 1}
    assert day.by_visit[a]["97110"] + day.by_visit[b]["97110"] == 1
    assert day.by_visit[a]["97110"] == 1  # ties go to the earlier visit
    assert day.combined and "2 visits" in day.explanation and "10 + 10 = 20 min" in day.explanation


def test_per_code_charts_each_codes_day_minutes() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    day = day_units([(a, [("97110", 10)]), (b, [("97110", 10), ("97140", 7)])], "per-code")
    assert day.result.units == {"97110": 1, "97140": 0}


def test_apportioning_follows_minutes_and_adds_up() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    day = day_units([(a, [("97110", 40)]), (b, [("97110", 20), ("97161", 0)])], "cms")
    assert day.result.units["97110"] == 4
    assert (day.by_visit[a]["97110"], day.by_visit[b]["97110"]) == (3, 1)
    assert day.by_visit[b]["97161"] == 1 and "97161" not in day.by_visit[a]


def test_one_visit_is_unchanged() -> None:
    a = uuid.uuid4()
    day = day_units([(a, [("97110", 33), ("97140", 7)])], "cms")
    assert day.by_visit == {a: {"97110": 2, "97140": 1}} and not day.combined
    assert day.lines == ()


# -- the day checks -----------------------------------------------------------------------------
def other_note(chart: Chart, start: str, stop: str, *, code: str = "97110",
               patient: uuid.UUID | None = None, clinician: Clinician | None = None,
               status: VisitStatus = VisitStatus.COMPLETED) -> PriorNote:
    visit = Visit(patient_id=patient or chart.patient_id, episode_id=chart.episode.id,
                  clinician_id=(clinician or chart.clinician).id, date=DAY,
                  start_time=dt.time.fromisoformat(start), end_time=dt.time.fromisoformat(stop),
                  status=status)
    return PriorNote(chart.note(visit, [chart.block(code, start, stop)]), visit)


def test_overlap_with_the_patients_other_note_blocks_and_points_to_it(chart: Chart) -> None:
    visit = chart.visit(start="09:00", end="09:30")
    note = chart.note(visit, [chart.block("97110", "09:00", "09:10")])
    other = other_note(chart, "09:05", "09:15")
    found = [f for f in check_note(note, chart.ctx(visit, day_notes=(other,)))
             if f.id == "day.overlap_same_patient"]
    assert len(found) == 1 and found[0].severity == "block"
    assert str(other.note.id) in found[0].field
    # no overlap, or the other visit cancelled: nothing
    apart = other_note(chart, "09:10", "09:20")
    cancelled = other_note(chart, "09:05", "09:15", status=VisitStatus.CANCELLED)
    for day_notes in ((apart,), (cancelled,)):
        assert "day.overlap_same_patient" not in ids(
            check_note(note, chart.ctx(visit, day_notes=day_notes)))


def test_one_clinician_cannot_treat_two_patients_at_once(chart: Chart) -> None:
    visit = chart.visit(start="09:00", end="09:30")
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20")])
    theirs = other_note(chart, "09:10", "09:25", patient=uuid.uuid4())
    found = [f for f in check_note(note, chart.ctx(visit, day_notes=(theirs,)))
             if f.id == "day.overlap_clinician"]
    assert len(found) == 1 and str(theirs.note.id) in found[0].field
    assert "another patient" in found[0].message
    # another clinician treating another patient at the same time is fine
    colleague = Clinician("Bo", "Ng", chart.clinician.discipline)
    elsewhere = other_note(chart, "09:10", "09:25", patient=uuid.uuid4(), clinician=colleague)
    assert not ids(check_note(note, chart.ctx(visit, day_notes=(elsewhere,)))) & {
        "day.overlap_clinician", "day.overlap_same_patient"}


def test_block_outside_its_visit(chart: Chart) -> None:
    visit = chart.visit(start="09:00", end="09:30")
    inside = chart.note(visit, [chart.block("97110", "09:00", "09:30")])
    assert "block.outside_visit" not in ids(check_note(inside, chart.ctx(visit)))
    outside = chart.note(visit, [chart.block("97110", "09:20", "09:40")])
    assert "block.outside_visit" in ids(check_note(outside, chart.ctx(visit)))


def test_visit_without_times_and_a_600_minute_block(chart: Chart) -> None:
    visit = Visit(patient_id=chart.patient_id, episode_id=chart.episode.id,
                  clinician_id=chart.clinician.id, date=DAY)
    long = chart.note(visit, [chart.block("97110", "08:00", "18:00")])
    found = ids(check_note(long, chart.ctx(visit)))
    assert {"visit.times_missing", "block.implausible_length", "day.units_above_mue"} <= found
    normal = chart.note(chart.visit(), [chart.block("97110", "09:00", "09:40")])
    assert not ids(check_note(normal, chart.ctx(chart.visit()))) & {
        "visit.times_missing", "block.implausible_length", "day.units_above_mue"}


def test_total_treatment_time_longer_than_the_visit(chart: Chart) -> None:
    visit = chart.visit(start="09:00", end="09:30")
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20")], total=45)
    assert "note.total_time_exceeds_visit" in ids(check_note(note, chart.ctx(visit)))
    note.total_treatment_minutes = 30
    assert "note.total_time_exceeds_visit" not in ids(check_note(note, chart.ctx(visit)))


def test_units_are_counted_over_the_day(chart: Chart) -> None:
    visit = chart.visit(start="09:00", end="09:15")
    note = chart.note(visit, [chart.block("97110", "09:00", "09:10")])
    later = other_note(chart, "14:00", "14:10")
    found = [f for f in check_note(note, chart.ctx(visit, payer="medicare", day_notes=(later,)))
             if f.id == "day.units_combined"]
    assert len(found) == 1 and "97110 20 min → 1" in found[0].message
    assert "day.units_combined" not in ids(check_note(note, chart.ctx(visit, payer="medicare")))


def test_mue_over_the_day(chart: Chart) -> None:
    visit = chart.visit(start="08:00", end="10:00")
    note = chart.note(visit, [chart.block("97110", "08:00", "09:30")])  # 6 units: at the MUE
    assert "day.units_above_mue" not in ids(check_note(note, chart.ctx(visit)))
    more = other_note(chart, "13:00", "13:30")  # +2 units that day
    found = [f for f in check_note(note, chart.ctx(visit, day_notes=(more,)))
             if f.id == "day.units_above_mue"]
    assert len(found) == 1 and "not yet checked" in found[0].message


def test_kx_fee_schedule_missing(chart: Chart) -> None:
    note, visit = chart.typical()
    assert "kx.fee_schedule_missing" in ids(
        check_note(note, chart.ctx(visit, payer="medicare", kx_year_missing=True)))
    assert "kx.fee_schedule_missing" not in ids(
        check_note(note, chart.ctx(visit, payer="medicare")))
    assert "kx.fee_schedule_missing" not in ids(
        check_note(note, chart.ctx(visit, payer="commercial", kx_year_missing=True)))


def test_new_ids_are_catalogued() -> None:
    for fid in ("day.overlap_same_patient", "day.overlap_clinician", "block.outside_visit",
                "block.implausible_length", "visit.times_missing",
                "note.total_time_exceeds_visit", "day.units_combined", "day.units_above_mue",
                "kx.fee_schedule_missing"):
        assert fid in CATALOG


# -- packs --------------------------------------------------------------------------------------
def test_mue_pack_says_where_it_comes_from_and_that_it_is_unverified() -> None:
    pack = default_mue()
    assert pack.source and pack.effective_date and pack.version
    assert pack.verified is False and "offline" in pack.verified_reason
    assert pack.ceiling("97110") is not None and pack.ceiling("99999") is None
    assert over_mue({"97110": 7, "97140": 2}) == [("97110", 7, pack.values["97110"])]


def test_pfs_allowed_amount_with_mppr_and_assistants() -> None:
    pfs = default_pfs()
    assert pfs.verified is False and pfs.verified_reason
    assert pfs.years[2026].conversion_factor == Decimal("33.4009")
    one = pfs.allowed_for_day({"97110": 1}, 2026)
    rvu, cf = pfs.years[2026].rvus["97110"], Decimal("33.4009")
    assert one.total == ((rvu.work + rvu.pe + rvu.mp) * cf).quantize(Decimal("0.01"))
    two = pfs.allowed_for_day({"97110": 2}, 2026)
    expected = (2 * (rvu.work + rvu.mp) + rvu.pe * Decimal("1.5")) * cf
    assert two.total == expected.quantize(Decimal("0.01"))  # second unit's PE at 50 %
    pta = pfs.allowed_for_day({"97110": 1}, 2026, assistant_codes=frozenset({"97110"}))
    assert pta.total == (one.total * Decimal("0.85")).quantize(Decimal("0.01"))
    assert pfs.allowed_for_day({"97010": 1}, 2026).missing == ("97010",)
    with pytest.raises(FeeScheduleYearMissing):
        pfs.allowed_for_day({"97110": 1}, 2031)


def test_pfs_locality_must_be_in_the_pack() -> None:
    from core.domain.errors import InvalidInput

    pfs = default_pfs()
    assert pfs.locality(None).id == "national"
    with pytest.raises(InvalidInput):
        pfs.locality("atlantis")
    doc = {"version": "x", "effective_date": "2026-01-01", "source": "s", "years": [],
           "localities": [{"id": "X", "name": "x", "work_gpci": "1", "pe_gpci": "2",
                           "mp_gpci": "1"}]}
    assert PfsPack.from_document(doc).locality("x").pe_gpci == 2
