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
