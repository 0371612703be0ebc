"""The reorder list as a printable PDF (issue 20), for a supplier or the supply shelf.

Contract: ``render_pdf(lines, on, practice)`` — the low items (``core.rules.inventory
.ReorderLine``) with on hand, reorder point, what to order, its HCPCS code and cost, and the
total; US Letter, real Helvetica text (extractable), ``invariant=1`` so the same list gives the
same bytes. Supplies and money only: no patient data; metadata hold none either. Pure: nothing
here reads the chart or the clock.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.domain.inventory import fmt
from core.rules.inventory import ReorderLine

HEADER = ("Item", "Category", "On hand", "Reorder at", "Order", "Unit", "HCPCS", "Unit cost",
          "Cost")
_WIDTHS = (0.25, 0.13, 0.09, 0.09, 0.08, 0.07, 0.08, 0.1, 0.11)
_NUMERIC = (2, 3, 4, 7, 8)


INK = colors.HexColor("#1f2a37")


def _style(name: str, size: float, *, bold: bool = False, align: int = 0,
           color: Any = INK) -> ParagraphStyle:
    return ParagraphStyle(name, fontName="Helvetica-Bold" if bold else "Helvetica",
                          fontSize=size, leading=size * 1.25, alignment=align, textColor=color)


def _usd(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def render_pdf(lines: Sequence[ReorderLine], on: dt.date, practice: str = "") -> bytes:
    width = LETTER[0] - 1.0 * inch - 12
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=LETTER, leftMargin=0.5 * inch,
                            rightMargin=0.5 * inch, topMargin=0.5 * inch,
                            bottomMargin=0.6 * inch, invariant=1, title="Reorder list",
                            author="Chartside", creator="Chartside", subject="Reorder list")
    cell, cell_r = _style("cell", 8), _style("cellr", 8, align=2)
    head, head_r = _style("head", 8, bold=True), _style("headr", 8, bold=True, align=2)
    rows: list[list[Any]] = [[Paragraph(h, head_r if i in _NUMERIC else head)
                              for i, h in enumerate(HEADER)]]
    for ln in lines:
        i = ln.item
        cells = (i.name, i.category, fmt(ln.on_hand), fmt(i.reorder_point), fmt(ln.order),
                 i.unit, i.hcpcs or "", _usd(i.unit_cost_cents), _usd(ln.cost_cents))
        rows.append([Paragraph(escape(c), cell_r if k in _NUMERIC else cell)
                     for k, c in enumerate(cells)])
    if not lines:
        rows.append([Paragraph("Nothing is at or below its reorder point.", cell)]
                    + [""] * (len(HEADER) - 1))
    total = _style("total", 9, bold=True, align=2)
    table = Table(rows, colWidths=[w * width for w in _WIDTHS], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#c7ced8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story: list[Any] = [
        Paragraph("Reorder list", _style("title", 14, bold=True)),
        Spacer(1, 3),
        Paragraph(escape(" · ".join(x for x in (practice, f"{on:%B %d, %Y}") if x)),
                  _style("sub", 9, color=colors.HexColor("#5b6675"))),
        Spacer(1, 8), table, Spacer(1, 6),
        Paragraph(f"Total {_usd(sum(ln.cost_cents for ln in lines))} for "
                  f"{len(lines)} item{'s' if len(lines) != 1 else ''}", total),
    ]
    doc.build(story)
    return buf.getvalue()
