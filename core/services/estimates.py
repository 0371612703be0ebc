"""Good-faith estimates (issue 18): issue one for an episode, keep it, check the bill against it.

Contract:
- ``issue_estimate(chart, episode_id, per_visit, out, ...)``: the estimate from the plan of
  care (``core.rules.estimates.plan_estimate``, self-pay fees on the issue date), rendered
  (``core.export.estimate_pdf``), written 0600 to ``out`` through a ``.part`` file, and stored
  with the episode (lines as issued, the PDF and its SHA-256) in one transaction; audited as an
  ``export`` of entity ``estimate`` with the total and the hash. Only for a self-pay or
  out-of-network episode (an in-network insurer's patient gets claims, not an estimate).
- ``check_estimate(chart, episode_id)``: the findings of ``estimate_findings`` for the episode:
  no estimate, or the billed charges of its visits (the ledger's per-day prices) $400 or more
  above the latest one.
Estimates are synced records (outbox "estimate", the PDF sealed with them; docs/claims.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from core.domain.errors import InvalidInput
from core.domain.estimates import GoodFaithEstimate
from core.export import estimate_pdf
from core.rules.estimates import estimate_findings, plan_estimate
from core.rules.findings import Finding
from core.rules.packs import default_packs
from core.services.billing import load_account
from core.services.claims import _commit_or_remove, _write_atomically
from core.services.pricing import payer_for
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork


@dataclass(frozen=True)
class EstimateCheck:
    estimate: GoodFaithEstimate | None
    billed_cents: int
    findings: tuple[Finding, ...]


def _self_pay(uow: UnitOfWork, episode_id: uuid.UUID) -> bool:
    episode = uow.episodes.get(episode_id)
    payer = payer_for(uow, episode, default_packs())
    return payer.rules.key == "cash" or payer.rules.out_of_network or (
        payer.profile is not None and payer.profile.key == "cash")


def issue_estimate(
    chart: ChartSession, episode_id: uuid.UUID, per_visit: Sequence[tuple[str, int]],
    out: Path, *, evaluation: str | None = None, issued_on: dt.date | None = None,
) -> Result[GoodFaithEstimate]:
    issued_on = issued_on or dt.date.today()
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        if not _self_pay(uow, episode_id):
            raise InvalidInput(
                "This episode bills an in-network insurer: a good-faith estimate is for "
                "self-pay and out-of-network patients.",
                hint="Set the episode's payer to self-pay (cash) if the patient pays directly.")
        estimate = plan_estimate(episode, per_visit, uow.billing.fees.list(),
                                 issued_on=issued_on, packs=default_packs(),
                                 evaluation=evaluation)
        patient = uow.patients.get(episode.patient_id)
        pdf = estimate_pdf.render(estimate, patient, uow.practice.get())
        estimate = replace(estimate, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest())

        def record() -> None:
            uow.claims.save_estimate(estimate)
            uow.record("create", "estimate", estimate.id)  # a synced record (with its PDF)
            uow.record("export", "estimate", str(estimate.id),
                       detail=f"episode={episode.id} total={estimate.total_cents} "
                              f"visits={estimate.visits} sha256={estimate.sha256}")

        _write_atomically(Path(out), pdf, record)
        changes = _commit_or_remove(uow, Path(out))
    return Result(estimate, changes)


def check_estimate(chart: ChartSession, episode_id: uuid.UUID) -> Result[EstimateCheck]:
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        self_pay = _self_pay(uow, episode_id)
        latest = next(iter(uow.claims.estimates_for(episode_id)), None)
        account, _new = load_account(uow, episode.patient_id)
        billed = sum(account.ledger.visits[b.visit_id].charge_cents for b in account.billed
                     if b.episode_id == episode_id and b.visit_id in account.ledger.visits)
        findings = estimate_findings(self_pay=self_pay, estimate=latest, billed_cents=billed)
        return Result(EstimateCheck(latest, billed, tuple(findings)), uow.commit())
