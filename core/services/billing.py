"""Fee schedule, charges, payments and refunds, prepaid packages, the patient's account, the logo.

Contract:
- One function per user action, each in one unit of work, returning ``Result(value, changes)``
  for writes; every write records an audit row whose detail holds no PHI (kinds, counts, codes).
- Charges are never stored: a visit's charge is derived, like its units, from its signed note
  and the other signed visits of its day (``core.services.pricing.price_by_day``): Σ fee ×
  units over the codes the payer pays (0-unit timed codes and codes the payer bundles are left
  off). Only held visits with a signed note are charged.
- Packages draw down automatically: ``account`` (and every superbill) first gives each charged
  visit without a package use or a direct payment a use of the open package that expires first
  (``core.domain.billing.plan_draw_down``); the uses are stored, so the draw-down is stable.
- Refunds are stored negative; a refund cannot exceed the money the patient has paid.
- Thread: call from the database worker (desktop) or the CLI, never the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.domain.billing import (
    ACCOUNT_ADJUSTMENTS,
    FeeScheduleEntry,
    Ledger,
    Package,
    PackageUse,
    PaymentKind,
    PaymentMethod,
    VisitCharge,
    build_ledger,
    format_cents,
    plan_draw_down,
)
from core.domain.billing import Payment as PaymentRecord
from core.domain.episode import Episode
from core.domain.errors import InvalidInput, NotFound, ValidationError
from core.domain.schedule import AppointmentFee
from core.rules.packs import RulePacks, default_packs
from core.rules.scrub import clean_override_reason
from core.rules.units import UnitResult
from core.services.batch import paused_gc
from core.services.pricing import Payer, PricedService, payer_for, price_by_day
from core.services.pricing import price_services as price_services  # re-exported
from core.services.result import Result
from core.services.supply_billing import add_supplies
from core.storage.chart import ChartSession
from core.storage.repos_billing import BilledVisit, BillingRepos
from core.storage.uow import UnitOfWork

LOGO_MAX_BYTES = 512 * 1024
_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# -- the account ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PackageStatus:
    package: Package
    used: int

    @property
    def remaining(self) -> int:
        return max(self.package.visits_total - self.used, 0)


@dataclass(frozen=True)
class Account:
    patient_id: uuid.UUID
    ledger: Ledger
    payments: tuple[PaymentRecord, ...]
    packages: tuple[PackageStatus, ...]
    charged_visits: Mapping[uuid.UUID, list[PricedService]]
    billed: tuple[BilledVisit, ...] = ()
    fees: tuple[AppointmentFee, ...] = ()  # cancellation / no-show fees, charges on the ledger

    @property
    def balance_cents(self) -> int:
        return self.ledger.balance_cents


def load_account(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    *,
    packs: RulePacks | None = None,
    fees: Sequence[FeeScheduleEntry] | None = None,
    episodes: dict[uuid.UUID, Episode] | None = None,
) -> tuple[Account, int]:
    """The ledger over every charged visit, after drawing packages down (persisted in ``uow``).
    Returns the account and the number of new package uses (audited here). ``fees`` and
    ``episodes`` (filled in as episodes are loaded) let a caller share what it already read."""
    return settle_account(uow, price_account(uow, patient_id, packs=packs, fees=fees,
                                             episodes=episodes))


@dataclass(frozen=True)
class PricedAccount:
    """A patient's charges: the charged visits priced by day. They do not depend on payments,
    so a caller posting many payments and write-offs to one patient in one transaction (an
    835 import) prices once and settles after each (``settle_account``): pricing is most of
    a ledger's cost."""

    patient_id: uuid.UUID
    billed: list[BilledVisit]
    priced: dict[uuid.UUID, list[PricedService]]


