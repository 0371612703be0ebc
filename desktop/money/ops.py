"""Money ops (one ``core.services`` call each) for the database worker. Nothing runs until
``run()``; writes are ``CommandOp``s, so their ``Changes`` reach ``changes_applied``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QObject

from desktop.worker import CommandOp, QueryOp


def practice_and_fees(parent: QObject) -> QueryOp[Any]:
    """(practice or None, fee entries, payer choices) in one read."""

    def run(chart: Any) -> Any:
        from core.domain.errors import NotFound
        from core.services import billing, practice

        try:
            current = practice.get_practice(chart)
        except NotFound:
            current = None
        return current, billing.list_fees(chart), practice.list_payer_profiles(chart)

    return QueryOp(parent, run)


def save_practice(parent: QObject, fields: dict[str, Any]) -> CommandOp[Any]:
    def run(chart: Any) -> Any:
        from core.services import practice

        return practice.save_practice(chart, **fields)

    return CommandOp(parent, run)


def set_fee(parent: QObject, code: str, amount_cents: int, *, effective_from: dt.date,
            effective_to: dt.date | None, payer_profile_id: uuid.UUID | None) -> CommandOp[Any]:
    def run(chart: Any) -> Any:
        from core.services import billing

        return billing.set_fee(chart, code, amount_cents, effective_from=effective_from,
                               effective_to=effective_to, payer_profile_id=payer_profile_id)

    return CommandOp(parent, run)


def remove_fee(parent: QObject, entry_id: uuid.UUID) -> CommandOp[Any]:
    def run(chart: Any) -> Any:
        from core.services import billing

        return billing.remove_fee(chart, entry_id)

    return CommandOp(parent, run)


def take_money(parent: QObject, kind: str, patient_id: uuid.UUID, /,
               **fields: Any) -> CommandOp[Any]:
    """``kind``: "payment" (``record_payment``), "refund" (``record_refund``), "package"
    (``sell_package``), "package_refund" (``packages.refund_package``), "adjust"
    (``record_adjustment``) or "void" (``void_adjustment``)."""

    def run(chart: Any) -> Any:
        from core.services import billing, packages

        if kind == "payment":
            return billing.record_payment(chart, patient_id, **fields)
        if kind == "refund":
            return billing.record_refund(chart, patient_id, **fields)
        if kind == "package":
            return billing.sell_package(chart, patient_id, **fields)
        if kind == "adjust":
            return billing.record_adjustment(chart, patient_id, **fields)
        if kind == "void":
            return billing.void_adjustment(chart, patient_id, **fields)
        return packages.refund_package(chart, patient_id, **fields)

    return CommandOp(parent, run)
