"""Superbills: gather signed visits, price them, run the claim scrub, render, audit.

Contract:
- ``SuperbillRequest``: one patient and either one visit, or an inclusive date range (either end
  open), or neither (every visit). Only held visits whose note is **signed** appear; drafts are
  counted in a ``scrub.unsigned_excluded`` finding. No signed visit → ``NothingToBill``.
- Lines: one per code per day of service (CMS-1500 24A–24J). Units come from
  ``core.rules.units`` by the episode payer's method over the day, modifiers from
  ``core.rules.modifiers.modifiers_for`` (59/X only where ``core.rules.lines`` allows, CQ/CO,
  GP/GO/GN, KX, then RT/LT/50; at most 4), charges from the fee schedule
  (``core.services.pricing``). KX: the year-to-date amount is the patient's Medicare allowed
  amounts this year (``core.services.allowed``).
- Diagnosis pointers: the line's side matched to the plan's sided diagnoses (right/left also
  match bilateral; bilateral matches any side), else the episode's primary diagnosis; ≤ 4.
  Letters are the superbill's own A–L over the episodes' diagnoses in plan order.
- ``preview_superbill`` (audited ``view``), ``export_superbill`` (``export``; writes the file
  0600, atomically) and ``print_superbill`` (``print``) each run in one unit of work. Blocking
  scrub findings raise ``ScrubBlocked`` unless ``override_reason`` is given: then an ``override``
  row records the finding ids and the cleaned reason (``claim_scrub.clean_override_reason``).
  Audit details carry kinds and counts only; the entity id is the patient's id.
- A payer with mandatory claim submission (Medicare) never gets a superbill: the preview carries
  ``scrub.claim_route_required`` and export/print raise ``ClaimRouteRequired`` (exit 8), with
  or without an override reason.
- The same chart state, request and ``issued_on`` give the same PDF bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.domain import billing as b
from core.domain.errors import InvalidInput, NotFound
from core.export import superbill_pdf
from core.rules.findings import Finding, blocking
from core.rules.scrub import ClaimRouteRequired, ScrubBlocked, clean_override_reason
from core.services.result import Result
from core.services.superbill_gather import diagnosis_pointers, gather
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

__all__ = [
    "ExportRecord", "SuperbillExport", "SuperbillPreview", "SuperbillRequest",
    "diagnosis_pointers", "export_superbill", "gather", "list_exports", "preview_superbill",
    "print_superbill",
]


@dataclass(frozen=True)
class SuperbillRequest:
    patient_id: uuid.UUID
    visit_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    paper: str = "letter"  # "letter" | "a4"
    issued_on: dt.date | None = None  # the statement date (default: today)

    def __post_init__(self) -> None:
        if self.paper not in superbill_pdf.PAPER:
            raise InvalidInput(f"Paper must be letter or A4, not {self.paper!r}.")
        if self.visit_id and (self.date_from or self.date_to):
            raise InvalidInput("Ask for one visit or a date range, not both.")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InvalidInput("The date range ends before it starts.")


@dataclass(frozen=True)
class SuperbillPreview:
    superbill: b.Superbill
    findings: tuple[Finding, ...]
    pdf: bytes
    pages: int

    @property
    def blocking(self) -> list[Finding]:
        return blocking(self.findings)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    def audit_detail(self) -> str:
        bill = self.superbill
        kind = "statement" if bill.is_statement else "visit"
        return (f"kind={kind} visits={len(bill.visit_ids)} lines={len(bill.lines)} "
                f"pages={self.pages} sha256={self.sha256[:16]}")


@dataclass(frozen=True)
class SuperbillExport:
    preview: SuperbillPreview
    path: Path
    overridden: tuple[str, ...] = ()


# -- public use cases -------------------------------------------------------------------------
def preview_superbill(chart: ChartSession, request: SuperbillRequest) -> Result[SuperbillPreview]:
    """Build, scrub and render without exporting (audited as a view)."""
    with chart.uow() as uow:
        preview = _build(uow, request)
        uow.record("view", "superbill", request.patient_id, detail=preview.audit_detail())
        return Result(preview, uow.commit())


def export_superbill(
    chart: ChartSession, request: SuperbillRequest, out: Path, *, override_reason: str | None = None
) -> Result[SuperbillExport]:
    """Write the PDF to ``out`` (owner-only permissions) and audit the export."""
    out = Path(out)
    with chart.uow() as uow:
        preview = _build(uow, request)
        overridden = _override(uow, request, preview, override_reason)
        part = out.with_name(out.name + ".part")
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(preview.pdf)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise InvalidInput(
                f"Cannot write the PDF in {out.parent}: {exc.strerror or 'write failed'}.",
                hint="Choose a folder that exists and that you can write to.",
            ) from exc
        try:
            os.replace(part, out)
            uow.record("export", "superbill", request.patient_id,
                       detail=f"{preview.audit_detail()} paper={request.paper}")
            changes = uow.commit()
        except BaseException:
            part.unlink(missing_ok=True)
            out.unlink(missing_ok=True)
            raise
    return Result(SuperbillExport(preview, out, overridden), changes)


def print_superbill(
    chart: ChartSession, request: SuperbillRequest, *, override_reason: str | None = None
) -> Result[SuperbillPreview]:
    """The PDF to send to a printer; audited as a print (call it when the user confirmed)."""
    with chart.uow() as uow:
        preview = _build(uow, request)
        _override(uow, request, preview, override_reason)
        uow.record("print", "superbill", request.patient_id,
                   detail=f"{preview.audit_detail()} paper={request.paper}")
        return Result(preview, uow.commit())


def _override(
    uow: UnitOfWork, request: SuperbillRequest, preview: SuperbillPreview, reason: str | None
) -> tuple[str, ...]:
    route = [f for f in preview.findings if f.id == "scrub.claim_route_required"]
    if route:  # no reason makes a Medicare superbill right
        raise ClaimRouteRequired(route[0].message, hint=route[0].fix)
    blockers = preview.blocking
    if not blockers:
        return ()
    ids = tuple(sorted({f.id for f in blockers}))
    cleaned = clean_override_reason(reason, uow.patients.get(request.patient_id))
    if len(re.sub(r"\[(redacted|number)\]|\W", "", cleaned)) < 4:  # nothing but identifiers
        listed = "; ".join(f.message for f in blockers[:4])
        why = ""
        if reason and reason.strip():
            why = (" The override reason was refused: once patient identifiers and long "
                   "numbers are removed it has fewer than 4 letters or digits. Say why the "
                   "problem does not stop this superbill, without identifiers.")
        raise ScrubBlocked(f"The claim scrub found problems: {listed}.{why}", blockers)
    uow.record("override", "superbill", request.patient_id,
               detail=f"findings={','.join(ids)} reason={cleaned}")
    return ids


def _build(uow: UnitOfWork, request: SuperbillRequest) -> SuperbillPreview:
    bill, findings = gather(uow, request)
    logo = uow.billing.assets.get("logo")
    rendered = superbill_pdf.render(bill, paper=request.paper, logo=logo[1] if logo else None)
    return SuperbillPreview(bill, tuple(findings), rendered.data, rendered.pages)




# -- what was exported when -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ExportRecord:
    """One audited superbill export, print or override (newest first in ``list_exports``)."""

    seq: int
    at: dt.datetime
    action: str  # "export" | "print" | "override"
    patient_id: uuid.UUID | None
    patient_name: str
    actor: str
    kind: str = ""  # "visit" | "statement"
    visits: int = 0
    pages: int = 0
    paper: str = ""
    sha256: str = ""
    findings: tuple[str, ...] = ()
    reason: str = ""


def _parse_detail(detail: str) -> dict[str, str]:
    head, _sep, reason = detail.partition(" reason=")
    out = dict(tok.split("=", 1) for tok in head.split() if "=" in tok)
    if _sep:
        out["reason"] = reason
    return out


def list_exports(
    chart: ChartSession, patient_id: uuid.UUID | None = None, *, limit: int = 200
) -> list[ExportRecord]:
    """Superbill exports, prints and overrides from the audit log, newest first."""
    out: list[ExportRecord] = []
    with chart.uow() as uow:
        names: dict[str, str] = {}
        for row in uow.billing.reads.superbill_events(patient_id, limit):
            if row["action"] not in ("export", "print", "override"):
                continue
            pid = row["entity_id"]
            if pid not in names:
                try:
                    names[pid] = uow.patients.get(uuid.UUID(pid)).display_name
                except (ValueError, NotFound):  # not a patient of this chart: no name
                    names[pid] = ""
            d = _parse_detail(row["detail"])
            out.append(ExportRecord(
                seq=row["seq"], at=dt.datetime.fromisoformat(row["at"]), action=row["action"],
                patient_id=uuid.UUID(pid) if names[pid] else None, patient_name=names[pid],
                actor=row["actor"], kind=d.get("kind", ""), visits=int(d.get("visits", 0)),
                pages=int(d.get("pages", 0)), paper=d.get("paper", ""),
                sha256=d.get("sha256", ""),
                findings=tuple(x for x in d.get("findings", "").split(",") if x),
                reason=d.get("reason", ""),
            ))
    return out
