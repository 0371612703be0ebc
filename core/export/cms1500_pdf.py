"""CMS-1500 (02/12) as PDF with reportlab: text on the red form, or a plain full form.

Contract:
- ``render(pages, mode=..., offset=...)``: ``mode="form"`` prints text only, for the pre-printed
  red form in the printer; ``mode="plain"`` also draws the form's outlines and item labels (for
  payers that accept an image of the form). Both put every item's text at the same place:
  column c, line l of the layout's grid is x = left + (c − 1)/10 in, baseline y = top + (l − 1)/6
  in + drop (``core.rules.claims.cms1500.layout``), moved by ``offset`` (millimetres right and
  down; a printer that feeds the form 1.5 mm low gets ``Offset(0, -1.5)``).
- ``test_page(offset)``: an alignment page for the red form: an X in the items whose boxes are
  easy to measure (1 Medicare, 27 YES, the first 24A row) and the offset it was printed with.
- Courier 10 pt (the form's 10-characters-per-inch grid); letter paper; deterministic bytes
  (``invariant``), so the same claim gives the same file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch, mm
from reportlab.pdfgen import canvas

from core.rules.claims.cms1500 import FormPage, Placed, layout

MODES = ("form", "plain")
_RED = (0.78, 0.12, 0.12)
_WIDTH_COLS = 80  # the form's printed width: columns 1–80 of the grid (8.0 in)


@dataclass(frozen=True, slots=True)
class Offset:
    """Per-printer shift in millimetres: right (x) and down (y)."""

    x_mm: float = 0.0
    y_mm: float = 0.0


NO_OFFSET = Offset()

def position(line: int, col: int, offset: Offset = NO_OFFSET) -> tuple[float, float]:
    """The text origin (x, baseline y) in PDF points, from the bottom-left of the page."""
    grid = layout()["grid"]
    x = grid["left_in"] * inch + (col - 1) * inch / grid["cpi"] + offset.x_mm * mm
    from_top = (grid["top_in"] * inch + (line - 1) * inch / grid["lpi"]
                + grid["baseline_drop_pt"] + offset.y_mm * mm)
    return x, letter[1] - from_top


def render(pages: list[FormPage], *, mode: str = "plain", offset: Offset = NO_OFFSET) -> bytes:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=True, pageCompression=1)
    c.setTitle("CMS-1500 claim")
    c.setAuthor("Chartside")
    for page in pages:
        if mode == "plain":
            _outline(c, page)
        _text(c, page.items, offset if mode == "form" else Offset())
        c.showPage()
    c.save()
    return buf.getvalue()


def test_page(offset: Offset = NO_OFFSET) -> bytes:
    fields = layout()["fields"]
    rows = layout()["service_rows"]
    items = [Placed(k, fields[k][0], fields[k][1], "X") for k in ("1_medicare", "27_yes", "20_no")]
    items.append(Placed("1a", fields["1a"][0], fields["1a"][1], "1A INSURED ID HERE"))
    items.append(Placed("2", fields["2"][0], fields["2"][1], "2 PATIENT NAME HERE"))
    col, _w = rows["columns"]["24A_from"]
    items.append(Placed("24A_from.1", rows["first_line"], col, "01 02 26"))
    col, _w = rows["columns"]["24J"]
    items.append(Placed("24J.1", rows["first_line"], col, "1234567893"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=True)
    c.setTitle("CMS-1500 alignment test")
    _text(c, items, offset)
    c.setFont("Helvetica", 8)
    note = (f"Chartside CMS-1500 alignment test. Printed with offset right {offset.x_mm:+.1f} mm, "
            f"down {offset.y_mm:+.1f} mm. Each X should sit in its box (1 Medicare, 20 NO, 27 "
            "YES); measure how far it is off and enter that as the printer offset.")
    y = 10.8 * inch
    for i in range(0, len(note), 110):
        c.drawString(0.5 * inch, y, note[i:i + 110])
        y -= 10
    c.showPage()
    c.save()
    return buf.getvalue()


def _text(c: canvas.Canvas, items: Any, offset: Offset) -> None:
    c.setFillColorRGB(0, 0, 0)
    c.setFont("Courier", 10)
    for item in items:
        x, y = position(item.line, item.col, offset)
        c.drawString(x, y, item.text)


def _outline(c: canvas.Canvas, page: FormPage) -> None:
    grid = layout()["grid"]
    col_w, line_h = inch / grid["cpi"], inch / grid["lpi"]
    left, top = grid["left_in"] * inch, letter[1] - grid["top_in"] * inch
    c.setStrokeColorRGB(*_RED)
    c.setFillColorRGB(*_RED)
    c.setLineWidth(0.5)
    c.setFont("Helvetica-Bold", 11)
    c.drawString(left, top - 5.9 * line_h, "HEALTH INSURANCE CLAIM FORM")
    c.setFont("Helvetica", 6)
    c.drawString(left, top - 5.2 * line_h,
                 "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12")
    if page.of > 1:
        c.drawRightString(left + _WIDTH_COLS * col_w, top - 5.9 * line_h,
                          f"PAGE {page.number} OF {page.of}")
    for _id, label, first, last, col_a, col_b in layout()["boxes"]:
        x0, x1 = left + (col_a - 1) * col_w, left + (col_b - 1) * col_w
        y_top, y_bottom = top - (first - 1) * line_h, top - last * line_h
        c.rect(x0, y_bottom + 2, x1 - x0, y_top - y_bottom - 2, stroke=1, fill=0)
        c.setFont("Helvetica", 5)
        c.drawString(x0 + 1.5, y_top - 5.5, label[: int((x1 - x0) / 2.3)])
    rows = layout()["service_rows"]
    for i in range(rows["count"]):
        line = rows["first_line"] + i * rows["step"]
        y_top, y_bottom = top - (line - 2) * line_h, top - line * line_h
        c.rect(left, y_bottom + 2, _WIDTH_COLS * col_w, y_top - y_bottom - 2, stroke=1, fill=0)
        c.setFillColorRGB(0.96, 0.88, 0.88)
        c.rect(left, y_top - line_h, _WIDTH_COLS * col_w, line_h - 1, stroke=0, fill=1)
        c.setFillColorRGB(*_RED)
        c.drawString(left - 6, y_bottom + 4, str(i + 1))
    c.setFont("Helvetica", 5)
    c.drawString(left, top - 62.5 * line_h,
                 "NUCC Instruction Manual available at: www.nucc.org   "
                 "PLEASE PRINT OR TYPE   (plain form rendered by Chartside)")
