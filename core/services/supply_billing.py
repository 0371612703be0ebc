"""Billable supplies on the bill (issue 20): a signed note's use of an item with a HCPCS
supply code (A4556 electrodes…) becomes a priced service of its visit, beside the therapy codes.

Contract:
- ``add_supplies(uow, billed, priced, fees, payers)`` adds, in place, to each billed visit's
  priced services one ``PricedService(supply=True)`` per billable item its signed note used
  (``core.rules.inventory.supply_services``): units = the quantity recorded (rounded up to whole
  units), the fee per unit from the practice's fee schedule for the visit's date and payer.
  Without a fee the line is left off (``no_fee``) and the superbill's scrub names it; the item's
  unit cost is what the practice paid, never a price.
- Called where the ledger prices visits (``core.services.billing``), so the account, the
  superbill, the CMS-1500 and the 837P carry the same supply lines. One read per 500 visits;
  nothing when the practice keeps no billable supplies.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core.domain.billing import FeeScheduleEntry, fee_for
from core.rules import inventory as rules
from core.rules.pricing import PricedService
from core.storage.uow import UnitOfWork


def add_supplies(
    uow: UnitOfWork, billed: Iterable[Any], priced: dict[uuid.UUID, list[PricedService]],
    fees: Sequence[FeeScheduleEntry], payers: Mapping[uuid.UUID, Any],
) -> None:
    """``billed``: ``BilledVisit``s (visit id, episode id, date); ``payers`` by episode id."""
    visits = {b.visit_id: b for b in billed}
    if not visits:
        return
    used = uow.inventory.billable_use(list(visits))
    for visit_id, rows in used.items():
        b = visits[visit_id]
        profile_id = payers[b.episode_id].profile_id
        lines = rules.supply_lines([m for m, _i in rows], {i.id: i for _m, i in rows})
        day = b.date

        def fee(code: str, day: dt.date = day, pid: uuid.UUID | None = profile_id
                ) -> int | None:
            return fee_for(fees, code, day, pid)

        priced[visit_id] = [*priced.get(visit_id, []), *rules.supply_services(lines, fee)]
