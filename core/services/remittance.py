"""Importing an 835 remittance (ERA) file (issue 18): payments and denials onto the claims.

Contract: ``import_835(chart, path)`` reads the file (``core.rules.claims.x835``), matches each
claim payment (CLP01) to a claim this chart sent (its control number), and in one transaction:
- posts the paid amount (CLP04 > 0) to the ledger as an insurance payment on the claim's first
  visit, dated the payment date (BPR16), reference ``ERA <trace>`` (no card or account numbers);
- records a ``remittance_items`` row with the status, amounts, adjustments (group, CARC, cents)
  and remark codes, and updates the claim: paid, contractual/other adjustments (CO, OA, PI, CR),
  patient responsibility (PR), the payer's claim number, and status ``denied`` (CLP02 = 4) or
  ``paid`` (processed);
- **idempotently**: a (trace number, claim) pair already posted is skipped, so importing the same
  file twice changes nothing.
Not matched (a control number this chart never sent) and reversals (CLP02 = 22, to post by hand)
are returned for the user, never guessed. Audited as ``create`` of entity ``era`` with counts and
the file's SHA-256. Contractual adjustments are kept on the claim; the patient ledger has no
write-off entry yet (docs/claims.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from core.domain.billing import Payment, PaymentKind, PaymentMethod
from core.domain.claims import Claim, ClaimStatus, RemittanceItem
from core.domain.errors import InvalidInput
from core.rules.claims.x835 import DENIED, REVERSAL, ClaimPayment, parse_835
from core.services.result import Result
from core.storage.chart import ChartSession

MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class PostedClaim:
    claim: Claim
    payment: ClaimPayment
    payment_id: object | None


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
    with chart.uow() as uow:
        for remit in remits:
            known = uow.claims.by_control_numbers(c.control_number for c in remit.claims)
            done = uow.claims.remitted(remit.trace_number, (c.id for c in known.values()))
            payments: list[Payment] = []
            items: list[RemittanceItem] = []
            changed: dict[str, Claim] = {}
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
                    payment = Payment(
                        claim.patient_id, remit.paid_on or now.date(), cp.paid_cents,
                        PaymentKind.PAYMENT, PaymentMethod.INSURANCE,
                        f"ERA {remit.trace_number}"[:60], claim.visit_ids[0],
                        f"{remit.payer} claim {cp.payer_claim_number}".strip()[:200], now)
                    payments.append(payment)
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
            for item in items:
                uow.record("create", "remittance", item.id)
            for c in changed.values():
                uow.record("update", "claim", c.id, detail=f"status={c.status}")
        uow.record("create", "era", "", detail=(
            f"posted={len(posted)} already={len(skipped)} unmatched={len(unmatched)} "
            f"reversals={len(reversals)} sha256={digest}"))
        changes = uow.commit()
    return Result(RemittanceImport(tuple(posted), tuple(skipped), tuple(unmatched),
                                   tuple(reversals), digest), changes)