def price_account(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    *,
    packs: RulePacks | None = None,
    fees: Sequence[FeeScheduleEntry] | None = None,
    episodes: dict[uuid.UUID, Episode] | None = None,
) -> PricedAccount:
    packs = packs or default_packs()
    repos = uow.billing
    fees = repos.fees.list() if fees is None else fees
    billed = repos.reads.billed_minutes(patient_id)
    known = {} if episodes is None else episodes
    payers: dict[uuid.UUID, Payer] = {}
    for b in billed:
        if b.episode_id not in payers:
            if b.episode_id not in known:
                known[b.episode_id] = uow.episodes.get(b.episode_id)
            payers[b.episode_id] = payer_for(uow, known[b.episode_id], packs)
    priced = price_by_day(billed, payers, known, fees, packs, {})
    add_supplies(uow, billed, priced, fees, payers)  # billable supplies (issue 20)
    return PricedAccount(patient_id, billed, priced)


def settle_account(uow: UnitOfWork, charges: PricedAccount) -> tuple[Account, int]:
    """The account of ``charges`` with the payments, packages and fees stored now (read
    afresh: the caller's own writes of this transaction included)."""
    repos, patient_id = uow.billing, charges.patient_id
    return _settle(
        uow, repos, patient_id, charges.billed, charges.priced,
        repos.payments.for_patient(patient_id), repos.packages.for_patient(patient_id),
        repos.packages.uses_for_patient(patient_id),
        uow.schedule.fees_for([patient_id]).get(patient_id, []),
    )


def load_accounts(
    uow: UnitOfWork,
    patient_ids: Iterable[uuid.UUID],
    *,
    packs: RulePacks | None = None,
    fees: Sequence[FeeScheduleEntry] | None = None,
    billed: Mapping[uuid.UUID, list[BilledVisit]] | None = None,
) -> dict[uuid.UUID, tuple[Account, int]]:
    """``load_account`` of every patient in ``patient_ids`` (same accounts, same package
    draw-downs and audit rows, in the order given), read in a fixed number of statements per
    500 patients instead of about ten per patient: what the revenue report needs.
    ``billed``: what ``billed_minutes_of(patient_ids)`` would read, when the caller has it.
    The cyclic collector is paused meanwhile (``core.services.batch``: −10 % CPU for 100
    patients of 100 visits)."""
    with paused_gc():
        return _load_accounts(uow, patient_ids, packs=packs, fees=fees, billed=billed)


def _load_accounts(
    uow: UnitOfWork,
    patient_ids: Iterable[uuid.UUID],
    *,
    packs: RulePacks | None,
    fees: Sequence[FeeScheduleEntry] | None,
    billed: Mapping[uuid.UUID, list[BilledVisit]] | None,
) -> dict[uuid.UUID, tuple[Account, int]]:
    packs = packs or default_packs()
    ids = list(dict.fromkeys(patient_ids))
    repos = uow.billing
    fees = repos.fees.list() if fees is None else fees
    if billed is None:
        billed = repos.reads.billed_minutes_of(ids)
    payments = repos.payments.for_patients(ids)
    packages = repos.packages.for_patients(ids)
    uses = repos.packages.uses_for_patients(ids)
    posted = uow.schedule.fees_for(ids)  # cancellation and no-show fees (issue 19)
    episodes = uow.books.reads.episodes(
        {b.episode_id for visits in billed.values() for b in visits})
    by_profile: dict[uuid.UUID | None, Payer] = {}
    payers: dict[uuid.UUID, Payer] = {}
    for eid in sorted(episodes, key=str):
        profile_id = episodes[eid].payer_profile_id
        if profile_id not in by_profile:
            by_profile[profile_id] = payer_for(uow, episodes[eid], packs)
        payers[eid] = by_profile[profile_id]
    memo: dict[Any, UnitResult] = {}
    out: dict[uuid.UUID, tuple[Account, int]] = {}
    priced_all = {pid: price_by_day(visits, payers, episodes, fees, packs, memo)
                  for pid, visits in billed.items()}
    everything = {vid: s for per in priced_all.values() for vid, s in per.items()}
    add_supplies(uow, [v for visits in billed.values() for v in visits], everything, fees,
                 payers)  # billable supplies (issue 20): one read for all the patients
    for pid in ids:
        mine = billed.get(pid, [])
        out[pid] = _settle(
            uow, repos, pid, mine,
            {b.visit_id: everything[b.visit_id] for b in mine},
            payments.get(pid, []), packages.get(pid, []), uses.get(pid, []),
            posted.get(pid, []),
        )
    return out


