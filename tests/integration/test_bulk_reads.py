"""Bulk reads give exactly what the per-record reads give: accounts (``load_accounts`` vs
``load_account``, package draw-downs and audit rows included), the repositories' ``*_many`` /
``*_for_patients`` forms, and ``progress_alerts`` against the per-episode implementation it
replaced."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from core.domain.enums import Discipline, NoteType, VisitStatus
from core.rules.measures import episode_alerts
from core.services import billing, episodes, progress
from core.services.progress import AlertRow, _history
from core.storage import tables as t
from core.storage.chart import ChartSession
from core.storage.repos_billing import BillingRepos
from core.storage.repos_books import BooksReads
from tests.integration.test_books_world import World, build_year, make_visit, new_case, save_visits
from tests.integration.test_signing_cache import plain


@pytest.fixture
def world(chart: ChartSession) -> World:
    return build_year(chart)


def _written(uow: Any, since: int) -> tuple[list[Any], list[Any]]:
    uses = uow.conn.execute(
        select(t.package_uses.c.package_id, t.package_uses.c.visit_id, t.package_uses.c.used_on)
        .order_by(t.package_uses.c.used_on)).all()
    events = uow.conn.execute(
        select(t.audit_events.c.action, t.audit_events.c.entity, t.audit_events.c.entity_id,
               t.audit_events.c.detail)
        .where(t.audit_events.c.seq > since).order_by(t.audit_events.c.seq)).all()
    return uses, events


def test_load_accounts_is_load_account_for_each_patient(world: World) -> None:
    chart = world.base.chart
    results = []
    for bulk in (False, True):
        with chart.uow() as uow:  # never committed: both start from the same chart
            since = uow.conn.execute(select(t.audit_events.c.seq).order_by(
                t.audit_events.c.seq.desc()).limit(1)).scalar_one()
            patients = BooksReads(uow.conn).billing_patients()
            if bulk:
                accounts = billing.load_accounts(uow, patients)
            else:
                accounts = {pid: billing.load_account(uow, pid) for pid in patients}
            assert list(accounts) == patients
            results.append((plain(accounts), _written(uow, since)))
    (one, written_one), (many, written_many) = results
    assert one == many
    uses, events = written_one
    assert uses and events  # the package drew down (10 uses), audited once
    assert written_one == written_many


def test_bulk_repository_reads_match_the_single_ones(world: World) -> None:
    ids = [c.patient.id for c in world.cases.values()] + [uuid.uuid4()]
    with world.base.chart.uow() as uow:
        repos = BillingRepos(uow.conn)
        billing.load_accounts(uow, ids)  # store the package uses, so they are read too
        billed = repos.reads.billed_minutes_of(ids)
        payments = repos.payments.for_patients(ids)
        packages = repos.packages.for_patients(ids)
        uses = repos.packages.uses_for_patients(ids)
        eps = uow.episodes.for_patients(ids)
        for pid in ids:
            assert plain(billed.get(pid, [])) == plain(repos.reads.billed_minutes(pid))
            assert plain(payments.get(pid, [])) == plain(repos.payments.for_patient(pid))
            assert plain(packages.get(pid, [])) == plain(repos.packages.for_patient(pid))
            assert plain(uses.get(pid, [])) == plain(repos.packages.uses_for_patient(pid))
            assert plain(eps.get(pid, [])) == plain(uow.episodes.for_patient(pid))
        assert sum(len(v) for v in uses.values()) == 10
        note_ids = [n.id for c in world.cases.values() for _v, n in c.visits if n is not None]
        notes = uow.notes.get_many([*note_ids, uuid.uuid4()])
        visits = uow.visits.get_many(n.visit_id for n in notes.values())
        assert set(notes) == set(note_ids)  # an unknown id is simply absent
        for note_id in note_ids:
            assert plain(notes[note_id]) == plain(uow.notes.get(note_id))
            visit_id = notes[note_id].visit_id
            assert plain(visits[visit_id]) == plain(uow.visits.get(visit_id))


def _alerts_per_episode(chart: ChartSession, today: dt.date) -> list[AlertRow]:
    """``progress_alerts`` as it was before the bulk read (queries per patient and episode)."""
    out: list[AlertRow] = []
    with chart.uow() as uow:
        payers = {p.id: p for p in uow.payers.list()}
        for patient in uow.patients.search("", limit=1_000_000, active_only=True):
            for ep in uow.episodes.for_patient(patient.id):
                if ep.discharged_on is not None and ep.discharged_on <= today:
                    continue
                payer = payers.get(ep.payer_profile_id) if ep.payer_profile_id else None
                history = _history(uow.visits.rows(episode_id=ep.id), until=today, skip=None)
                for alert in episode_alerts(ep, payer or "cash", history, today):
                    out.append(AlertRow(
                        patient.id, patient.display_name, ep.id, str(ep.discipline),
                        alert.kind.value, alert.severity, alert.message, alert.due_date,
                    ))
    order = {"urgent": 0, "due": 1, "soon": 2}
    return sorted(out, key=lambda a: (order[a.severity], a.due_date or today, a.patient_name))


def test_progress_alerts_match_the_per_episode_reads(world: World) -> None:
    chart, base = world.base.chart, world.base
    start = dt.date(2025, 10, 6)
    more = {
        "second episode": new_case(base, "Flora", "Gansett", payer="medicare", start=start,
                                   cert_start=start, cert_end=start + dt.timedelta(days=60)),
        "discharged": new_case(base, "Gus", "Hale", payer="medicare", start=start,
                               cert_start=start, discharged_on=dt.date(2025, 12, 1)),
        "inactive patient": new_case(base, "Hedy", "Ives", payer="medicare", start=start,
                                     cert_start=start, cert_end=start + dt.timedelta(days=85)),
    }
    items = []
    for case in more.values():
        items += [make_visit(case, start + dt.timedelta(days=3 * i),
                             kind=NoteType.EVALUATION if i == 0 else NoteType.DAILY)
                  for i in range(11)]
    save_visits(chart, items)
    flora = more["second episode"].patient.id
    episodes.create_episode(chart, patient_id=flora, discipline=Discipline.OT,
                            start_date=dt.date(2025, 11, 3), cert_start=dt.date(2025, 11, 3),
                            cert_end=dt.date(2026, 1, 25))
    with chart.uow() as uow:
        hedy = uow.patients.get(more["inactive patient"].patient.id)
        hedy.active = False
        uow.patients.save(hedy)
        uow.commit()
    days = [dt.date(2025, 10, 25), dt.date(2025, 10, 30), dt.date(2025, 11, 20),
            dt.date(2025, 12, 2), dt.date(2026, 1, 10), dt.date(2026, 1, 24), dt.date(2026, 3, 1)]
    seen = set()
    for today in days:
        got = progress.progress_alerts(chart, today=today)
        assert got == _alerts_per_episode(chart, today)
        seen |= {a.kind for a in got}
        assert "Ives, Hedy" not in {a.patient_name for a in got}  # inactive: not listed
    assert {"progress_report_overdue", "progress_report_due", "progress_report_upcoming",
            "plan_of_care_expired", "plan_of_care_expiring"} <= seen


def _per_patient(uow: Any, year: int) -> dict[uuid.UUID, Any]:
    """Each patient's superbill of ``year`` gathered on its own, as a superbill export does."""
    from core.rules.scrub import NothingToBill
    from core.services.superbill import SuperbillRequest
    from core.services.superbill_gather import gather

    out = {}
    last = dt.date(year, 12, 31)
    for pid in uow.patients.all_ids():
        try:
            bill, found = gather(uow, SuperbillRequest(
                pid, date_from=dt.date(year, 1, 1), date_to=last, issued_on=last))
        except NothingToBill:
            continue
        out[pid] = plain((bill, found))
    return out


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_year_scrub_reads_once_and_gathers_what_each_patient_would(
    world: World, year: int
) -> None:
    """``claim_year`` reads the year's visits and notes once for everybody and derives the
    ledger's billed minutes from those notes: every bill and finding is what gathering each
    patient alone gives (2025: a patient's visits run on into 2026; 2026: the other way)."""
    from core.services import claim_year
    from core.storage.repos_billing import billed_from_notes

    chart = world.base.chart
    cy = world.cases["cy"]
    items = []
    for day in (dt.date(2025, 12, 10), dt.date(2026, 1, 14)):
        items += [make_visit(cy, day, blocks=(("97110", 12), ("97140", -5))),  # reversed
                  make_visit(cy, day + dt.timedelta(days=1), signed=False),  # a draft
                  make_visit(cy, day + dt.timedelta(days=2))]  # cancelled once signed
    save_visits(chart, items)
    with chart.uow() as uow:
        for visit, _note in items[2::3]:
            visit.status = VisitStatus.CANCELLED
            uow.visits.save(visit)
        uow.commit()
    with chart.uow() as uow:  # rolled back, like the scrub's own
        alone = _per_patient(uow, year)
    with chart.uow() as uow:
        together = {pid: plain((bill, found))
                    for pid, bill, found in claim_year.gather_year(uow, year)}
        # the derived minutes are the stored ones (cancelled visits, drafts and all)
        reads = uow.billing.reads
        pids = uow.patients.all_ids()
        visits = reads.visits_of(pids)
        notes = reads.notes_for_visits([v.id for mine in visits.values() for v in mine])
        for pid in pids:
            assert plain(billed_from_notes(visits.get(pid, []), notes)) == \
                plain(reads.billed_minutes(pid))
            assert plain(visits.get(pid, [])) == plain(reads.visits(pid))
    assert together == alone
    assert len(alone) >= (4 if year == 2025 else 1)
