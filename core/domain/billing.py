"""Money in the clinic: fee schedule, payments and refunds, prepaid packages, the account ledger.

Contract (pure; no I/O):
- Amounts are integer **cents** everywhere; ``format_cents`` / ``parse_amount`` convert at the
  edges. A refund is a ``Payment`` with a negative amount and ``kind="refund"``.
- ``FeeScheduleEntry``: the practice's charge per unit of one code from ``effective_from`` to
  ``effective_to`` (both inclusive; open-ended when None). An entry with a ``payer_profile_id``
  wins over the practice-wide entry for that payer's episodes (``fee_for``).
- ``Package``: ``visits_total`` visits prepaid for ``price_cents``. Each ``PackageUse`` is worth
  ``price // visits_total`` cents; the last use also takes the remainder, so a used-up package
  is worth exactly its price. The difference between a covered visit's charge and that value
  is the visit's *package adjustment* (the discount the package gave).
  A package may cover only some codes (``covered_codes``; empty: every code, as packages sold
  before the list existed): it then draws only for a visit that charges one of them, and its
  adjustment is taken off the charge of those codes alone (``VisitCharge.lines``); the rest of
  the visit stays on the patient's balance. A direct payment on such a visit does not stop the
  draw (it pays the codes the package leaves out; any excess is credit).
- An *account adjustment* (``kind`` ``adjustment`` or ``write_off``) is a ``Payment`` row that
  moves no money: a positive amount taken off one visit's balance (``visit_id`` required) with
  the reason in ``memo`` (required). It is not money received; the ledger caps it at what the
  visit still owes after its package, and a payment on that visit beyond the rest is credit.
  A mistaken one is reversed by a *void* (``kind`` ``void``): stored negative (like a refund),
  on the same visit, with its own reason in ``memo`` and the voided entry's id in
  ``reference``; the two cancel in every sum, and both stay on the record.
- ``build_ledger``: per visit, charge − adjustment − written off − payments = balance.
  Payments allocated to a visit count there; unallocated payments and refunds form a pool
  applied oldest visit first; what is left is a credit on account. Identity (tested):
  ``ledger.balance == sum of visit balances − unapplied credit − unused package credit ==
  charges − adjustments − written off − received``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from core.domain.errors import InvalidInput, ValidationError
from core.domain.ids import new_id
from core.domain.visit import check_procedure_code

MAX_CENTS = 10_000_000_00  # $10M: anything above is a typo
_AMOUNT_RE = re.compile(r"^\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.(\d{1,2}))?$")


class PaymentKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    PACKAGE = "package"  # the purchase of a prepaid package
    ADJUSTMENT = "adjustment"  # no money: a courtesy, hardship or contractual reduction
    WRITE_OFF = "write_off"  # no money: a balance the practice will not collect
    VOID = "void"  # no money: reverses a mistaken adjustment or write-off (never a delete)


ACCOUNT_ADJUSTMENTS = frozenset({PaymentKind.ADJUSTMENT, PaymentKind.WRITE_OFF})
MIN_ADJUSTMENT_REASON = 4  # letters or digits


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    CHECK = "check"
    HSA = "hsa"
    INSURANCE = "insurance"
    OTHER = "other"


def format_cents(cents: int) -> str:
    """``123456`` → ``"$1,234.56"``; negatives as ``"-$12.00"``."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{frac:02d}"


def parse_amount(text: str | int | float) -> int:
    """``"$1,234.5"`` / ``"80"`` / ``80.25`` → cents; ``InvalidInput`` for anything else."""
    raw = f"{text:.2f}" if isinstance(text, float) else str(text)
    match = _AMOUNT_RE.match(raw.strip())
    if not match:
        raise InvalidInput(f"{text!r} is not an amount.", hint="Type dollars, e.g. 85 or 85.50.")
    whole = int(match.group(1).replace(",", ""))
    cents = int((match.group(4) or "0").ljust(2, "0"))
    value = whole * 100 + cents
    if value > MAX_CENTS:
        raise InvalidInput(f"{text!r} is too large an amount.")
    return value


