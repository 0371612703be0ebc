"""Ending a prepaid package: refund its unused visits, after which no visit draws from it.

Contract:
- ``refund_package(chart, patient_id, package_id, date=, method=)`` refunds the value of the
  visits not drawn yet (price minus the values of the uses so far, ``Package.use_value``),
  stored as a refund whose ``memo`` is ``"package-refund:<id>"`` (``Payment.ends_package``).
  From then on the account (``billing._settle``) draws no new visit from that package, and the
  ledger counts the refund against the package's prepaid credit, not as money on account.
- A package refunded already, or with nothing left to refund, is refused (``InvalidInput``).
- Draw-downs are brought up to date first (``load_account``), so visits charged before the
  refund keep their package use. One unit of work; audited (kind and counts, no PHI).
"""

from __future__ import annotations

import datetime as dt
import uuid

from core.domain.billing import PACKAGE_REFUND, PaymentKind, PaymentMethod
from core.domain.billing import Payment as PaymentRecord
from core.domain.errors import InvalidInput, NotFound
from core.services.billing import load_account
from core.services.result import Result
from core.storage.chart import ChartSession


def refund_package(
    chart: ChartSession,
    patient_id: uuid.UUID,
    package_id: uuid.UUID,
    *,
    date: dt.date,
    method: PaymentMethod | str = PaymentMethod.CARD,
    reference: str = "",
) -> Result[PaymentRecord]:
    with chart.uow() as uow:
        repos = uow.billing
        uow.patients.get(patient_id)
        rows = [p for p in repos.packages.for_patient(patient_id) if p.id == package_id]
        if not rows:
            raise NotFound(f"The patient has no package with id {package_id}.")
        package = rows[0]
        if date < package.purchased_on:
            raise InvalidInput("The refund is dated before the package was bought.")
        account, _new = load_account(uow, package.patient_id)
        if any(p.ends_package == package.id for p in account.payments):
            raise InvalidInput("This package was refunded already.")
        used = next(s.used for s in account.packages if s.package.id == package.id)
        used = min(used, package.visits_total)
        unused = package.price_cents - sum(package.use_value(i) for i in range(used))
        if unused <= 0:
            raise InvalidInput("Every visit of this package has been used: nothing to refund.")
        refund = PaymentRecord(
            package.patient_id, date, -unused, PaymentKind.REFUND, PaymentMethod(method),
            reference.strip(), None, f"{PACKAGE_REFUND}{package.id}",
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
        repos.payments.save(refund)
        uow.record("create", "payment", refund.id,
                   detail=f"kind=refund method={refund.method} package_visits_unused="
                          f"{package.visits_total - used}")
        return Result(refund, uow.commit())

