"""Issue 14: the supervising therapist is on the visit (migration r0010). A PTA's Medicare
visit bills under the PT named on it (24J, signature; CQ on the line); the sign gate checks
who that is; the choice is validated, audited and frozen with the signed visit. Real chart."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from core.domain.enums import Discipline, GoalTerm, Laterality, UnitMethod
from core.domain.errors import SignBlocked, ValidationError
from core.services import (
    charts,
    claims,
    episodes,
    notes,
    patients,
    practice,
    signing,
    ui_queries,
)
from core.services.superbill import SuperbillRequest
from core.services.superbill_gather import gather
from core.storage.chart import ChartSession

NPI_PT = "1234567893"  # passes the Luhn check used for NPIs


@pytest.fixture
def world(chart: ChartSession) -> dict[str, uuid.UUID]:
    def clinician(
        first: str, discipline: Discipline, assistant: bool, npi: str | None
    ) -> uuid.UUID:
        return practice.add_clinician(
            chart, first_name=first, last_name="Quist", discipline=discipline,
            credentials="PTA" if assistant else "PT", is_assistant=assistant, npi=npi).value.id

    ids = {
        "pta": clinician("Pia", Discipline.PT, True, None),
        "pt": clinician("Ada", Discipline.PT, False, NPI_PT),
        "pt_no_npi": clinician("Bo", Discipline.PT, False, None),
        "ot": clinician("Cy", Discipline.OT, False, None),
        "pta2": clinician("Di", Discipline.PT, True, None),
    }
    payer = practice.add_payer_profile(
        chart, name="Medicare Part B", key="medicare", unit_method=UnitMethod.CMS_TOTAL_TIME,
        requires_discipline_modifier=True, uses_kx_threshold=True,
        progress_report_every_visits=10).value
    patient = patients.create_patient(
        chart, first_name="Nell", last_name="Testcase", date_of_birth=dt.date(1950, 1, 1)).value
    ep = episodes.create_episode(
        chart, patient_id=patient.id, discipline=Discipline.PT, start_date=dt.date(2026, 10, 1),
        cert_start=dt.date(2026, 10, 1), cert_end=dt.date(2026, 12, 29),
        certified_on=dt.date(2026, 10, 3), payer_profile_id=payer.id, diagnoses=["M17.11"]).value
    goal = episodes.add_goal(chart, ep.id, term=GoalTerm.SHORT, activity="Climb 12 stairs",
                             functional_purpose="reach the bedroom").value
    view = notes.start_note(chart, episode_id=ep.id, clinician_id=ids["pta"],
                            date=dt.date(2026, 10, 2), start_time=dt.time(9),
                            end_time=dt.time(10)).value
    note_id = view.note.id
    notes.edit_section(chart, note_id, "objective", "Step-ups 3x10, cues for knee control.")
    notes.edit_section(chart, note_id, "assessment", "Tolerated well; stairs improving.")
    notes.set_total_treatment_minutes(chart, note_id, 25)
    notes.add_block(chart, note_id, "97110", start=dt.time(9), stop=dt.time(9, 25),
                    goal_ids=(goal.id,), laterality=Laterality.RIGHT,
                    goal_connection="Strength for stairs (STG 1).",
                    details={"exercises": [{"name": "Step-ups", "sets": 3, "reps": 10}]})
    return {**ids, "note": note_id, "visit": view.visit.id}


def _ids(chart: ChartSession, note_id: uuid.UUID) -> dict[str, str]:
    return {f.id: f.message for f in signing.check(chart, note_id)}


def test_no_supervisor_blocks_then_the_visit_names_one(
    chart: ChartSession, world: dict[str, uuid.UUID]
) -> None:
    found = _ids(chart, world["note"])  # the plan names no therapist either
    assert "claim.supervisor_missing" in found
    with pytest.raises(SignBlocked):
        signing.sign_note(chart, world["note"], signer_id=world["pta"])
    notes.set_visit_supervisor(chart, world["visit"], world["pt"])
    found = _ids(chart, world["note"])
    assert "claim.supervisor_missing" not in found
    assert f"NPI {NPI_PT}" in found["claim.billed_under_supervisor"]
    assert "Ada Quist" in found["claim.billed_under_supervisor"]
    details = [str(r["detail"]) for r in charts.recent_audit(chart, 50)]
    assert "supervisor" in details


def test_a_supervisor_without_npi_warns_and_another_discipline_blocks(
    chart: ChartSession, world: dict[str, uuid.UUID]
) -> None:
    notes.set_visit_supervisor(chart, world["visit"], world["pt_no_npi"])
    assert "claim.supervisor_npi_missing" in _ids(chart, world["note"])
    # the service refuses an OT for a PTA, an assistant, and a therapist's own visit
    for bad in ("ot", "pta2"):
        with pytest.raises(ValidationError):
            notes.set_visit_supervisor(chart, world["visit"], world[bad])
    with chart.uow() as uow:  # an OT slipped in by other means is still caught at sign-off
        visit = uow.visits.get(world["visit"])
        visit.supervisor_id = world["ot"]
        uow.visits.save(visit)
        uow.commit()
    assert "claim.supervisor_discipline" in _ids(chart, world["note"])


def test_only_an_assistants_visit_takes_a_supervisor(
    chart: ChartSession, world: dict[str, uuid.UUID]
) -> None:
    with chart.uow() as uow:
        episode_id = uow.visits.get(world["visit"]).episode_id
    own = notes.start_note(chart, episode_id=episode_id, clinician_id=world["pt"],
                           date=dt.date(2026, 10, 5)).value
    with pytest.raises(ValidationError, match="assistant"):
        notes.set_visit_supervisor(chart, own.visit.id, world["pt_no_npi"])
    # what the editor's picker offers: the PTs for the PTA's visit, nothing for the PT's own
    assert ui_queries.open_note(chart, own.note.id).supervisors == ()
    offered = ui_queries.open_note(chart, world["note"]).supervisors
    assert {c.id for c in offered} == {world["pt"], world["pt_no_npi"]}  # no OT, no PTA


def test_the_supervisor_is_signed_with_the_visit_and_frozen(
    chart: ChartSession, world: dict[str, uuid.UUID]
) -> None:
    notes.set_visit_supervisor(chart, world["visit"], world["pt"])
    signing.sign_note(chart, world["note"], signer_id=world["pta"], acknowledgements={
        "plan.progress_report_upcoming": "n/a"})  # an info is never acknowledged: ignored
    with chart.uow() as uow:
        assert uow.visits.get(world["visit"]).supervisor_id == world["pt"]
    with pytest.raises(Exception, match="signed"):
        notes.set_visit_supervisor(chart, world["visit"], world["pt_no_npi"])
    raw = chart.engine.raw_connection()
    try:
        with pytest.raises(Exception, match="immutable"):
            raw.driver_connection.execute(  # type: ignore[union-attr]
                "UPDATE visits SET supervisor_id = NULL WHERE id = ?", (world["visit"].hex,))
    finally:
        raw.close()
    with chart.uow() as uow:
        cols = {c["name"] for c in sa.inspect(uow.conn).get_columns("visits")}
        patient_id = uow.visits.get(world["visit"]).patient_id
    assert "supervisor_id" in cols
    # the claim bills under the supervising PT: 24J, item 31 and the attestation are hers,
    # CQ stays on the line (the PTA has no NPI at all: Medicare does not enroll assistants)
    with chart.uow() as uow:
        bill, _findings = gather(uow, SuperbillRequest(patient_id,
                                                      issued_on=dt.date(2026, 10, 10)))
        drafts = claims._drafts(uow, bill, patient_id, per_day=False)
    assert [(ln.code, ln.rendering_npi) for ln in bill.lines] == [("97110", NPI_PT)]
    assert "CQ" in bill.lines[0].modifiers
    assert [r.name for r in bill.renderers] == ["Ada Quist"]
    assert drafts[0].lines[0].rendering_npi == NPI_PT
    assert drafts[0].signer.startswith("Ada Quist")