@dataclass(eq=False)
class FeeScheduleEntry:
    code: str
    amount_cents: int
    effective_from: dt.date
    effective_to: dt.date | None = None  # inclusive
    payer_profile_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.code = check_procedure_code(self.code)
        if not 0 <= self.amount_cents <= MAX_CENTS:
            raise ValidationError("A fee must be between $0 and $10,000,000.", field="amount")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValidationError("The fee ends before it starts.", field="effective_to")

    def applies_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def overlaps(self, other: FeeScheduleEntry) -> bool:
        far = dt.date.max
        return (
            self.code == other.code
            and self.payer_profile_id == other.payer_profile_id
            and self.effective_from <= (other.effective_to or far)
            and other.effective_from <= (self.effective_to or far)
        )


def fee_for(
    entries: Iterable[FeeScheduleEntry], code: str, day: dt.date, payer_id: uuid.UUID | None
) -> int | None:
    """The charge per unit of ``code`` on ``day``: payer-specific entry first, else practice-wide;
    among several, the latest ``effective_from``. None when the schedule has no fee."""
    best: tuple[int, dt.date, int] | None = None  # (specificity, effective_from, amount)
    for e in entries:
        if e.code != code or not e.applies_on(day):
            continue
        if e.payer_profile_id is not None and e.payer_profile_id != payer_id:
            continue
        rank = (1 if e.payer_profile_id is not None else 0, e.effective_from, e.amount_cents)
        if best is None or rank[:2] > best[:2]:
            best = rank
    return None if best is None else best[2]


@dataclass(eq=False)
class Payment:
    patient_id: uuid.UUID
    date: dt.date
    amount_cents: int  # negative for refunds
    kind: PaymentKind = PaymentKind.PAYMENT
    method: PaymentMethod = PaymentMethod.CARD
    reference: str = ""  # check or card-slip number; never a card number
    visit_id: uuid.UUID | None = None
    memo: str = ""
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime(2000, 1, 1))
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.kind = PaymentKind(self.kind)
        self.method = PaymentMethod(self.method)
        if self.kind is PaymentKind.VOID:
            if self.amount_cents >= 0:
                raise ValidationError("A void is stored as a negative amount.", field="amount")
            if self.voids is None:
                raise ValidationError("A void names the entry it reverses.", field="reference")
        elif self.kind is PaymentKind.REFUND:
            if self.amount_cents >= 0:
                raise ValidationError("A refund is stored as a negative amount.", field="amount")
        elif self.amount_cents <= 0:
            what = "An adjustment" if self.is_adjustment else "A payment"
            raise ValidationError(f"{what} must be more than $0.", field="amount")
        if self.is_adjustment:
            if self.visit_id is None:
                raise ValidationError("An adjustment or write-off is for one visit: choose it.",
                                      field="visit")
            said = re.sub(r"\[(redacted|number)\]", "", self.memo)  # what cleaning left
            if sum(ch.isalnum() for ch in said) < MIN_ADJUSTMENT_REASON:
                raise ValidationError(
                    "An adjustment or write-off needs a reason (at least "
                    f"{MIN_ADJUSTMENT_REASON} letters or digits once the patient's identifiers "
                    "are removed), e.g. 'hardship, per policy'.",
                    field="reason")
        if abs(self.amount_cents) > MAX_CENTS:
            raise ValidationError("That amount is too large.", field="amount")

    @property
    def is_adjustment(self) -> bool:
        """An account adjustment or write-off, or the void of one: no money moved (see the
        module docstring)."""
        return self.kind in ACCOUNT_ADJUSTMENTS or self.kind is PaymentKind.VOID

    @property
    def voids(self) -> uuid.UUID | None:
        """The adjustment or write-off this void reverses (its id in ``reference``)."""
        if self.kind is not PaymentKind.VOID:
            return None
        try:
            return uuid.UUID(self.reference)
        except ValueError:
            return None

    @property
    def ends_package(self) -> uuid.UUID | None:
        """The package whose unused visits this refund returns (``memo`` "package-refund:<id>",
        written by ``core.services.packages.refund_package``), else None."""
        if self.kind is not PaymentKind.REFUND or not self.memo.startswith(PACKAGE_REFUND):
            return None
        try:
            return uuid.UUID(self.memo.removeprefix(PACKAGE_REFUND))
        except ValueError:
            return None


