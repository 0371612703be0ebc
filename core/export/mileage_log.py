"""The mileage log as CSV and as a printable PDF (reportlab platypus).

Contract:
- Input is a ``core.domain.books.MileageLog``: places are already labels or patient references
  (initials + short id). Nothing here reads the chart, so no name or address can leak in.
- CSV (UTF-8, header row): one ``trip`` row per leg, then one ``rate_total`` row per rate period
  and a ``total`` row. Amounts are dollars with 2 decimals (half up); the rate is cents/mile.
  The total's amount is the exact sum of the exact line amounts, rounded once.
- PDF: US Letter landscape, real Helvetica text (extractable), the trip table's header repeats
  on every page, totals per rate period and overall, the rate source, "Page n of N".
  ``invariant=1``: the same log gives the same bytes. Metadata hold no PHI.
- Files are written to a temporary sibling and renamed, so a failed export leaves no half file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.domain.books import MileageLog, dollars, round_cents
from core.storage import files

CSV_HEADER = ("kind", "date", "clinician", "from", "to", "purpose", "vehicle",
              "odometer_start", "odometer_end", "miles", "rate_cents_per_mile", "amount_usd")
MARGIN = 0.5 * inch
INK = colors.HexColor("#1f2a37")
MUTED = colors.HexColor("#5b6675")
RULE = colors.HexColor("#c7ced8")
BAND = colors.HexColor("#e8eef5")
ZEBRA = colors.HexColor("#f6f8fb")
TRIP_HEADER = ("Date", "Clinician", "From", "To", "Business purpose", "Vehicle", "Odo. start",
               "Odo. end", "Miles", "Rate", "Amount")
_WIDTHS = (0.075, 0.13, 0.12, 0.12, 0.17, 0.085, 0.065, 0.065, 0.055, 0.05, 0.065)
_NUMERIC = (6, 7, 8, 9, 10)


def _odo(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _rate(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _usd(cents: Decimal | None) -> str:
    if cents is None:
        return "rate n/a"
    value = round_cents(cents) / 100
    return f"${value:,.2f}"


def csv_text(log: MileageLog) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for ln in log.lines:
        w.writerow(["trip", ln.date.isoformat(), ln.clinician, ln.from_place, ln.to_place,
                    ln.purpose, ln.vehicle, _odo(ln.odometer_start), _odo(ln.odometer_end),
                    f"{ln.miles:.1f}", _rate(ln.rate_cents),
                    dollars(ln.amount_cents) if ln.amount_cents is not None else ""])
    for r in log.by_rate:
        w.writerow(["rate_total", r.effective_from.isoformat(), "", "", "",
                    f"{r.trips} trips at the IRS rate from {r.effective_from:%Y-%m-%d}", "", "",
                    "", f"{r.miles:.1f}", _rate(r.rate_cents), dollars(r.amount_cents)])
    w.writerow(["total", f"{log.date_from}..{log.date_to}", "", "", "",
                f"{len(log.lines)} trips" + (f"; {len(log.unrated_dates)} without a rate"
                                             if log.unrated_dates else ""),
                "", "", "", f"{log.total_miles:.1f}", "", dollars(log.total_amount_cents)])
    return out.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Owner-only (0600), atomic, never through a symlink (``core.storage.files``)."""
    files.write_atomic(path, data, what="the mileage log")


def write_csv(log: MileageLog, path: Path) -> None:
    _write(path, csv_text(log).encode("utf-8"))


def _style(name: str, size: float = 8, *, bold: bool = False, color: Any = INK,
           align: int = 0) -> ParagraphStyle:
    return ParagraphStyle(name, fontName="Helvetica-Bold" if bold else "Helvetica",
                          fontSize=size, leading=size * 1.25, textColor=color, alignment=align)


TITLE = _style("title", 14, bold=True)
SUB = _style("sub", 9, color=MUTED)
CELL = _style("cell", 7.5)
CELL_R = _style("cellr", 7.5, align=2)
HEAD = _style("head", 7.5, bold=True)
HEAD_R = _style("headr", 7.5, bold=True, align=2)
NOTE = _style("note", 7, color=MUTED)


