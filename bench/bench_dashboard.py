"""Compliance dashboard refresh on a chart with 20,000 visits (target < 300 ms), the progress
alerts (target < 300 ms) and the reports (revenue: target < 1.5 s).

Same-run baselines: a bare ``COUNT(*)`` over visits through the same unit of work (the floor any
refresh pays: transaction, key, one query), the same dashboard on plain SQLite (the same
sqlcipher3 build without a key), the progress alerts read per patient and per episode (how
``progress_alerts`` read before it shared the dashboard's bulk reads), and every account opened
one patient at a time with ``billing.load_account`` (how the revenue report read before
``billing.load_accounts``).

Seeding writes rows with ``executemany`` straight into the tables (``mapper.to_row`` of real
domain objects): saving 20,000 visits one repository call at a time would take minutes, and
seeding is not what is measured. Everything is synthetic.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from bench._harness import median_time, ms, report
from core.domain.enums import (
    Discipline,
    GoalTerm,
    Laterality,
    NoteStatus,
    NoteType,
    PlaceOfService,
    UnitMethod,
    VisitStatus,
)
from core.domain.episode import Diagnosis, Episode, Goal
from core.domain.ids import new_id
from core.domain.patient import Patient
from core.domain.practice import Clinician, PayerProfile
from core.domain.visit import Note, TimedBlock, UntimedService, Visit
from core.rules.measures import episode_alerts
from core.rules.packs import default_packs
from core.services import billing, charts, dashboard, progress, reports
from core.storage import migrate
from core.storage import tables as t
from core.storage.chart import ChartSession
from core.storage.engine import KeyHolder, make_engine
from core.storage.keys import KdfParams
from core.storage.mapper import to_row
from core.storage.repos_books import BooksRepos

PASS = "benchmark-passphrase-1"
N_VISITS = 20_000
TODAY = dt.date(2026, 3, 16)
FEES = {"97110": 6000, "97530": 7000, "97162": 15000}
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _session(path: Path, *, plain: bool) -> ChartSession:
    if plain:
        keys = KeyHolder(bytearray(32))
        engine = make_engine(path, keys, plain=True)
        migrate.upgrade(engine)
        return ChartSession(path, str(new_id()), "bench", engine, keys)
    session, _ = charts.create_chart(path, PASS, kdf=KdfParams.fast_for_tests())
    return session


def _t(minute: int) -> dt.time:
    return dt.time(minute // 60, minute % 60)


def seed(
    session: ChartSession, n_visits: int, *, seed_value: int = 11, days: int = 1000,
    sign: bool = True,
) -> dict[str, int]:
    """~n_visits visits in episodes that started over the last ``days`` days (default ~three
    years: at 20,000 visits ~770 episodes, ~65 still active), a few stale drafts.

    Episodes start at n_visits / 26 / days a day, so with ``days`` proportional to n_visits
    (``bench_scale``: n / 20) the caseload — episodes still open — stays the same while the
    history grows; with ``days`` fixed it grows with the chart. ``sign=False`` leaves every
    note a draft (the worst case of the draft counts)."""
    rng = random.Random(seed_value)
    clinicians = [Clinician(f"Bench{i}", "Therapist", Discipline.PT) for i in range(4)]
    payers = [PayerProfile("Medicare Part B", "medicare", UnitMethod.CMS_TOTAL_TIME, True, True,
                           10), PayerProfile("Self-pay", "cash", UnitMethod.PER_CODE)]
    rows: dict[Any, list[dict[str, Any]]] = {k: [] for k in (
        t.patients, t.episodes, t.diagnoses, t.goals, t.visits, t.notes, t.timed_blocks,
        t.untimed_services)}
    to_sign: list[Any] = []
    visits = episodes = 0
    while visits < n_visits:
        p = Patient(f"P{episodes}", rng.choice(["Arden", "Bishop", "Calder", "Dunn", "Ellis"]),
                    dt.date(1940 + rng.randrange(60), 1 + rng.randrange(12), 1))
        start = TODAY - dt.timedelta(days=rng.randrange(0, days))
        length = min(rng.randint(12, 40), n_visits - visits)
        planned = [start + dt.timedelta(days=int(i * 3.5)) for i in range(length)]
        medicare = rng.random() < 0.4
        ep = Episode(p.id, Discipline.PT, start, cert_start=start,
                     cert_end=start + dt.timedelta(days=89),
                     certified_on=start + dt.timedelta(days=rng.choice([5, 10, 60])),
                     payer_profile_id=payers[0 if medicare else 1].id,
                     clinician_id=rng.choice(clinicians).id,
                     authorized_visits=None if medicare or rng.random() < 0.6 else length + 2,
                     discharged_on=planned[-1] if planned[-1] < TODAY - dt.timedelta(days=7)
                     else None)
        ep.add_diagnosis(Diagnosis("M17.11", "Osteoarthritis, right knee", Laterality.RIGHT))
        goal = ep.add_goal(Goal(GoalTerm.SHORT, "Climb 12 stairs"))
        rows[t.patients].append(to_row(p, t.patients, search_key=f"{p.last_name} {p.first_name}"))
        rows[t.episodes].append(to_row(ep, t.episodes))
        rows[t.diagnoses] += [to_row(d, t.diagnoses, episode_id=ep.id) for d in ep.diagnoses]
        rows[t.goals].append(to_row(goal, t.goals, episode_id=ep.id))
        for n, day in enumerate(planned):
            roll = rng.random()
            status = (VisitStatus.SCHEDULED if day > TODAY else VisitStatus.NO_SHOW if roll <
                      0.08 else VisitStatus.CANCELLED if roll < 0.13 else VisitStatus.COMPLETED)
            v = Visit(p.id, ep.id, ep.clinician_id or clinicians[0].id, day,
                      PlaceOfService.HOME, _t(540), _t(600), status)
            rows[t.visits].append(to_row(v, t.visits))
            visits += 1
            if status is not VisitStatus.COMPLETED:
                continue
            kind = (NoteType.EVALUATION if n == 0 else NoteType.PROGRESS_REPORT if n % 9 == 8
                    else NoteType.DAILY)
            note = Note(v.id, kind, "Reports less pain.", "Strength improving.", "Progressing.",
                        "Continue.", total_treatment_minutes=50)
            if kind is NoteType.EVALUATION:
                note.add_untimed(UntimedService("97162", minutes=45))
            else:
                ex = [{"name": "Leg press", "sets": 3, "reps": 10, "load": 20 + n,
                       "load_unit": "lb"}]
                note.add_block(TimedBlock("97110", _t(540), _t(570), (goal.id,),
                                          Laterality.RIGHT, {"exercises": ex}))
                note.add_block(TimedBlock("97530", _t(570), _t(585), (goal.id,),
                                          Laterality.RIGHT))
            rows[t.notes].append(to_row(note, t.notes, status=NoteStatus.DRAFT))
            rows[t.timed_blocks] += [to_row(b, t.timed_blocks, note_id=note.id)
                                     for b in note.blocks]
            rows[t.untimed_services] += [to_row(u, t.untimed_services, note_id=note.id)
                                         for u in note.untimed]
            if sign and (TODAY - day).days > 2 and rng.random() > 0.003:
                to_sign.append(note.id)
        episodes += 1
    with session.uow() as uow:
        for c in clinicians:
            uow.clinicians.save(c)
        for payer in payers:
            uow.payers.save(payer)
        for table, batch in rows.items():
            if batch:
                uow.conn.execute(insert(table), batch)
        for i in range(0, len(to_sign), 500):
            uow.conn.execute(update(t.notes).where(t.notes.c.id.in_(to_sign[i:i + 500]))
                             .values(status=NoteStatus.SIGNED,
                                     signed_at=dt.datetime.combine(TODAY, dt.time(18))))
        uow.commit()
    for code, cents in FEES.items():
        billing.set_fee(session, code, cents, effective_from=dt.date(2023, 1, 1))
    active = sum(1 for r in rows[t.episodes] if r["discharged_on"] is None)
    return {"visits": visits, "episodes": episodes, "active_episodes": active,
            "notes": len(rows[t.notes]), "signed": len(to_sign)}


def _count(session: ChartSession) -> int:
    with session.uow() as uow:
        return BooksRepos(uow.conn).reads.visit_count()


def _alerts_per_episode(session: ChartSession) -> int:
    """Baseline: the alerts with the reads ``progress_alerts`` used to make (per patient, per
    episode: the episode with its plan, then its visit rows)."""
    found = 0
    with session.uow() as uow:
        payers = {p.id: p for p in uow.payers.list()}
        for patient in uow.patients.search("", limit=1_000_000, active_only=True):
            for ep in uow.episodes.for_patient(patient.id):
                if ep.discharged_on is not None and ep.discharged_on <= TODAY:
                    continue
                payer = payers.get(ep.payer_profile_id) if ep.payer_profile_id else None
                rows = uow.visits.rows(episode_id=ep.id)
                history = progress._history(rows, until=TODAY, skip=None)
                found += len(episode_alerts(ep, payer or "cash", history, TODAY))
    return found


def _accounts_one_by_one(session: ChartSession) -> int:
    """Baseline: every billing patient's account through ``load_account``, one at a time."""
    with session.uow() as uow:
        packs = default_packs()
        patients = BooksRepos(uow.conn).reads.billing_patients()
        return sum(billing.load_account(uow, pid, packs=packs)[0].balance_cents
                   for pid in patients)


