"""Export use cases (audited): the whole chart as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.export import json_export
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
    """Write the export to ``out`` with owner-only permissions; returns bytes written."""
    text = json_export.dumps(export_json(chart))
    out.touch(mode=0o600, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return len(text.encode())