PACKAGE_REFUND = "package-refund:"


@dataclass(eq=False)
class Package:
    patient_id: uuid.UUID
    name: str
    visits_total: int
    price_cents: int
    purchased_on: dt.date
    expires_on: dt.date | None = None  # inclusive
    payment_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)
    covered_codes: tuple[str, ...] = ()  # empty: the package covers every code

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("A package needs a name.", field="name")
        self.covered_codes = tuple(sorted({check_procedure_code(c)
                                           for c in self.covered_codes or ()}))
        if not 1 <= self.visits_total <= 200:
            raise ValidationError("A package holds 1 to 200 visits.", field="visits_total")
        if not 0 < self.price_cents <= MAX_CENTS:
            raise ValidationError("A package needs a price above $0.", field="price")
        if self.expires_on is not None and self.expires_on < self.purchased_on:
            raise ValidationError("The package expires before it was bought.", field="expires_on")

    def covers(self, day: dt.date) -> bool:
        return self.purchased_on <= day and (self.expires_on is None or day <= self.expires_on)

    def covers_code(self, code: str) -> bool:
        """Whether a visit's ``code`` is paid from this package (every code when no list)."""
        return not self.covered_codes or code in self.covered_codes

    def covered_charge(self, charge: VisitCharge) -> int:
        """The part of a visit's charge this package pays for: the whole charge without a code
        list (or when the charge has no per-code lines), else the covered codes' lines."""
        if not self.covered_codes or not charge.lines:
            return charge.charge_cents
        return sum(cents for code, cents in charge.lines if code in self.covered_codes)

    def use_value(self, index: int) -> int:
        """Cents the ``index``-th use (0-based) draws; the last one takes the remainder."""
        base = self.price_cents // self.visits_total
        if index == self.visits_total - 1:
            return self.price_cents - base * (self.visits_total - 1)
        return base


@dataclass(eq=False)
class PackageUse:
    package_id: uuid.UUID
    visit_id: uuid.UUID
    used_on: dt.date
    id: uuid.UUID = field(default_factory=new_id)


def plan_draw_down(
    packages: Iterable[Package],
    uses: Iterable[PackageUse],
    visits: Iterable[tuple[uuid.UUID, dt.date]],
    *,
    paid_visits: frozenset[uuid.UUID] = frozenset(),
    codes: Mapping[uuid.UUID, frozenset[str]] | None = None,
) -> list[PackageUse]:
    """New uses for billable ``visits`` (id, date) not yet drawn from a package: oldest visit
    first, from the package that expires first (then the oldest). Visits with a payment
    allocated to them are paid directly and never draw from a package that covers every code;
    a package with a code list draws only for a visit whose charged ``codes`` include one of
    its codes (a visit missing from ``codes`` charges none), paid directly or not."""
    used = list(uses)
    taken = {u.visit_id for u in used}
    counts: dict[uuid.UUID, int] = {}
    for u in used:
        counts[u.package_id] = counts.get(u.package_id, 0) + 1
    order = sorted(
        packages, key=lambda p: (p.expires_on or dt.date.max, p.purchased_on, str(p.id))
    )
    new: list[PackageUse] = []
    for visit_id, day in sorted(visits, key=lambda v: (v[1], str(v[0]))):
        if visit_id in taken:
            continue
        charged = codes.get(visit_id, frozenset()) if codes is not None else None
        for package in order:
            if package.covered_codes:
                if charged is None or charged.isdisjoint(package.covered_codes):
                    continue
            elif visit_id in paid_visits:
                continue
            if package.covers(day) and counts.get(package.id, 0) < package.visits_total:
                new.append(PackageUse(package.id, visit_id, day))
                counts[package.id] = counts.get(package.id, 0) + 1
                taken.add(visit_id)
                break
    return new


# -- ledger -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VisitCharge:
    visit_id: uuid.UUID
    date: dt.date
    charge_cents: int
    lines: tuple[tuple[str, int], ...] = ()  # (code, cents) per charged code, when known