def _settle(
    uow: UnitOfWork,
    repos: BillingRepos,
    patient_id: uuid.UUID,
    billed: list[BilledVisit],
    priced: dict[uuid.UUID, list[PricedService]],
    payments: list[PaymentRecord],
    packages: list[Package],
    uses: list[PackageUse],
    fees: Sequence[AppointmentFee] = (),
) -> tuple[Account, int]:
    """Draw packages down (stored and audited in ``uow``) and build the patient's ledger.
    Cancellation and no-show ``fees`` are charges of their own (keyed by the fee's id)."""
    paid_directly = frozenset(  # a visit paid or adjusted directly never draws a package
        p.visit_id for p in payments
        if p.visit_id and (p.kind is PaymentKind.PAYMENT or p.is_adjustment)
    )
    charged = [
        (b.visit_id, b.date) for b in billed if sum(s.charge_cents for s in priced[b.visit_id])
    ]
    ended = {p.ends_package for p in payments if p.ends_package is not None}
    open_packages = [p for p in packages if p.id not in ended]  # refunded packages are over
    codes = {  # the codes each visit charges: a package with a code list draws only for them
        b.visit_id: frozenset(s.code for s in priced[b.visit_id] if s.charge_cents)
        for b in billed
    }
    new = plan_draw_down(open_packages, uses, charged, paid_visits=paid_directly, codes=codes)
    if new:
        repos.packages.add_uses(new)
        for package_id in sorted({u.package_id for u in new}, key=str):
            n = sum(1 for u in new if u.package_id == package_id)
            uow.record("update", "package", package_id, detail=f"draw_down uses+={n}")
        uses = [*uses, *new]
    charges = [
        VisitCharge(b.visit_id, b.date, sum(s.charge_cents for s in priced[b.visit_id]),
                    tuple((s.code, s.charge_cents) for s in priced[b.visit_id]))
        for b in billed
    ]
    charges += [VisitCharge(f.id, f.date, f.amount_cents) for f in fees]
    ledger = build_ledger(charges, payments, packages, uses)
    counts = {p.id: sum(1 for u in uses if u.package_id == p.id) for p in packages}
    account = Account(
        patient_id, ledger, tuple(payments),
        tuple(PackageStatus(p, counts[p.id]) for p in packages), priced, tuple(billed),
        tuple(fees),
    )
    return account, len(new)


def account(chart: ChartSession, patient_id: uuid.UUID) -> Result[Account]:
    """The patient's charges, payments, packages and balance (draws packages down first)."""
    with chart.uow() as uow:
        uow.patients.get(patient_id)
        value, _new = load_account(uow, patient_id)
        uow.record("view", "account", patient_id)
        return Result(value, uow.commit())


# -- fee schedule -----------------------------------------------------------------------------
def set_fee(
    chart: ChartSession,
    code: str,
    amount_cents: int,
    *,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    payer_profile_id: uuid.UUID | None = None,
) -> Result[FeeScheduleEntry]:
    """Add a fee. An open-ended earlier fee for the same code and payer is closed the day
    before; any other overlap is refused (edit or remove the old fee first)."""
    entry = FeeScheduleEntry(code, amount_cents, effective_from, effective_to, payer_profile_id)
    with chart.uow() as uow:
        set_fee_within(uow, entry)
        return Result(entry, uow.commit())


