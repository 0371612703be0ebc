"""The good-faith estimate as a PDF (reportlab; issue 18).

Contract: ``render(estimate, patient, practice) -> bytes`` — one or more letter pages with the
contents 45 CFR 149.610(c) asks for: the patient's name and date of birth; the expected services
with their codes, units, visits and charges; the provider's name, NPI, tax id and address; the
diagnosis codes; the period and date issued; the total; and the notices (an estimate, not a
contract; the right to dispute a bill $400 or more above it within 120 days; keep a copy).
Deterministic bytes (``invariant``) for the same inputs.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.domain.billing import format_cents
from core.domain.estimates import GoodFaithEstimate
from core.domain.patient import Patient
from core.domain.practice import Practice

NOTICES = (
    "This Good Faith Estimate shows the costs of items and services that are reasonably "
    "expected for your plan of care. It is based on information known at the time the estimate "
    "was created. It is not a contract and does not require you to obtain the items or services "
    "listed.",
    "The estimate does not include unknown or unexpected costs that may arise during care. You "
    "could be charged more if complications or special circumstances occur, or if your plan of "
    "care changes. If this happens, you may ask for an updated estimate.",
    "If you are billed for more than this Good Faith Estimate, you have the right to dispute the "
    "bill. You may contact the provider to let them know the billed charges are higher than the "
    "estimate, ask them to update the bill to match it, ask to negotiate the bill, or ask if "
    "there is financial assistance available. You may also start a dispute resolution process "
    "with the U.S. Department of Health and Human Services (HHS) if the billed charges are $400 "
    "or more above this estimate. You must start the dispute process within 120 calendar days "
    "(about 4 months) of the date on the original bill. There is a $25 fee to use the process.",
    "For questions or more information about your right to a Good Faith Estimate or the dispute "
    "process, visit www.cms.gov/nosurprises or call 1-800-985-3059.",
    "Keep a copy of this Good Faith Estimate in a safe place or take pictures of it. You may "
    "need it if you are billed a higher amount.",
)


def render(estimate: GoodFaithEstimate, patient: Patient, practice: Practice | None) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=letter, invariant=True, title="Good Faith Estimate",
                            author="Chartside", leftMargin=0.75 * inch,
                            rightMargin=0.75 * inch, topMargin=0.7 * inch,
                            bottomMargin=0.7 * inch)
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8.5,
                                                                 leading=10.5)
    pr = practice
    provider = [pr.name if pr else "(practice details missing)"]
    if pr is not None:
        provider += [x for x in (pr.address_line1, f"{pr.city}, {pr.state} {pr.postal_code}"
                                 .strip(", "), pr.phone) if x.strip()]
        provider.append(f"NPI {pr.npi or '—'}   Tax id {pr.tax_id or '—'}")
    story = [
        Paragraph("Good Faith Estimate", styles["Title"]),
        Paragraph(f"Issued {estimate.issued_on:%m/%d/%Y} · for services from "
                  f"{estimate.period_from:%m/%d/%Y} to {estimate.period_to:%m/%d/%Y} "
                  f"({estimate.visits} expected visits)", body),
        Spacer(1, 8),
        Table([["Patient", "Provider"],
               [Paragraph(f"{patient.first_name} {patient.last_name}<br/>Date of birth "
                          f"{patient.date_of_birth:%m/%d/%Y}", body),
                Paragraph("<br/>".join(provider), body)]],
              colWidths=[3.3 * inch, 3.7 * inch],
              style=TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                                ("VALIGN", (0, 0), (-1, -1), "TOP")])),
        Spacer(1, 6),
        Paragraph("Diagnosis codes: " + (", ".join(estimate.diagnoses) or "not yet known"),
                  body),
        Spacer(1, 8),
    ]
    rows = [["Code", "Service", "Visits", "Units", "Fee / unit", "Expected charge"]]
    rows += [[ln.code, Paragraph(ln.label, small), str(ln.visits), str(ln.units),
              format_cents(ln.fee_cents), format_cents(ln.total_cents)]
             for ln in estimate.lines]
    rows.append(["", "Total estimated charges", "", "", "", format_cents(estimate.total_cents)])
    table = Table(rows, colWidths=[0.7 * inch, 2.9 * inch, 0.6 * inch, 0.6 * inch, 0.9 * inch,
                                   1.3 * inch], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story += [table, Spacer(1, 12), Paragraph("Disclaimer", styles["Heading3"])]
    story += [Paragraph(text, small) for text in NOTICES]
    doc.build(story)
    return buf.getvalue()