@dataclass(frozen=True, slots=True)
class VisitAccount:
    visit_id: uuid.UUID
    date: dt.date
    charge_cents: int
    adjustment_cents: int  # package discount (charge − package value)
    paid_direct_cents: int  # payments and refunds allocated to this visit
    paid_package_cents: int  # value drawn from a prepaid package
    paid_applied_cents: int  # unallocated payments applied oldest-first
    package_id: uuid.UUID | None = None
    written_off_cents: int = 0  # account adjustments and write-offs on this visit

    @property
    def paid_cents(self) -> int:
        return self.paid_direct_cents + self.paid_package_cents + self.paid_applied_cents

    @property
    def balance_cents(self) -> int:
        return self.charge_cents - self.adjustment_cents - self.written_off_cents - self.paid_cents


@dataclass(frozen=True)
class Ledger:
    visits: Mapping[uuid.UUID, VisitAccount]
    received_cents: int  # every payment, package purchase and refund
    unapplied_credit_cents: int  # unallocated money left after paying visits (may be < 0)
    package_credit_cents: int  # package purchases not yet drawn down by visits

    @property
    def charges_cents(self) -> int:
        return sum(v.charge_cents for v in self.visits.values())

    @property
    def adjustments_cents(self) -> int:
        return sum(v.adjustment_cents for v in self.visits.values())

    @property
    def written_off_cents(self) -> int:
        return sum(v.written_off_cents for v in self.visits.values())

    @property
    def balance_cents(self) -> int:
        """What the patient owes (negative: the practice holds a credit)."""
        return (self.charges_cents - self.adjustments_cents - self.written_off_cents
                - self.received_cents)


def build_ledger(
    charges: Iterable[VisitCharge],
    payments: Iterable[Payment],
    packages: Iterable[Package] = (),
    uses: Iterable[PackageUse] = (),
) -> Ledger:
    """The patient's account (see the module docstring). Uses of unknown packages are ignored."""
    by_package = {p.id: p for p in packages}
    use_of: dict[uuid.UUID, tuple[PackageUse, int]] = {}
    per_package: dict[uuid.UUID, list[PackageUse]] = {}
    for u in uses:
        if u.package_id in by_package:
            per_package.setdefault(u.package_id, []).append(u)
    drawn = 0
    for pid, items in per_package.items():
        for index, u in enumerate(sorted(items, key=lambda u: (u.used_on, str(u.id)))):
            value = by_package[pid].use_value(index) if index < by_package[pid].visits_total else 0
            use_of[u.visit_id] = (u, value)
            drawn += value
    direct: dict[uuid.UUID, int] = {}
    off: dict[uuid.UUID, int] = {}
    pool = received = prepaid = 0
    for p in payments:
        if p.is_adjustment and p.visit_id is not None:
            off[p.visit_id] = off.get(p.visit_id, 0) + p.amount_cents
            continue
        received += p.amount_cents
        if p.kind is PaymentKind.PACKAGE or p.ends_package is not None:
            prepaid += p.amount_cents  # a package bought, or its unused visits refunded
            continue
        if p.visit_id is not None:
            direct[p.visit_id] = direct.get(p.visit_id, 0) + p.amount_cents
        else:
            pool += p.amount_cents
    ordered = sorted(charges, key=lambda c: (c.date, str(c.visit_id)))
    # A payment larger than what its visit owes never shows as paid > charged: the excess is
    # account credit, applied to other visits oldest first like any unallocated payment.
    capped: dict[uuid.UUID, int] = {}
    written: dict[uuid.UUID, int] = {}
    for c in ordered:
        use, value = use_of.get(c.visit_id, (None, 0))
        adjustment = by_package[use.package_id].covered_charge(c) - value if use else 0
        due = max(c.charge_cents - adjustment - value, 0)
        written[c.visit_id] = min(off.get(c.visit_id, 0), due)  # never below $0 owed
        due -= written[c.visit_id]
        paid = direct.get(c.visit_id, 0)
        capped[c.visit_id] = min(paid, due) if paid > 0 else paid
        pool += paid - capped[c.visit_id]
    accounts: dict[uuid.UUID, VisitAccount] = {}
    for c in ordered:
        use, value = use_of.get(c.visit_id, (None, 0))
        adjustment = by_package[use.package_id].covered_charge(c) - value if use else 0
        owed = c.charge_cents - adjustment - value - written[c.visit_id] - capped[c.visit_id]
        applied = min(owed, pool) if owed > 0 and pool > 0 else 0
        pool -= applied
        accounts[c.visit_id] = VisitAccount(
            c.visit_id, c.date, c.charge_cents, adjustment, capped[c.visit_id], value,
            applied, use.package_id if use else None, written[c.visit_id],
        )
    # Payments allocated to a visit with no charge (not billed yet) stay on account.
    pool += sum(amount for vid, amount in direct.items() if vid not in accounts)
    return Ledger(accounts, received, pool, prepaid - drawn)