def _p(text: str, style: ParagraphStyle = CELL) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(rows: list[list[Any]], widths: list[float], *, zebra: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), BAND),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if zebra:
        style += [("BACKGROUND", (0, i), (-1, i), ZEBRA) for i in range(2, len(rows), 2)]
    table.setStyle(TableStyle(style))
    return table


def render_pdf(log: MileageLog) -> bytes:
    size = landscape(LETTER)
    width = size[0] - 2 * MARGIN - 12  # the frame pads 6 pt on each side
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=size, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 14, invariant=1, title=f"Mileage log {log.date_from}..{log.date_to}",
        author="Chartside", creator="Chartside", subject="Mileage log",
    )
    story: list[Any] = [
        _p(log.title or "Mileage log", TITLE),
        Spacer(1, 3),
        _p(f"Period {log.date_from:%b %d, %Y} to {log.date_to:%b %d, %Y}. Patients are shown by "
           "reference (initials and record id), never by address.", SUB),
        Spacer(1, 8),
    ]
    head = [_p(h, HEAD_R if i in _NUMERIC else HEAD) for i, h in enumerate(TRIP_HEADER)]
    rows: list[list[Any]] = [head]
    for ln in log.lines:
        cells = [ln.date.isoformat(), ln.clinician, ln.from_place, ln.to_place, ln.purpose,
                 ln.vehicle, _odo(ln.odometer_start), _odo(ln.odometer_end), f"{ln.miles:.1f}",
                 f"{_rate(ln.rate_cents)}¢" if ln.rate_cents is not None else "",
                 _usd(ln.amount_cents)]
        rows.append([_p(c, CELL_R if i in _NUMERIC else CELL) for i, c in enumerate(cells)])
    if not log.lines:
        rows.append([_p("No trips in this period.")] + [""] * (len(TRIP_HEADER) - 1))
    story.append(_table(rows, [w * width for w in _WIDTHS]))
    story += [Spacer(1, 10), _p("Totals", _style("h2", 10, bold=True)), Spacer(1, 3)]
    totals: list[list[Any]] = [[_p("Rate period", HEAD), _p("Trips", HEAD_R),
                                _p("Miles", HEAD_R), _p("IRS rate", HEAD_R),
                                _p("Amount", HEAD_R)]]
    for r in log.by_rate:
        totals.append([_p(f"From {r.effective_from:%Y-%m-%d}"), _p(str(r.trips), CELL_R),
                       _p(f"{r.miles:,.1f}", CELL_R), _p(f"{r.rate_cents:.1f}¢/mi", CELL_R),
                       _p(_usd(r.amount_cents), CELL_R)])
    bold_r = _style("boldr", 8, bold=True, align=2)
    totals.append([_p("Total", _style("bold", 8, bold=True)), _p(str(len(log.lines)), bold_r),
                   _p(f"{log.total_miles:,.1f}", bold_r), _p("", bold_r),
                   _p(_usd(log.total_amount_cents), bold_r)])
    story.append(_table(totals, [w * width for w in (0.3, 0.12, 0.16, 0.16, 0.2)],
                        zebra=False))
    if log.unrated_dates:
        story += [Spacer(1, 4), _p(f"{len(log.unrated_dates)} trip(s) have no IRS rate on file "
                                   "for their date; their amount is not included.", NOTE)]
    sources = "; ".join(f"{r.effective_from:%Y}: {r.source}" for r in log.by_rate if r.source)
    if sources:
        story += [Spacer(1, 6), _p(f"Rates: IRS business standard mileage rate ({sources}).",
                                   NOTE)]
    doc.build(story, canvasmaker=_numbered(size, f"Mileage log {log.date_from}..{log.date_to}"))
    return buf.getvalue()


def _numbered(size: tuple[float, float], label: str) -> Callable[..., Any]:
    page_w, _page_h = size

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.saveState()
                self.setFillColor(MUTED)
                self.setFont("Helvetica", 7)
                self.setStrokeColor(RULE)
                self.line(MARGIN, MARGIN + 8, page_w - MARGIN, MARGIN + 8)
                self.drawString(MARGIN, MARGIN - 2, label)
                self.drawRightString(page_w - MARGIN, MARGIN - 2,
                                     f"Page {self._pageNumber} of {total}")
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


def write_pdf(log: MileageLog, path: Path) -> None:
    _write(path, render_pdf(log))
