"""Export use cases (audited): the whole chart as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.export import json_export
from core.storage import files
from core.storage.chart import ChartSession


def export_json(chart: ChartSession) -> dict[str, Any]:
    with chart.uow() as uow:
        data = json_export.export_chart(uow, chart.chart_id)
        uow.record(
            "export", "chart", chart.chart_id, detail=f"json patients={len(data['patients'])}"
        )
        uow.commit()
    return data


def write_json_export(chart: ChartSession, out: Path) -> int:
    """Write the export to ``out``: owner-only (0600), atomically (a temp file renamed over it,
    never through a symlink, no temp file left on a full disk); returns bytes written. The
    document is streamed a batch of patients at a time, so memory does not grow with the
    chart."""
    with files.atomic_stream(Path(out), what="the export") as fh, chart.uow() as uow:
        written = json_export.write_chart(uow, chart.chart_id, fh)
        uow.record("export", "chart", chart.chart_id, detail=f"json patients={written.patients}")
        uow.commit()
    return written.bytes