def set_fee_within(uow: UnitOfWork, entry: FeeScheduleEntry) -> None:
    """``set_fee`` inside an open unit of work (the demo writes its whole schedule in one)."""
    if entry.payer_profile_id is not None:
        uow.payers.get(entry.payer_profile_id)
    repos = uow.billing
    for old in repos.fees.list(entry.code):
        if not old.overlaps(entry) or old.payer_profile_id != entry.payer_profile_id:
            continue
        if old.effective_to is None and old.effective_from < entry.effective_from:
            old.effective_to = entry.effective_from - dt.timedelta(days=1)
            repos.fees.save(old)
            uow.record("update", "fee", old.id, detail=f"code={old.code} closed")
            if entry.effective_to is not None:
                # a bounded change: the previous fee resumes the day after it, open-ended
                resumed = FeeScheduleEntry(old.code, old.amount_cents,
                                           entry.effective_to + dt.timedelta(days=1), None,
                                           old.payer_profile_id)
                repos.fees.save(resumed)
                uow.record("create", "fee", resumed.id, detail=f"code={old.code} resumed")
            continue
        raise ValidationError(
            f"A fee for {entry.code} already covers part of those dates.",
            field="effective_from",
            hint="Start the new fee after the current one, or remove the current one.",
        )
    repos.fees.save(entry)
    uow.record("create", "fee", entry.id, detail=f"code={entry.code}")


def list_fees(chart: ChartSession, *, on: dt.date | None = None) -> list[FeeScheduleEntry]:
    with chart.uow() as uow:
        fees = uow.billing.fees.list()
    return [f for f in fees if on is None or f.applies_on(on)]


def remove_fee(chart: ChartSession, entry_id: uuid.UUID) -> Result[None]:
    with chart.uow() as uow:
        if not uow.billing.fees.delete(entry_id):
            raise NotFound(f"No fee with id {entry_id} in this chart.")
        uow.record("delete", "fee", entry_id)
        return Result(None, uow.commit())


# -- payments, refunds, packages --------------------------------------------------------------
def _check_visit(uow: UnitOfWork, patient_id: uuid.UUID, visit_id: uuid.UUID | None) -> None:
    if visit_id is not None and uow.visits.get(visit_id).patient_id != patient_id:
        raise InvalidInput("That visit belongs to another patient.")


def record_payment(
    chart: ChartSession,
    patient_id: uuid.UUID,
    amount_cents: int,
    *,
    date: dt.date,
    method: PaymentMethod | str = PaymentMethod.CARD,
    visit_id: uuid.UUID | None = None,
    reference: str = "",
    memo: str = "",
) -> Result[PaymentRecord]:
    """A payment received; ``visit_id`` allocates it to one visit (else applied oldest first)."""
    payment = PaymentRecord(
        patient_id, date, amount_cents, PaymentKind.PAYMENT, PaymentMethod(method),
        reference.strip(), visit_id, memo, _now(),
    )
    with chart.uow() as uow:
        uow.patients.get(patient_id)
        _check_visit(uow, patient_id, visit_id)
        uow.billing.payments.save(payment)
        uow.record("create", "payment", payment.id, detail=f"kind=payment method={payment.method}")
        return Result(payment, uow.commit())


def record_refund(
    chart: ChartSession,
    patient_id: uuid.UUID,
    amount_cents: int,
    *,
    date: dt.date,
    method: PaymentMethod | str = PaymentMethod.CARD,
    visit_id: uuid.UUID | None = None,
    reference: str = "",
    memo: str = "",
) -> Result[PaymentRecord]:
    """Money returned to the patient (``amount_cents`` positive; stored negative)."""
    if amount_cents <= 0:
        raise InvalidInput("A refund must be more than $0.")
    refund = PaymentRecord(
        patient_id, date, -amount_cents, PaymentKind.REFUND, PaymentMethod(method),
        reference.strip(), visit_id, memo, _now(),
    )
    with chart.uow() as uow:
        uow.patients.get(patient_id)
        _check_visit(uow, patient_id, visit_id)
        repos = uow.billing
        received = sum(p.amount_cents for p in repos.payments.for_patient(patient_id)
                       if not p.is_adjustment)
        if amount_cents > received:
            raise InvalidInput(
                "The refund is more than the patient has paid.",
                hint="Check the amount against the account's payments.",
            )
        repos.payments.save(refund)
        uow.record("create", "payment", refund.id, detail=f"kind=refund method={refund.method}")
        return Result(refund, uow.commit())