# -- the superbill document (what ``core.export.superbill_pdf`` renders) -----------------------
POS_LABELS = {
    "11": "Office",
    "12": "Home",
    "02": "Telehealth, not in the patient's home",
    "10": "Telehealth in the patient's home",
}
# The claim line modifier a telehealth visit's modality adds (CMS-1500 24D): 95 synchronous
# audio-video, 93 audio-only. A payer that wants neither simply ignores it on a superbill.
TELEHEALTH_MODIFIERS = {"audio_video": "95", "audio_only": "93"}


@dataclass(frozen=True, slots=True)
class BillingProvider:
    """The practice: CMS-1500 items 25 (EIN), 32 (service location), 33/33a (billing NPI)."""

    name: str
    address_lines: tuple[str, ...]
    phone: str
    npi: str | None
    tax_id: str | None
    taxonomy_code: str | None = None  # item 33b (qualifier ZZ)
    license_number: str = ""


@dataclass(frozen=True, slots=True)
class RenderingProvider:
    """A clinician who furnished services: items 24J (NPI) and 31 (signature, credentials)."""

    name: str
    credentials: str
    npi: str | None
    license_number: str
    discipline: str


@dataclass(frozen=True, slots=True)
class SuperbillPatient:
    """Items 1a (member id), 2 (name), 3 (DOB, sex), 5 (address), 11 (group)."""

    name: str
    date_of_birth: dt.date
    sex: str
    address_lines: tuple[str, ...]
    phone: str
    insurance_name: str
    member_id: str
    group_number: str


@dataclass(frozen=True, slots=True)
class Referrer:
    """Items 17/17b: the referring or certifying provider."""

    name: str
    npi: str | None


@dataclass(frozen=True, slots=True)
class SuperbillDiagnosis:
    letter: str  # item 21, A–L
    code: str
    description: str


@dataclass(frozen=True, slots=True)
class SuperbillLine:
    """One service line, items 24A–24J."""

    date: dt.date
    place_of_service: str
    code: str
    description: str
    modifiers: tuple[str, ...]
    pointers: str  # "A", "AB" … at most 4 letters
    units: int
    fee_cents: int | None  # per unit; None: not in the fee schedule
    charge_cents: int
    rendering_npi: str | None
    visit_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class SuperbillPayment:
    """Money applied to the superbill's visits: a payment, a refund, a package draw-down."""

    date: dt.date | None
    description: str  # "Card payment, ref 1042", "Prepaid package: 10 visits (3 used here)"
    amount_cents: int


@dataclass(frozen=True)
class Superbill:
    number: str  # deterministic: derived from the patient, the visits and their note hashes
    issued_on: dt.date
    period_from: dt.date
    period_to: dt.date
    provider: BillingProvider
    renderers: tuple[RenderingProvider, ...]
    patient: SuperbillPatient
    referrers: tuple[Referrer, ...]
    diagnoses: tuple[SuperbillDiagnosis, ...]
    lines: tuple[SuperbillLine, ...]
    payments: tuple[SuperbillPayment, ...]
    charges_cents: int
    adjustments_cents: int
    paid_cents: int
    visit_ids: tuple[uuid.UUID, ...]
    written_off_cents: int = 0  # account adjustments and write-offs on these visits

    @property
    def balance_cents(self) -> int:
        return (self.charges_cents - self.adjustments_cents - self.written_off_cents
                - self.paid_cents)

    @property
    def is_statement(self) -> bool:
        return len(self.visit_ids) != 1
