"""Good-faith estimates are synced records (issue 18): an estimate issued on one device, with
its PDF, is on the practice's other devices after they sync (through a real in-process server,
encrypted, as every record)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

from core.domain.estimates import EstimateLine, GoodFaithEstimate
from tests.sync.helpers import Device, seed


def test_an_estimate_issued_on_one_device_reaches_the_other_with_its_pdf(
    pair_of_devices: tuple[Device, Device],
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart, last_name="Estimated")
    pdf = b"%PDF-1.4 " + os.urandom(20_000)  # a PDF's size and bytes, sealed like any record
    line = EstimateLine("97110", "Therapeutic exercise", 24, 12, 6200, 24 * 6200)
    estimate = GoodFaithEstimate(s.episode_id, s.patient_id, dt.date(2026, 1, 2),
                                 dt.date(2026, 1, 2), dt.date(2026, 3, 31), 12, [line],
                                 ["M17.11"], line.total_cents, hashlib.sha256(pdf).hexdigest(),
                                 pdf)
    with a.chart.uow() as uow:  # what core.services.estimates records
        uow.claims.save_estimate(estimate)
        uow.record("create", "estimate", estimate.id)
        uow.commit()
    assert a.sync().pushed >= 4  # clinician, patient, episode, estimate
    assert b.sync().pulled >= 4
    with b.chart.uow() as uow:
        [there] = uow.claims.estimates_for(s.episode_id)
    assert there.id == estimate.id and there.pdf == pdf and there.lines == [line]
    assert hashlib.sha256(there.pdf).hexdigest() == there.sha256
