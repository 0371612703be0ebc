"""KX on Medicare allowed amounts (the fee-schedule pack), not on practice charges: on the
claim lines, at sign-off, and a year missing from the pack reported, never silent."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from core.domain.enums import Laterality, NoteType, VisitStatus
from core.domain.errors import InvalidInput
from core.domain.visit import Note, TimedBlock, Visit
from core.rules import snapshot
from core.rules.packs import default_packs
from core.rules.pfs import default_pfs
from core.services import allowed, billing, signing, superbill
from core.services.superbill import SuperbillRequest
from core.storage.chart import ChartSession
from tests.integration.test_billing_day import Setup, make, visit

START = dt.date(2026, 1, 5)
BLOCKS = (("97110", 30), ("97530", 30))  # 4 units a day


def signed_visit(s: Setup, day: dt.date) -> uuid.UUID:
    """A held visit with a signed note (stored directly: fast, for a long year)."""
    with s.chart.uow() as uow:
        v = Visit(s.patient, s.episode, s.pt, day, start_time=dt.time(9), end_time=dt.time(10),
                  status=VisitStatus.COMPLETED)
        note = Note(visit_id=v.id, note_type=NoteType.DAILY, objective="x", assessment="y")
        at = 9 * 60
        for code, minutes in BLOCKS:
            note.add_block(TimedBlock(code, dt.time(at // 60, at % 60),
                                      dt.time((at + minutes) // 60, (at + minutes) % 60),
                                      laterality=Laterality.RIGHT, goal_ids=(s.goal,)))
            at += minutes
        uow.visits.save(v)
        uow.notes.save(note)
        when = dt.datetime.combine(day, dt.time(18))
        text = snapshot.canonical_note_json(note, v, signed_by=s.pt, signed_at=when)
        note.mark_signed(by=s.pt, at=when, snapshot=text, content_hash=snapshot.snapshot_hash(text))
        uow.notes.save(note)
        uow.commit()
    return v.id


def day_amount(year: int) -> Decimal:
    return default_pfs().allowed_for_day({"97110": 2, "97530": 2}, year).total


def test_kx_comes_from_allowed_amounts_not_charges(chart: ChartSession) -> None:
    s = make(chart, "medicare")
    billing.set_fee(chart, "97530", 9000, effective_from=START - dt.timedelta(days=10))
    days = [START + dt.timedelta(days=2 * i) for i in range(30)]
    for day in days:
        signed_visit(s, day)
    threshold = default_packs().kx.threshold(2026)
    per_day = day_amount(2026)
    # the first day whose allowed amount takes the year over the threshold
    first = next(i for i in range(len(days)) if per_day * (i + 1) > threshold)
    assert first > 15  # charges ($300 a day) would have crossed around day 8
    bill = superbill.preview_superbill(chart, SuperbillRequest(s.patient)).value.superbill
    with_kx = sorted({ln.date for ln in bill.lines if "KX" in ln.modifiers})
    assert with_kx[0] == days[first] and with_kx == days[first:]
    # MPPR: a day is less than four full single-unit prices
    single = sum(default_pfs().allowed_for_day({c: 1}, 2026).total for c in ("97110", "97530"))
    assert per_day < 2 * single
    # the KX findings reach the clinician at sign-off
    draft = visit(s, "09:00", "09:30", day=days[-1] + dt.timedelta(days=2))
    found = {f.id for f in signing.check(chart, draft)}
    assert "kx.applied" in found and "kx.fee_schedule_missing" not in found


def test_below_the_threshold_no_kx_at_sign_off(chart: ChartSession) -> None:
    s = make(chart, "medicare")
    for i in range(3):
        signed_visit(s, START + dt.timedelta(days=i))
    draft = visit(s, "09:00", "09:30", day=START + dt.timedelta(days=7))
    found = {f.id for f in signing.check(chart, draft)}
    assert not found & {"kx.applied", "kx.near", "kx.fee_schedule_missing"}
    with chart.uow() as uow:
        days = allowed.kx_days(uow, s.patient)
    assert [d.amount for d in days] == [day_amount(2026)] * 3


def test_a_year_missing_from_the_fee_schedule_is_a_finding(chart: ChartSession) -> None:
    s = make(chart, "medicare")
    old = dt.date(2024, 6, 3)  # the KX pack has 2024, the fee-schedule pack does not
    signed_visit(s, old)
    draft = visit(s, "09:00", "09:30", day=old + dt.timedelta(days=2))
    assert "kx.fee_schedule_missing" in {f.id for f in signing.check(chart, draft)}
    preview = superbill.preview_superbill(chart, SuperbillRequest(s.patient)).value
    assert "scrub.kx_fee_schedule_missing" in {f.id for f in preview.findings}


def test_the_practice_picks_a_locality_from_the_pack(chart: ChartSession) -> None:
    assert allowed.set_locality(chart, "National").value == "national"
    with chart.uow() as uow:
        assert allowed.practice_locality(uow) == "national"
    with pytest.raises(InvalidInput):
        allowed.set_locality(chart, "atlantis")


def test_whole_year_scrub_reads_every_patient_and_writes_nothing(chart: ChartSession) -> None:
    from core.services import claim_year
    from core.storage import audit

    s = make(chart, "medicare")
    for i in range(3):
        signed_visit(s, START + dt.timedelta(days=i))
    with chart.uow() as uow:
        before = len(audit.recent(uow.conn, 10_000))
    found = claim_year.scrub_year(chart, 2026)
    assert list(found) == [s.patient]
    assert "scrub.claim_route_required" in {f.id for f in found[s.patient]}
    assert claim_year.scrub_year(chart, 2025) == {}
    with chart.uow() as uow:
        assert len(audit.recent(uow.conn, 10_000)) == before


def test_claim_scrub_blocks_services_outside_the_certification(chart: ChartSession) -> None:
    from core.services import episodes

    s = make(chart, "medicare")  # certified from DAY for 60 days, signed that day
    ep = episodes.get_episode(chart, s.episode)
    inside = ep.cert_start or START
    signed_visit(s, inside + dt.timedelta(days=3))
    preview = superbill.preview_superbill(chart, SuperbillRequest(s.patient)).value
    assert not {f.id for f in preview.findings} & {"scrub.cert_expired", "scrub.cert_unsigned"}
    signed_visit(s, inside + dt.timedelta(days=95))  # past 90 days and past cert_end
    preview = superbill.preview_superbill(chart, SuperbillRequest(s.patient)).value
    expired = [f for f in preview.findings if f.id == "scrub.cert_expired"]
    assert len(expired) == 1 and expired[0].severity == "block"
    # an unsigned plan past its 30-day grace blocks the claim too
    with chart.uow() as uow:
        episode = uow.episodes.get(s.episode)
        episode.certified_on = None
        uow.episodes.save(episode)
        uow.commit()
    late = SuperbillRequest(s.patient, issued_on=inside + dt.timedelta(days=40))
    assert "scrub.cert_unsigned" in {
        f.id for f in superbill.preview_superbill(chart, late).value.findings}
    early = SuperbillRequest(s.patient, issued_on=inside + dt.timedelta(days=10))
    assert "scrub.cert_unsigned" not in {
        f.id for f in superbill.preview_superbill(chart, early).value.findings}


def test_a_plan_without_diagnosis_blocks_sign_off(chart: ChartSession) -> None:
    from core.domain.errors import SignBlocked

    s = make(chart, "commercial")
    with chart.uow() as uow:
        episode = uow.episodes.get(s.episode)
        episode.diagnoses.clear()
        uow.episodes.save(episode)
        uow.commit()
    draft = visit(s, "09:00", "09:30")
    with pytest.raises(SignBlocked) as err:
        signing.sign_note(chart, draft, signer_id=s.pt)
    assert "episode.no_diagnosis" in {f.id for f in err.value.findings}


def test_the_demo_uses_subsequent_encounter_injury_codes() -> None:
    from core.rules.checks.claim_gate import is_initial_injury
    from core.services import demo

    assert not [c for c in demo.DEMO_DIAGNOSES if is_initial_injury(c)]
    assert "S83.242D" in demo.DEMO_DIAGNOSES