def record_adjustment(
    chart: ChartSession,
    patient_id: uuid.UUID,
    visit_id: uuid.UUID,
    amount_cents: int,
    *,
    reason: str,
    date: dt.date,
    kind: PaymentKind | str = PaymentKind.WRITE_OFF,
) -> Result[PaymentRecord]:
    """Take ``amount_cents`` off one visit's balance without money: a write-off (a balance the
    practice will not collect) or an adjustment (courtesy, hardship, contractual). The reason is
    required and stored cleaned of the patient's identifiers (as override reasons are); the
    amount may not exceed what the visit still owes. Audited ``create payment kind=…`` (no
    amount, no reason). Synced and exported like every account entry."""
    with chart.uow() as uow:
        entry = record_adjustment_within(uow, patient_id, visit_id, amount_cents,
                                         reason=reason, date=date, kind=kind)
        return Result(entry, uow.commit())


def record_adjustment_within(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    visit_id: uuid.UUID,
    amount_cents: int,
    *,
    reason: str,
    date: dt.date,
    kind: PaymentKind | str = PaymentKind.WRITE_OFF,
    reference: str = "",
    balance_cents: int | None = None,
) -> PaymentRecord:
    """``record_adjustment`` inside an open unit of work (the 835 import posts contractual
    write-offs in its own transaction, ``reference`` naming the ERA). Same checks, same audit
    row; raises and writes nothing when refused. ``balance_cents``: what the visit owes as the
    caller just computed it in this transaction (the 835 import settles each claim's visits
    once for its payment and write-offs); otherwise the ledger is read here."""
    kind = PaymentKind(kind)
    if kind not in ACCOUNT_ADJUSTMENTS:
        raise InvalidInput(f"An adjustment is 'adjustment' or 'write_off', not {kind.value!r}.")
    if amount_cents <= 0:
        raise InvalidInput("An adjustment or write-off must be more than $0.")
    patient = uow.patients.get(patient_id)
    _check_visit(uow, patient_id, visit_id)
    cleaned = clean_override_reason(reason, patient)
    entry = PaymentRecord(patient_id, date, amount_cents, kind, PaymentMethod.OTHER,
                          reference.strip()[:60], visit_id, cleaned, _now())
    if balance_cents is None:
        value, _new = load_account(uow, patient_id)
        owed = value.ledger.visits.get(visit_id)
        balance_cents = 0 if owed is None else owed.balance_cents
    if balance_cents <= 0:
        raise InvalidInput("That visit owes nothing: there is nothing to adjust.",
                           hint="Only a signed, charged visit with a balance can be "
                                "written off.")
    if amount_cents > balance_cents:
        raise InvalidInput(
            f"The visit owes {format_cents(balance_cents)}; an adjustment cannot take "
            f"off {format_cents(amount_cents)}.", hint="Adjust at most the visit's balance.")
    uow.billing.payments.save(entry)
    uow.record("create", "payment", entry.id, detail=f"kind={kind.value}")
    return entry


