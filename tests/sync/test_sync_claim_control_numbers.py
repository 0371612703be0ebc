"""Interchange control numbers across devices (issue 18): two devices of a practice write 837P
batches while offline, then sync. Each took "the largest number + 1" before, so both batches had
ISA13 = 1: the clearinghouse refuses the second file as a duplicate, and the second batch could
not be stored beside the first (the column is unique). Numbers are now drawn at random."""

from __future__ import annotations

import datetime as dt

from core.domain.claims import ClaimBatch
from core.domain.enums import UnitMethod
from core.services import practice
from core.storage.chart import ChartSession
from tests.sync.helpers import Device


def _batch_offline(chart: ChartSession, payer_id: object) -> int:
    """What ``claims.export_837p`` records for a file (the batch row, audited and versioned)."""
    with chart.uow() as uow:
        number = uow.claims.next_control_number()
        batch = ClaimBatch(payer_profile_id=payer_id, control_number=number,  # type: ignore[arg-type]
                           created_at=dt.datetime(2026, 3, 2, 9, 0),
                           date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 1), claims=1)
        uow.claims.save_batch(batch)
        uow.record("create", "claim_batch", batch.id)
        uow.commit()
    return number


def test_batches_written_offline_on_two_devices_keep_their_own_numbers(
    pair_of_devices: tuple[Device, Device],
) -> None:
    a, b = pair_of_devices
    payer = practice.add_payer_profile(a.chart, name="Cascade Mutual PPO", key="cascade",
                                       unit_method=UnitMethod.PER_CODE).value
    a.sync()
    b.sync()
    numbers = {_batch_offline(device.chart, payer.id) for device in (a, b) for _ in range(3)}
    assert len(numbers) == 6 and all(1 <= n <= 999_999_999 for n in numbers)
    for device in (a, b, a, b):
        report = device.sync()
        assert report.refused == 0 and report.stuck == 0, report
    for device in (a, b):
        with device.chart.uow() as uow:
            assert {x.control_number for x in uow.claims.batches()} == numbers
