"""Render a ``core.domain.billing.Superbill`` as a printable PDF with reportlab (platypus).

Contract:
- ``render(bill, paper="letter"|"a4", logo=None) -> RenderedPdf(data, pages)``; pure apart from
  reportlab: no files, no clock. ``invariant=1`` fixes the creation date and document id, so the
  same superbill (including ``issued_on``) gives the same bytes.
- Real text in the standard Helvetica fonts (a PDF text extractor reads every element); the
  layout fits the narrower of US Letter and A4 (content width ≤ 515 pt).
- The service table repeats its header row on every page; pages 2+ also carry a running header
  ("… continued") and every page a footer with the superbill number and "Page n of N".
- Item numbers in parentheses are CMS-1500 (02/12) items; see docs/billing.md.
- Metadata hold no PHI: title "Superbill <number>", author the practice name, creator Chartside.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core.domain.billing import POS_LABELS, Superbill, format_cents

PAPER = {"letter": LETTER, "a4": A4}
MARGIN = 0.55 * inch
INK = colors.HexColor("#1f2a37")
MUTED = colors.HexColor("#5b6675")
RULE = colors.HexColor("#c7ced8")
BAND = colors.HexColor("#e8eef5")
ZEBRA = colors.HexColor("#f6f8fb")
SERVICE_HEADER = ("Date", "POS", "Code", "Description", "Modifiers", "Dx ptr",
                  "Units", "Charge", "Rendering NPI")
# Points, measured for 8 pt Helvetica (a date, "XU GP KX CQ", "$1,124.00", an NPI) plus padding;
# the description takes the rest and fits all but the longest labels on one line.
_FIXED = (47.0, 22.0, 30.0, None, 58.0, 30.0, 26.0, 46.0, 52.0)
_NUMERIC = (6, 7)  # Units, Charge: right-aligned


def _style(name: str, size: float = 8.5, *, bold: bool = False, color: Any = INK,
           align: int = 0, leading: float | None = None) -> ParagraphStyle:
    return ParagraphStyle(name, fontName="Helvetica-Bold" if bold else "Helvetica",
                          fontSize=size, leading=leading or size * 1.25, textColor=color,
                          alignment=align)


BODY = _style("body")
SMALL = _style("small", 7.5)
DESCRIPTION = _style("description", 7, leading=8.4)
MUTED_SMALL = _style("muted", 7.5, color=MUTED)
LABEL = _style("label", 7, bold=True, color=MUTED)
H_PRACTICE = _style("practice", 14, bold=True)
H_TITLE = _style("title", 16, bold=True, align=TA_RIGHT)
RIGHT = _style("right", 8.5, align=TA_RIGHT)
RIGHT_BOLD = _style("rightb", 9, bold=True, align=TA_RIGHT)
CELL = _style("cell", 8)
CELL_HEAD = _style("cellh", 7.5, bold=True)
CELL_HEAD_R = _style("cellhr", 7.5, bold=True, align=TA_RIGHT)


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    data: bytes
    pages: int


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _date(day: Any) -> str:
    return day.strftime("%m/%d/%Y") if day else ""


def render(bill: Superbill, *, paper: str = "letter", logo: bytes | None = None) -> RenderedPdf:
    size = PAPER[paper]
    width = min(LETTER[0], A4[0]) - 2 * MARGIN
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=size, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 10,
        bottomMargin=MARGIN + 18, invariant=1, title=f"Superbill {bill.number}",
        author=bill.provider.name, creator="Chartside", subject="Superbill",
    )
    story: list[Flowable] = []
    story += _heading(bill, width, logo)
    story += _parties(bill, width)
    story += _diagnoses(bill, width)
    story += _services(bill, width)
    story += _totals(bill, width)
    story += _payments(bill, width)
    story += _attestation(bill, width)
    doc.build(story, canvasmaker=_numbered_canvas(bill, size))
    return RenderedPdf(buf.getvalue(), doc.page)


# -- sections ---------------------------------------------------------------------------------
def _box_table(rows: Sequence[Sequence[Any]], widths: Sequence[float], **extra: Any) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT", **extra)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _heading(bill: Superbill, width: float, logo: bytes | None) -> list[Flowable]:
    pr = bill.provider
    left: list[Flowable] = []
    if logo:
        reader = ImageReader(io.BytesIO(logo))
        w, h = reader.getSize()
        scale = min(1.8 * inch / w, 0.55 * inch / h)
        img = Image(io.BytesIO(logo), width=w * scale, height=h * scale)
        img.hAlign = "LEFT"
        left += [img, Spacer(1, 4)]
    left += [_p(pr.name, H_PRACTICE), _p("\n".join(pr.address_lines), BODY)]
    if pr.phone:
        left.append(_p(f"Phone {pr.phone}"))
    kind = "Statement of services" if bill.is_statement else "Single visit"
    period = (_date(bill.period_from) if bill.period_from == bill.period_to
              else f"{_date(bill.period_from)} - {_date(bill.period_to)}")
    right = [
        _p("SUPERBILL", H_TITLE), _p(kind, RIGHT),
        _p(f"Superbill no. {bill.number}", RIGHT), _p(f"Statement date {_date(bill.issued_on)}",
                                                       RIGHT),
        _p(f"Dates of service {period}", RIGHT),
    ]
    table = _box_table([[left, right]], [width * 0.6, width * 0.4])
    table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 1.2, INK),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return [table, Spacer(1, 6)]


def _field(label: str, value: str | None) -> list[Paragraph]:
    return [_p(label, LABEL), _p(value or "-", BODY)]


def _card(title: str, fields: list[tuple[str, str | None]], width: float) -> Table:
    rows: list[list[Any]] = [[_p(title, CELL_HEAD), ""]]
    pairs = [fields[i : i + 2] for i in range(0, len(fields), 2)]
    for pair in pairs:
        rows.append([_field(*pair[0]), _field(*pair[1]) if len(pair) > 1 else ""])
    table = _box_table(rows, [width / 2, width / 2])
    table.setStyle(TableStyle([
        ("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 0), BAND),
        ("BOX", (0, 0), (-1, -1), 0.6, RULE),
    ]))
    return table


def _parties(bill: Superbill, width: float) -> list[Flowable]:
    half = (width - 8) / 2
    pr, pt = bill.provider, bill.patient
    billing = _card("Billing provider (items 25, 32, 33)", [
        ("Practice", pr.name), ("Group NPI (33a)", pr.npi),
        ("Address", ", ".join(pr.address_lines)), ("EIN / tax id (25)", pr.tax_id),
        *([("Taxonomy (33b)", f"ZZ {pr.taxonomy_code}")] if pr.taxonomy_code else []),
        *([("License no.", pr.license_number)] if pr.license_number else []),
    ], half)
    rendering_fields: list[tuple[str, str | None]] = []
    for r in bill.renderers:
        name = f"{r.name}, {r.credentials}" if r.credentials else r.name
        rendering_fields += [("Clinician", name), ("NPI (24J)", r.npi),
                             ("License no.", r.license_number), ("Discipline", r.discipline)]
    rendering = _card("Rendering provider (items 24J, 31)", rendering_fields, half)
    patient = _card("Patient and insured (items 1a, 2, 3, 5, 11)", [
        ("Patient name (2)", pt.name), ("Date of birth, sex (3)",
                                        f"{_date(pt.date_of_birth)}   {pt.sex}"),
        ("Address (5)", ", ".join(pt.address_lines)), ("Phone", pt.phone),
        ("Insurance", pt.insurance_name), ("Member id (1a)", pt.member_id),
        *([("Group no. (11)", pt.group_number)] if pt.group_number else []),
    ], half)
    ref_fields: list[tuple[str, str | None]] = []
    for ref in bill.referrers or ():
        ref_fields += [("Referring provider (17)", ref.name), ("NPI (17b)", ref.npi)]
    referring = _card("Referring provider (items 17, 17b)", ref_fields or [("Referring provider",
                                                                           "None on file")], half)
    grid = _box_table([[billing, rendering], [patient, referring]], [half + 8, half])
    grid.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return [grid]


def _diagnoses(bill: Superbill, width: float) -> list[Flowable]:
    rows: list[list[Any]] = [[_p("Ptr", CELL_HEAD), _p("ICD-10-CM", CELL_HEAD),
                              _p("Diagnosis (item 21)", CELL_HEAD)]]
    rows += [[_p(d.letter, CELL), _p(d.code, CELL), _p(d.description, CELL)]
             for d in bill.diagnoses]
    table = _box_table(rows, [width * 0.06, width * 0.14, width * 0.80], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), BAND), ("BOX", (0, 0), (-1, -1), 0.6, RULE),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
    ]))
    return [table, Spacer(1, 8)]


def _services(bill: Superbill, width: float) -> list[Flowable]:
    rest = width - sum(w for w in _FIXED if w)
    cache: dict[str, Any] = {}

    def describe(text: str) -> Any:
        """A plain string when it fits on one line (fast), else a wrapping paragraph."""
        if text not in cache:
            fits = stringWidth(text, "Helvetica", 7) <= rest - 6
            cache[text] = text if fits else None
        return cache[text] if cache[text] is not None else _p(text, DESCRIPTION)

    head = [_p(h, CELL_HEAD_R if i in _NUMERIC else CELL_HEAD)
            for i, h in enumerate(SERVICE_HEADER)]
    rows: list[list[Any]] = [head]
    shade: list[tuple[Any, ...]] = []
    visit_index, last = -1, None
    for ln in bill.lines:
        if ln.visit_id != last:
            visit_index, last = visit_index + 1, ln.visit_id
        if visit_index % 2:
            shade.append(("BACKGROUND", (0, len(rows)), (-1, len(rows)), ZEBRA))
        # Plain strings (drawn by the table, no paragraph layout) keep a 400-line statement
        # fast; only the description wraps.
        rows.append([
            _date(ln.date), ln.place_of_service, ln.code, describe(ln.description),
            " ".join(ln.modifiers), ln.pointers, str(ln.units), format_cents(ln.charge_cents),
            ln.rendering_npi or "-",
        ])
    table = Table(rows, colWidths=[w or rest for w in _FIXED], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8), ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("ALIGN", (_NUMERIC[0], 1), (_NUMERIC[-1], -1), "RIGHT"),
        ("BACKGROUND", (0, 0), (-1, 0), BAND), ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("FONT", (3, 1), (3, -1), "Helvetica", 7), ("TOPPADDING", (3, 1), (3, -1), 3),
        *shade,  # the 7 pt description sits on the 8 pt baseline
    ]))
    caption = _p("Services (items 24A-24J). POS: " + "; ".join(
        f"{k} {v.lower()}" for k, v in POS_LABELS.items()) + ".", MUTED_SMALL)
    return [_p("Services", _style("h2", 10, bold=True)), Spacer(1, 2), table, Spacer(1, 2),
            caption, Spacer(1, 6)]


def _totals(bill: Superbill, width: float) -> list[Flowable]:
    rows = [["Total charges (item 28)", format_cents(bill.charges_cents)]]
    if bill.adjustments_cents:
        rows.append(["Package discount", format_cents(-bill.adjustments_cents)])
    if bill.written_off_cents:
        rows.append(["Adjustments and write-offs", format_cents(-bill.written_off_cents)])
    rows += [["Amount paid (item 29)", format_cents(bill.paid_cents)],
             ["Balance due", format_cents(bill.balance_cents)]]
    cells = [[_p(a, RIGHT), _p(b_, RIGHT)] for a, b_ in rows[:-1]]
    cells.append([_p(rows[-1][0], RIGHT_BOLD), _p(rows[-1][1], RIGHT_BOLD)])
    table = Table(cells, colWidths=[width * 0.3, width * 0.15], hAlign="RIGHT")
    table.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
                               ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return [KeepTogether([table]), Spacer(1, 6)]


def _payments(bill: Superbill, width: float) -> list[Flowable]:
    out: list[Flowable] = []
    if bill.payments:
        rows: list[list[Any]] = [[_p("Date", CELL_HEAD), _p("Payments received", CELL_HEAD),
                                  _p("Amount", _style("ph", 7.5, bold=True, align=2))]]
        rows += [[_p(_date(p.date), CELL), _p(p.description, CELL),
                  _p(format_cents(p.amount_cents), _style("pa", 8, align=2))]
                 for p in bill.payments]
        table = _box_table(rows, [width * 0.15, width * 0.6, width * 0.25], repeatRows=1)
        table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), BAND),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE)]))
        out += [table, Spacer(1, 6)]
    tail = " Please reimburse the patient directly: benefits are not assigned to the provider."
    if bill.paid_cents and bill.balance_cents <= 0:
        text = "The patient has paid the provider in full for these services." + tail
    elif bill.paid_cents:
        text = (f"The patient has paid the provider {format_cents(bill.paid_cents)} for these "
                f"services; {format_cents(bill.balance_cents)} remains due." + tail)
    else:
        text = ("No payment has been received for these services yet; the balance is due from "
                "the patient." + tail)
    out += [_p(text, _style("note", 8.5, bold=True)), Spacer(1, 6)]
    return out


def _attestation(bill: Superbill, width: float) -> list[Flowable]:
    """The certification and one signature line per rendering clinician, never split."""
    parts: list[Flowable] = [_p(
        "I certify that the services listed above were medically necessary and were personally "
        "furnished by me or under my direct supervision, and that the information on this form "
        "is true, accurate and complete. Signed notes documenting each service are on file.",
        SMALL), Spacer(1, 6)]
    for r in bill.renderers:
        name = f"{r.name}, {r.credentials}" if r.credentials else r.name
        sig = Table(
            [["", "", ""],
             [_p(f"Signature of {name} (item 31)   NPI {r.npi or '-'}   License "
                 f"{r.license_number or '-'}", MUTED_SMALL), "", _p("Date", MUTED_SMALL)]],
            colWidths=[width * 0.62, width * 0.06, width * 0.32], rowHeights=[20, None],
            hAlign="LEFT")
        sig.setStyle(TableStyle([
            ("LINEABOVE", (0, 1), (0, 1), 0.7, INK), ("LINEABOVE", (2, 1), (2, 1), 0.7, INK),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 1), (-1, 1), 2),
        ]))
        parts += [sig, Spacer(1, 4)]
    return [KeepTogether(parts)]


# -- page furniture ---------------------------------------------------------------------------
def _numbered_canvas(bill: Superbill, size: tuple[float, float]) -> Callable[..., Any]:
    """A canvas class that defers pages to draw the running header and "Page n of N"."""
    page_w, page_h = size
    patient = f"{bill.patient.name} (DOB {_date(bill.patient.date_of_birth)})"

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
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            n = self._pageNumber
            self.saveState()
            self.setFillColor(MUTED)
            self.setFont("Helvetica", 7.5)
            if n > 1:
                self.drawString(MARGIN, page_h - MARGIN,
                                f"{bill.provider.name} - Superbill {bill.number} (continued)")
                self.drawRightString(page_w - MARGIN, page_h - MARGIN, f"Patient: {patient}")
            self.setStrokeColor(RULE)
            self.line(MARGIN, MARGIN + 10, page_w - MARGIN, MARGIN + 10)
            self.drawString(MARGIN, MARGIN, f"Superbill {bill.number}   Patient: {patient}")
            self.drawRightString(page_w - MARGIN, MARGIN, f"Page {n} of {total}")
            self.restoreState()

    return NumberedCanvas