def _accounts_in_bulk(session: ChartSession) -> int:
    with session.uow() as uow:
        patients = BooksRepos(uow.conn).reads.billing_patients()
        return sum(a.balance_cents for a, _n in billing.load_accounts(uow, patients).values())


def main() -> None:
    n = int(os.environ.get("BENCH_VISITS", N_VISITS))
    rows: list[tuple[str, str]] = []
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.setdefault("CHARTSIDE_STATE_DIR", str(folder / "state"))
        for plain in (False, True):
            label = "plain SQLite" if plain else "SQLCipher"
            s = _session(folder / f"dash-{'plain' if plain else 'cipher'}.chart", plain=plain)
            shape = seed(s, n)
            s.checkpoint()
            assert _count(s) == shape["visits"]
            board = dashboard.compliance_dashboard(s, today=TODAY)
            raw[f"shape_{label}"] = shape
            raw[f"rows_{label}"] = {k: v for k, v in board.counts().items() if v}
            raw[f"dashboard_{label}"] = median_time(
                lambda s=s: dashboard.compliance_dashboard(s, today=TODAY), repeat=9)
            raw[f"count_{label}"] = median_time(lambda s=s: _count(s), repeat=21)
            if not plain:
                assert len(progress.progress_alerts(s, today=TODAY)) == _alerts_per_episode(s)
                assert _accounts_in_bulk(s) == _accounts_one_by_one(s)
                raw["progress_alerts"] = median_time(
                    lambda s=s: progress.progress_alerts(s, today=TODAY), repeat=9)
                raw["alerts_per_episode"] = median_time(
                    lambda s=s: _alerts_per_episode(s), repeat=3)
                raw["accounts_bulk"] = median_time(lambda s=s: _accounts_in_bulk(s), repeat=3)
                raw["accounts_one_by_one"] = median_time(
                    lambda s=s: _accounts_one_by_one(s), repeat=3)
                for kind, fn, repeat in (("visits", reports.visits_report, 5),
                                         ("units", reports.units_report, 3),
                                         ("revenue", reports.revenue_report, 3)):
                    raw[f"{kind}_report"] = median_time(
                        lambda s=s, fn=fn: fn(s, date_from=YEAR[0], date_to=YEAR[1]),
                        repeat=repeat)
            s.engine.dispose()
    shape = raw["shape_SQLCipher"]
    rows += [
        ("chart", f"{shape['visits']:,} visits, {shape['episodes']} episodes, "
                  f"{shape['notes']:,} notes ({shape['signed']:,} signed)"),
        ("dashboard rows", ", ".join(f"{k} {v}" for k, v in raw["rows_SQLCipher"].items())),
        ("dashboard refresh, SQLCipher (median of 9)", ms(raw["dashboard_SQLCipher"])),
        ("dashboard refresh, plain SQLite", ms(raw["dashboard_plain SQLite"])),
        ("baseline: COUNT(*) over visits, SQLCipher", ms(raw["count_SQLCipher"])),
        ("baseline: COUNT(*) over visits, plain SQLite", ms(raw["count_plain SQLite"])),
        ("progress.progress_alerts (median of 9)", ms(raw["progress_alerts"])),
        ("baseline: the same alerts read per patient and episode", ms(raw["alerts_per_episode"])),
        ("report: visits, 2025", ms(raw["visits_report"])),
        ("report: units per visit, 2025", ms(raw["units_report"])),
        ("report: revenue, 2025 (every patient's account)", ms(raw["revenue_report"])),
        ("every account: billing.load_accounts", ms(raw["accounts_bulk"])),
        ("baseline: every account: billing.load_account, one by one",
         ms(raw["accounts_one_by_one"])),
        ("target: dashboard < 300 ms", "met" if raw["dashboard_SQLCipher"] < 0.3 else "MISSED"),
        ("target: progress alerts < 300 ms",
         "met" if raw["progress_alerts"] < 0.3 else "MISSED"),
        ("target: revenue report < 1.5 s", "met" if raw["revenue_report"] < 1.5 else "MISSED"),
    ]
    report("dashboard", rows, raw=raw)


if __name__ == "__main__":
    main()
