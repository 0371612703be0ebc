"""The basic round trip: A writes, syncs; B syncs and has the same records."""

from __future__ import annotations

from core.services import notes
from tests.sync.helpers import Device, heads_by_record, seed, snapshot, start_note


def test_a_note_written_on_one_device_appears_on_the_other(
    pair_of_devices: tuple[Device, Device],
) -> None:
    a, b = pair_of_devices
    s = seed(a.chart)
    note_id = start_note(a.chart, s)
    notes.edit_section(a.chart, note_id, "subjective", "Knee feels better.")
    report = a.sync()
    assert report.pushed >= 5 and report.refused == 0
    pulled = b.sync()
    assert pulled.pulled == report.pushed
    assert snapshot(a.chart) == snapshot(b.chart)
    assert heads_by_record(a.chart) == heads_by_record(b.chart)
    assert a.status().pending == 0 and b.status().pending == 0


def test_acknowledged_changes_keep_no_second_copy_of_their_ciphertext(
    pair_of_devices: tuple[Device, Device],
) -> None:
    """Issue 22: sealed ciphertexts live in the batch body only until its answer is recorded."""
    from sqlalchemy import func, select

    from core.storage import tables as t

    a, _b = pair_of_devices
    seed(a.chart)
    a.sync()
    with a.chart.uow() as uow:
        kept = uow.conn.execute(
            select(func.count())
            .select_from(t.sync_outbox)
            .where(t.sync_outbox.c.ciphertext.is_not(None))
        ).scalar_one()
        bodies = uow.conn.execute(
            select(func.count())
            .select_from(t.sync_batches)
            .where(t.sync_batches.c.body.is_not(None))
        ).scalar_one()
    assert (kept, bodies) == (0, 0)
