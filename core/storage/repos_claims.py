"""Claims and 837P batches (r0012): ``uow.claims``.

Contract: every read and write joins the caller's unit of work (the caller commits). Reads
return plain ``core.domain.claims`` objects. ``next_control_number`` is a random 9-digit
interchange control number this chart has not used (the column is unique). Random, not one more
than the largest: batches are synced, and two devices of a practice writing claim files offline
both took the same "next" number — the clearinghouse would refuse the second file as a
duplicate, and the second batch could not be stored where the first already was. Two numbers
drawn on different devices collide with probability 1 in 999,999,999.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, select

from core.domain.claims import Claim, ClaimBatch, ClaimStatus, RemittanceItem
from core.domain.estimates import EstimateLine, GoodFaithEstimate
from core.storage import tables as t
from core.storage.mapper import from_row, to_row, upsert

_CHUNK = 500
CONTROL_NUMBERS = 999_999_999  # ISA13 is nine digits


class ClaimRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- claims ---------------------------------------------------------------------------------
    def save(self, claims: Sequence[Claim]) -> None:
        upsert(self.conn, t.claims, [to_row(c, t.claims) for c in claims])

    def get(self, claim_id: uuid.UUID) -> Claim | None:
        row = self.conn.execute(select(t.claims).where(t.claims.c.id == claim_id)).mappings()
        first = row.first()
        return from_row(Claim, first) if first else None

    def by_control_numbers(self, numbers: Iterable[str]) -> dict[str, Claim]:
        out: dict[str, Claim] = {}
        wanted = list(dict.fromkeys(numbers))
        for i in range(0, len(wanted), _CHUNK):
            stmt = select(t.claims).where(t.claims.c.control_number.in_(wanted[i:i + _CHUNK]))
            for r in self.conn.execute(stmt).mappings():
                out[r["control_number"]] = from_row(Claim, r)
        return out

    def find(
        self,
        *,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        patient_id: uuid.UUID | None = None,
        payer_profile_id: uuid.UUID | None = None,
        status: ClaimStatus | None = None,
    ) -> list[Claim]:
        """Claims by service date then control number, filtered as asked."""
        c = t.claims
        stmt = select(c)
        if date_from:
            stmt = stmt.where(c.c.service_date >= date_from)
        if date_to:
            stmt = stmt.where(c.c.service_date <= date_to)
        if patient_id:
            stmt = stmt.where(c.c.patient_id == patient_id)
        if payer_profile_id:
            stmt = stmt.where(c.c.payer_profile_id == payer_profile_id)
        if status:
            stmt = stmt.where(c.c.status == status.value)
        stmt = stmt.order_by(c.c.service_date, c.c.control_number)
        return [from_row(Claim, r) for r in self.conn.execute(stmt).mappings()]

    def claimed_visits(self, visit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Claim]:
        """The claim each visit is already on (any status but ``reopened``: a denied claim
        reopened for correction frees its visits), for the visits asked about."""
        return {vid: c for vid, c in self._claims_of(visit_ids).items()
                if c.status is not ClaimStatus.REOPENED}

    def reopened_claims(self, visit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Claim]:
        """The latest reopened claim of each visit asked about that is on no live claim: the
        claim a new claim of that visit corrects."""
        out: dict[uuid.UUID, Claim] = {}
        wanted = set(visit_ids)
        for r in self.conn.execute(select(t.claims).order_by(t.claims.c.sent_at)).mappings():
            claim = from_row(Claim, r)
            for vid in claim.visit_ids:
                if vid in wanted:
                    if claim.status is ClaimStatus.REOPENED:
                        out[vid] = claim
                    else:
                        out.pop(vid, None)
        return out

    def _claims_of(self, visit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Claim]:
        wanted = set(visit_ids)
        out: dict[uuid.UUID, Claim] = {}
        if not wanted:
            return out
        for r in self.conn.execute(select(t.claims)).mappings():
            claim = from_row(Claim, r)
            for vid in claim.visit_ids:
                if vid in wanted and (vid not in out
                                      or out[vid].status is ClaimStatus.REOPENED):
                    out[vid] = claim
        return out

    def patients_seen(self, date_from: dt.date, date_to: dt.date) -> list[uuid.UUID]:
        """Patients with a visit (any status) in the inclusive range, by patient id."""
        v = t.visits
        stmt = (select(v.c.patient_id).where(v.c.date >= date_from, v.c.date <= date_to)
                .distinct().order_by(v.c.patient_id))
        return list(self.conn.execute(stmt).scalars())

    # -- batches --------------------------------------------------------------------------------
    def next_control_number(self) -> int:
        """A random interchange control number (ISA13 / GS06: 1–999,999,999) not yet used in
        this chart (see the module docstring)."""
        column = t.claim_batches.c.control_number
        while True:
            number = secrets.randbelow(CONTROL_NUMBERS) + 1
            if self.conn.execute(select(column).where(column == number)).first() is None:
                return number

    def save_batch(self, batch: ClaimBatch) -> None:
        upsert(self.conn, t.claim_batches, [to_row(batch, t.claim_batches)])

    def batches(self) -> list[ClaimBatch]:
        stmt = select(t.claim_batches).order_by(  # oldest first (numbers are random)
            t.claim_batches.c.created_at, t.claim_batches.c.control_number)
        return [from_row(ClaimBatch, r) for r in self.conn.execute(stmt).mappings()]

    # -- remittances (r0013) --------------------------------------------------------------------
    def remitted(self, trace_number: str, claim_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """The claims among ``claim_ids`` this trace number was already posted to."""
        r = t.remittance_items
        wanted = list(dict.fromkeys(claim_ids))
        out: set[uuid.UUID] = set()
        for i in range(0, len(wanted), _CHUNK):
            stmt = select(r.c.claim_id).where(r.c.trace_number == trace_number,
                                              r.c.claim_id.in_(wanted[i:i + _CHUNK]))
            out.update(self.conn.execute(stmt).scalars())
        return out

    def save_remittances(self, items: Sequence[RemittanceItem]) -> None:
        upsert(self.conn, t.remittance_items, [to_row(x, t.remittance_items) for x in items])

    def remittances_of(self, claim_id: uuid.UUID) -> list[RemittanceItem]:
        r = t.remittance_items
        stmt = select(r).where(r.c.claim_id == claim_id).order_by(r.c.posted_at)
        return [from_row(RemittanceItem, x) for x in self.conn.execute(stmt).mappings()]

    # -- good-faith estimates (r0014) -----------------------------------------------------------
    def save_estimate(self, estimate: GoodFaithEstimate) -> None:
        row = to_row(estimate, t.estimates)
        row["lines"] = [dataclasses.asdict(ln) for ln in estimate.lines]
        upsert(self.conn, t.estimates, [row])

    def estimates_for(self, episode_id: uuid.UUID) -> list[GoodFaithEstimate]:
        """The episode's estimates, newest first."""
        e = t.estimates
        stmt = select(e).where(e.c.episode_id == episode_id).order_by(e.c.issued_on.desc(),
                                                                       e.c.id.desc())
        return [from_row(GoodFaithEstimate, r,
                         lines=[EstimateLine(**ln) for ln in r["lines"]])
                for r in self.conn.execute(stmt).mappings()]
