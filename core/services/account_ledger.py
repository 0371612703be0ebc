"""The patient's account as a statement: one line per charge, package discount, payment,
package purchase and refund, each with the running balance — what the desktop's ledger shows.

Contract (pure; reads nothing): ``ledger_lines(account)`` over a ``billing.Account``.
- A late-cancellation or no-show fee (issue 19) is a *fee* line (+ the fee, on the
  appointment's day).
- A signed, charged visit is a *charge* line (+ its charge; the description lists code × units
  with our own short code labels, never AMA descriptors); a visit drawn from a prepaid package
  also has a *discount* line (− the package adjustment).
- A payment (−), a package purchase (−) and a refund (+, money given back) are one line each.
- Lines are in date order: on one day the charges, then the discounts, then the money in the
  order it was recorded. ``balance_cents`` is the running balance after the line; the last
  line's equals ``account.balance_cents`` (charges − adjustments − received: tested).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from core.domain.billing import PaymentKind, format_cents
from core.rules.packs import RulePacks, default_packs
from core.services.billing import Account

METHODS = {"hsa": "HSA", "check": "Check", "card": "Card", "cash": "Cash",
           "insurance": "Insurance", "other": "Other"}
_ORDER = {"charge": 0, "fee": 0, "discount": 1, "package": 2, "payment": 2, "refund": 2,
          "adjustment": 2, "void": 2}


@dataclass(frozen=True, slots=True)
class LedgerLine:
    date: dt.date
    kind: str  # "charge" | "fee" | "discount" | "package" | "payment" | "refund" | "adjustment"
    description: str
    amount_cents: int  # its effect on what the patient owes (+ owes more, − owes less)
    balance_cents: int  # running balance after this line
    visit_id: uuid.UUID | None = None
    payment_id: uuid.UUID | None = None


def ledger_lines(account: Account, packs: RulePacks | None = None) -> list[LedgerLine]:
    packs = packs or default_packs()
    rows: list[tuple[tuple[object, ...], str, str, int, uuid.UUID | None, uuid.UUID | None,
                     dt.date]] = []
    dates = {b.visit_id: b.date for b in account.billed}
    names = {s.package.id: s.package.name for s in account.packages}
    fees = {f.id: f for f in account.fees}
    for visit_id, va in account.ledger.visits.items():
        day = dates.get(visit_id, va.date)
        fee = fees.get(visit_id)
        if fee is not None:  # a cancellation / no-show fee: a charge of its own (issue 19)
            rows.append(((day, _ORDER["charge"], str(visit_id)), "fee",
                         f"{fee.kind.label} (appointment of {fee.date:%b %d, %Y})",
                         va.charge_cents, None, None, day))
            continue
        if va.charge_cents:
            parts = [f"{s.code} {_label(packs, s.code)} × {s.units}".replace("  ", " ")
                     for s in account.charged_visits.get(visit_id, []) if s.charge_cents]
            rows.append(((day, _ORDER["charge"], str(visit_id)), "charge",
                         "Visit: " + "; ".join(parts), va.charge_cents, visit_id, None, day))
        if va.adjustment_cents:
            name = names.get(va.package_id, "prepaid package") if va.package_id else "package"
            rows.append(((day, _ORDER["discount"], str(visit_id)), "discount",
                         f"Package discount ({name})", -va.adjustment_cents, visit_id, None,
                         day))
    # what the ledger took off each visit (it caps adjustments at what the visit owed)
    left_to_take = {vid: va.written_off_cents for vid, va in account.ledger.visits.items()}
    voided = {p.voids for p in account.payments if p.voids is not None}
    for p in account.payments:  # a voided entry shows what it took off; its void gives it back
        if p.id in voided and p.visit_id is not None:
            left_to_take[p.visit_id] = left_to_take.get(p.visit_id, 0) + p.amount_cents
    kinds = {p.id: p.kind for p in account.payments}
    took: dict[uuid.UUID, int] = {}  # what each adjustment took off: its void gives that back
    for p in sorted(account.payments, key=lambda p: p.kind is PaymentKind.VOID):
        if p.kind is PaymentKind.VOID and p.visit_id is not None and p.voids is not None:
            word = "write-off" if kinds.get(p.voids) is PaymentKind.WRITE_OFF else "adjustment"
            when = f" on the visit of {dates[p.visit_id]:%b %d, %Y}" if p.visit_id in dates else ""
            rows.append(((p.date, _ORDER["void"], p.created_at, str(p.id)), "void",
                         f"Void of a {word}{when}: {p.memo}", took.get(p.voids, 0), p.visit_id,
                         p.id, p.date))
            continue
        if p.is_adjustment and p.visit_id is not None:
            taken = min(p.amount_cents, left_to_take.get(p.visit_id, 0))
            left_to_take[p.visit_id] = left_to_take.get(p.visit_id, 0) - taken
            took[p.id] = taken
            word = "Write-off" if p.kind is PaymentKind.WRITE_OFF else "Adjustment"
            word += " (voided)" if p.id in voided else ""
            when = f" on the visit of {dates[p.visit_id]:%b %d, %Y}" if p.visit_id in dates else ""
            rows.append(((p.date, _ORDER["adjustment"], p.created_at, str(p.id)), "adjustment",
                         f"{word}{when}: {p.memo}", -taken, p.visit_id, p.id, p.date))
            continue
        method = METHODS.get(str(p.method), str(p.method).title())
        ref = f", ref {p.reference}" if p.reference else ""
        if p.kind is PaymentKind.PACKAGE:
            name = next((s.package.name for s in account.packages
                         if s.package.payment_id == p.id), "Prepaid package")
            kind, text = "package", f"{name} bought ({method.lower()}{ref})"
        elif p.kind is PaymentKind.REFUND:
            pkg = p.ends_package
            what = f"unused visits of {names.get(pkg, 'a package')}" if pkg else "money"
            kind, text = "refund", f"Refund of {what} ({method.lower()}{ref})"
        else:
            for_visit = " for the visit of " + f"{dates[p.visit_id]:%b %d, %Y}" \
                if p.visit_id in dates else ""
            kind, text = "payment", f"{method} payment{for_visit}{ref}"
        rows.append(((p.date, _ORDER[kind], p.created_at, str(p.id)), kind, text,
                     -p.amount_cents, None, p.id, p.date))
    rows.sort(key=lambda r: r[0])
    out: list[LedgerLine] = []
    balance = 0
    for _key, kind, text, amount, vid, payment_id, day in rows:
        balance += amount
        out.append(LedgerLine(day, kind, text, amount, balance, vid, payment_id))
    return out


def _label(packs: RulePacks, code: str) -> str:
    info = packs.find_code(code)
    return info.label if info is not None and info.label else ""


def balance_words(cents: int) -> str:
    """ "Balance due $40.00", "Credit $10.00" (the practice holds it), "Nothing owed"."""
    if cents > 0:
        return f"Balance due {format_cents(cents)}"
    if cents < 0:
        return f"Credit {format_cents(-cents)}"
    return "Nothing owed"
