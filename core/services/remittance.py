"""Importing an 835 remittance (ERA) file (issue 18): payments and denials onto the claims.

Contract: ``import_835(chart, path)`` reads the file (``core.rules.claims.x835``), matches each
claim payment (CLP01) to a claim this chart sent (its control number), and in one transaction:
- posts the paid amount (CLP04 > 0) to the ledger as insurance payments on the claim's visits
  (a claim is a day of service, which may hold several visits: oldest first, each at most what
  it owes, any excess on the last — ``_shares``), dated the payment date (BPR16), reference
  ``ERA <trace>`` (no card or account numbers); the remittance row names the first share;
- records a ``remittance_items`` row with the status, amounts, adjustments (group, CARC, cents)
  and remark codes, and updates the claim: paid, contractual/other adjustments (CO, OA, PI, CR),
  patient responsibility (PR), the payer's claim number, and status ``denied`` (CLP02 = 4) or
  ``paid`` (processed);
- **idempotently**: a (trace number, claim) pair already posted is skipped, so importing the same
  file twice changes nothing.
Not matched (a control number this chart never sent) and reversals (CLP02 = 22, to post by hand)
are returned for the user, never guessed. Audited as ``create`` of entity ``era`` with counts and
the file's SHA-256.

Contractual adjustments reach the patient's ledger (issue 14): on a processed claim (not a
denial), each CAS adjustment of group **CO** (the payer's contract: the patient may not be
billed for it, e.g. CO-45) is posted in the same transaction as a **write-off** through
``billing.record_adjustment_within`` — reason "Contractual adjustment CO-45: …", reference
``ERA <trace>`` — on the claim's visits, oldest first, at most what each visit still owes after
the insurance payment (``PostedClaim.written_off_cents``; ``not_written_off_cents`` is what the
visits did not owe, e.g. a practice fee below the billed charge). **PR** (patient
responsibility: deductible, coinsurance, copay) stays on the patient's balance; OA/PI/CR stay
on the claim only. A denial's CO adjustments are not written off: the denial stays on the claim
to be corrected or appealed. Exactly once per claim payment: the (trace, claim) pair that
skips a re-imported payment skips its write-offs too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from core.domain.billing import Payment, PaymentKind, PaymentMethod
from core.domain.claims import Claim, ClaimStatus, RemittanceItem
from core.domain.errors import InvalidInput
from core.rules.claims.x835 import DENIED, REVERSAL, ClaimPayment, adjustment_label, parse_835
from core.services.billing import (
    PricedAccount,
    price_account,
    record_adjustment_within,
    settle_account,
)
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class PostedClaim:
    claim: Claim
    payment: ClaimPayment
    payment_id: object | None
    written_off_cents: int = 0  # CO adjustments posted as write-offs on the claim's visits
    not_written_off_cents: int = 0  # CO the visits did not owe (left on the claim only)


@dataclass(frozen=True)
class RemittanceImport:
    posted: tuple[PostedClaim, ...]
    already_posted: tuple[str, ...]  # control numbers skipped: this trace was posted before
    unmatched: tuple[ClaimPayment, ...]  # control numbers this chart never sent
    reversals: tuple[ClaimPayment, ...]  # CLP02 = 22: post by hand
    sha256: str

    @property
    def paid_cents(self) -> int:
        return sum(p.payment.paid_cents for p in self.posted)

    @property
    def denied(self) -> int:
        return sum(1 for p in self.posted if p.payment.denied)

    @property
    def written_off_cents(self) -> int:
        return sum(p.written_off_cents for p in self.posted)


def import_835(chart: ChartSession, path: Path, *, now: dt.datetime | None = None
               ) -> Result[RemittanceImport]:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InvalidInput(f"{path.name} is larger than an 835 should be (20 MB).")
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path.name}: {exc.strerror or 'read failed'}.") from exc
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name} is not an X12 text file.",
                           hint="Choose the 835 remittance (ERA) file from the payer.") from None
    remits = parse_835(text)
    digest = hashlib.sha256(data).hexdigest()
    now = (now or dt.datetime.now()).replace(microsecond=0)
    posted: list[PostedClaim] = []
    skipped: list[str] = []
    unmatched: list[ClaimPayment] = []
    reversals: list[ClaimPayment] = []
    priced: Priced = {}
    with chart.uow() as uow:
        for remit in remits:
            known = uow.claims.by_control_numbers(c.control_number for c in remit.claims)
            done = uow.claims.remitted(remit.trace_number, (c.id for c in known.values()))
            payments: list[Payment] = []
            items: list[RemittanceItem] = []
            changed: dict[str, Claim] = {}
            first = len(posted)
            for cp in remit.claims:
                claim = changed.get(cp.control_number) or known.get(cp.control_number)
                if claim is None:
                    unmatched.append(cp)
                    continue
                if claim.id in done:
                    skipped.append(cp.control_number)
                    continue
                if cp.status == REVERSAL:
                    reversals.append(cp)
                    continue
                payment = None
                if cp.paid_cents > 0:
                    shares = [Payment(
                        claim.patient_id, remit.paid_on or now.date(), cents,
                        PaymentKind.PAYMENT, PaymentMethod.INSURANCE,
                        f"ERA {remit.trace_number}"[:60], visit_id,
                        f"{remit.payer} claim {cp.payer_claim_number}".strip()[:200], now)
                        for visit_id, cents in _shares(uow, claim, cp.paid_cents, priced)]
                    payments += shares
                    payment = shares[0]  # the remittance row names the first share
                items.append(RemittanceItem(
                    claim.id, remit.trace_number, remit.payer, remit.paid_on, cp.status,
                    cp.charge_cents, cp.paid_cents, cp.patient_responsibility_cents,
                    [[a.group, a.reason, a.cents] for a in cp.adjustments], list(cp.remarks),
                    now, payment.id if payment else None))
                changed[cp.control_number] = replace(
                    claim,
                    status=ClaimStatus.DENIED if cp.status == DENIED else ClaimStatus.PAID,
                    paid_cents=claim.paid_cents + cp.paid_cents,
                    adjustment_cents=claim.adjustment_cents + cp.adjusted("CO", "OA", "PI",
                                                                          "CR"),
                    patient_responsibility_cents=claim.patient_responsibility_cents
                    + (cp.patient_responsibility_cents or cp.adjusted("PR")),
                    payer_claim_number=cp.payer_claim_number or claim.payer_claim_number)
                posted.append(PostedClaim(changed[cp.control_number], cp,
                                          payment.id if payment else None))
            for p in payments:
                uow.billing.payments.save(p)
            uow.claims.save_remittances(items)
            uow.claims.save(list(changed.values()))
            for p in payments:
                uow.record("create", "payment", p.id, detail="kind=payment method=insurance")
            for i in range(first, len(posted)):  # this remittance's claims, once each
                if not posted[i].payment.denied:
                    done_cents, left = _write_off_contractual(
                        uow, posted[i], remit.trace_number, remit.paid_on or now.date(), priced)
                    posted[i] = replace(posted[i], written_off_cents=done_cents,
                                        not_written_off_cents=left)
            for item in items:
                uow.record("create", "remittance", item.id)
            for c in changed.values():
                uow.record("update", "claim", c.id, detail=f"status={c.status}")
        uow.record("create", "era", "", detail=(
            f"posted={len(posted)} already={len(skipped)} unmatched={len(unmatched)} "
            f"reversals={len(reversals)} "
            f"written_off={sum(1 for p in posted if p.written_off_cents)} sha256={digest}"))
        changes = uow.commit()
    return Result(RemittanceImport(tuple(posted), tuple(skipped), tuple(unmatched),
                                   tuple(reversals), digest), changes)


#: patient id -> the patient's priced charges, for one import (one transaction): charges do
#: not change while an 835 posts, payments do, so each claim settles afresh but prices once.
Priced = dict[uuid.UUID, PricedAccount]


def _owed(uow: UnitOfWork, claim: Claim, priced: Priced) -> list[tuple[uuid.UUID, int]]:
    """What each of the claim's charged visits still owes, oldest first (the order a claim's
    payment and its write-offs are spread in): the ledger with every payment and write-off
    stored so far, exactly as ``load_account`` gives it."""
    charges = priced.get(claim.patient_id)
    if charges is None:
        charges = priced[claim.patient_id] = price_account(uow, claim.patient_id)
    account, _new = settle_account(uow, charges)
    visits = account.ledger.visits
    charged = sorted((v for v in claim.visit_ids if v in visits),
                     key=lambda v: (visits[v].date, str(v)))
    return [(v, max(visits[v].balance_cents, 0)) for v in charged]


def _shares(uow: UnitOfWork, claim: Claim, paid_cents: int, priced: Priced
            ) -> list[tuple[uuid.UUID, int]]:
    """The claim payment split over the claim's visits: oldest first, each at most what it
    owes, what is left on the last (the ledger turns an excess into account credit). A claim
    is one day of service, which may hold several visits; posting it all on the first visit
    used to leave the others owing while the excess paid some other, older visit."""
    owed = _owed(uow, claim, priced) if len(claim.visit_ids) > 1 else []
    if not owed:
        return [(claim.visit_ids[0], paid_cents)]
    shares: list[tuple[uuid.UUID, int]] = []
    left = paid_cents
    for visit_id, due in owed:
        take = min(left, due)
        if take > 0:
            shares.append((visit_id, take))
            left -= take
    last = owed[-1][0]
    if left > 0:
        if shares and shares[-1][0] == last:
            shares[-1] = (last, shares[-1][1] + left)
        else:
            shares.append((last, left))
    return shares


def _write_off_contractual(uow: UnitOfWork, pc: PostedClaim, trace: str, day: dt.date,
                           priced: Priced) -> tuple[int, int]:
    """Post the claim payment's CO adjustments as write-offs on its visits (oldest first, at
    most what each owes); returns (written off, not owed)."""
    by_code: dict[str, int] = {}
    for a in pc.payment.adjustments:
        if a.group == "CO" and a.cents > 0:
            by_code[a.reason] = by_code.get(a.reason, 0) + a.cents
    if not by_code:
        return 0, 0
    claim = pc.claim
    owed = dict(_owed(uow, claim, priced))
    order = list(owed)  # oldest first
    written = left = 0
    for code, cents in sorted(by_code.items()):
        for vid in order:
            take = min(cents, owed[vid])
            if take <= 0:
                continue
            record_adjustment_within(
                uow, claim.patient_id, vid, take, kind=PaymentKind.WRITE_OFF, date=day,
                reason=f"Contractual adjustment {adjustment_label('CO', code)}",
                reference=f"ERA {trace}", balance_cents=owed[vid])
            owed[vid] -= take
            cents -= take
            written += take
        left += cents
    return written, left