def void_adjustment(
    chart: ChartSession,
    patient_id: uuid.UUID,
    entry_id: uuid.UUID,
    *,
    reason: str,
    date: dt.date,
) -> Result[PaymentRecord]:
    """Reverse a mistaken adjustment or write-off: a *void* entry (stored negative, on the same
    visit, the voided entry's id in ``reference``) with its own reason, cleaned of the patient's
    identifiers like the adjustment's; the original stays on the record (never a delete). The
    visit owes again what the entry had taken off. Refused, writing nothing: an entry that is
    not an adjustment or write-off of this patient, one voided already, a void dated before the
    entry, a reason too short. Audited ``create payment kind=void`` (no amount, no reason);
    synced and exported like every account entry."""
    with chart.uow() as uow:
        patient = uow.patients.get(patient_id)
        entries = uow.billing.payments.for_patient(patient_id)
        entry = next((p for p in entries if p.id == entry_id), None)
        if entry is None:
            raise NotFound(f"The patient has no account entry with id {entry_id}.")
        if entry.kind not in ACCOUNT_ADJUSTMENTS:
            raise InvalidInput("Only an adjustment or a write-off can be voided.",
                               hint="A payment is given back with a refund.")
        if any(p.voids == entry.id for p in entries):
            raise InvalidInput("That entry was voided already.")
        if date < entry.date:
            raise InvalidInput("The void is dated before the entry it reverses.",
                               hint=f"Date it on or after {entry.date.isoformat()}.")
        void = PaymentRecord(patient_id, date, -entry.amount_cents, PaymentKind.VOID,
                             PaymentMethod.OTHER, str(entry.id), entry.visit_id,
                             clean_override_reason(reason, patient), _now())
        uow.billing.payments.save(void)
        uow.record("create", "payment", void.id, detail=f"kind=void of={entry.kind.value}")
        return Result(void, uow.commit())


def sell_package(
    chart: ChartSession,
    patient_id: uuid.UUID,
    *,
    name: str,
    visits_total: int,
    price_cents: int,
    purchased_on: dt.date,
    expires_on: dt.date | None = None,
    method: PaymentMethod | str = PaymentMethod.CARD,
    reference: str = "",
    covers: Iterable[str] = (),
) -> Result[Package]:
    """A prepaid bundle of visits: records the purchase payment and the package. ``covers``:
    the codes it pays for (each visit draws only their charge); empty: every code."""
    payment = PaymentRecord(
        patient_id, purchased_on, price_cents, PaymentKind.PACKAGE, PaymentMethod(method),
        reference.strip(), None, "", _now(),
    )
    package = Package(
        patient_id, name.strip(), visits_total, price_cents, purchased_on, expires_on, payment.id,
        covered_codes=tuple(covers),
    )
    with chart.uow() as uow:
        uow.patients.get(patient_id)
        repos = uow.billing
        repos.payments.save(payment)
        repos.packages.save(package)
        uow.record("create", "payment", payment.id, detail=f"kind=package method={payment.method}")
        uow.record("create", "package", package.id,
                   detail=f"visits={visits_total} covers="
                          f"{','.join(package.covered_codes) or 'all'}")
        return Result(package, uow.commit())


# -- practice logo ----------------------------------------------------------------------------
def set_logo(chart: ChartSession, data: bytes) -> Result[str]:
    """Store the practice logo (PNG or JPEG, ≤ 512 KB) for superbills; returns its type."""
    kind = next((k for magic, k in _IMAGE_MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise InvalidInput("The logo must be a PNG or JPEG image.")
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidInput("The logo is larger than 512 KB.", hint="Use a smaller image.")
    with chart.uow() as uow:
        uow.billing.assets.put("logo", kind, data)
        uow.record("update", "practice_asset", "logo", detail=f"type={kind} bytes={len(data)}")
        return Result(kind, uow.commit())


def remove_logo(chart: ChartSession) -> Result[None]:
    with chart.uow() as uow:
        uow.billing.assets.remove("logo")
        uow.record("delete", "practice_asset", "logo")
        return Result(None, uow.commit())


def get_logo(chart: ChartSession) -> tuple[str, bytes] | None:
    with chart.uow() as uow:
        return uow.billing.assets.get("logo")
