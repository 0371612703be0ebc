"""Claims the practice files itself (issue 18): the CMS-1500 form and the 837P file.

Contract:
- Both start from the superbill's gathering (``superbill_gather.gather``: signed visits,
  per-day pricing, units, modifiers, side-matched diagnosis pointers, the claim scrub), then
  ``core.rules.claims.model.build_claims`` splits the lines by payer (cash lines are never on a
  claim). Blocking scrub findings raise ``ScrubBlocked`` (exit 8) — except the Medicare
  "claim route" finding, which is what this module answers; missing claim data raises
  ``ClaimIncomplete`` (exit 8) listing every missing fact. Nothing is written then.
- ``export_cms1500``: one patient, a date range, optionally one payer (by name or key; needed
  when the range has claims for two payers). Writes the PDF 0600 atomically; audited
  ``export`` (entity ``cms1500``, the patient's id, kinds and counts and the SHA-256, no PHI).
  ``mark_sent`` (paper filing): one claim per day of service, each on its own form with its
  claim number in item 26 (``paper_control_number_for``: the 14 places the item has, which the
  payer returns in the 835), saved as ``sent`` with the file in one transaction, as the 837P
  does; visits already on a claim of any status but ``reopened`` are left out (all of them:
  ``NothingToBill``). A
  preview shows the same forms with item 26 as without marking (numbers come with the save).
- ``export_837p``: every patient's signed, not yet claimed days in the range under one payer, one
  claim per patient per day; one interchange with the next control number (persisted, unique).
  The file is written 0600 atomically, then the batch and its claims are saved as ``sent`` and
  the file's SHA-256 goes in the audit log, all in one transaction: if the write fails nothing
  is marked sent, and if the commit fails the file is removed.
- ``update_payer_claim_ids``: the payer profile's clearinghouse ids and claims address.
- ``reopen_denied``: a denied claim set aside to be corrected (status ``reopened``): its visits
  are claimable again, and the next claim of them (form or file) is a corrected claim of it
  (``_corrections``: resubmission code 7 with the payer's claim number, 837P CLM05-3 and
  REF*F8, CMS-1500 item 22; ``Claim.replaces_id``). Only a denied claim can be reopened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.domain.billing import Superbill
from core.domain.changes import Changes
from core.domain.claims import Claim, ClaimBatch, ClaimStatus, paper_control_number_for
from core.domain.errors import InvalidInput, NotFound
from core.domain.ids import new_id
from core.domain.practice import PayerProfile
from core.export import cms1500_pdf
from core.rules.checks.codes import UNLISTED_FAMILY, unlisted_description
from core.rules.claims import cms1500, x837
from core.rules.claims.model import ClaimDraft, ClaimSources, build_claims, problems
from core.rules.context import effective_payer_rules
from core.rules.findings import Finding, blocking
from core.rules.packs import default_packs
from core.services.claim_scrub import NothingToBill, ScrubBlocked
from core.services.result import Result
from core.services.superbill import SuperbillRequest
from core.services.superbill_gather import gather
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

_ANSWERED_HERE = {"scrub.claim_route_required"}


class ClaimIncomplete(ScrubBlocked):
    """The claim lacks facts a payer needs (NPI, payer id, member id…). CLI exit code 8."""

    def __init__(self, items: list[str]) -> None:
        listed = "\n  - ".join(items)
        super().__init__(f"The claim cannot go out yet; missing:\n  - {listed}")
        self.items = items
        self.hint = "Fill these in (practice, payer profile, patient, plan of care) and retry."


@dataclass(frozen=True)
class Cms1500Request:
    patient_id: uuid.UUID
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    payer: str | None = None  # payer profile name or key
    mode: str = "plain"  # "plain" | "form" (print on the red form)
    offset: cms1500_pdf.Offset = cms1500_pdf.NO_OFFSET
    issued_on: dt.date | None = None
    mark_sent: bool = False  # paper filing: per-day claims saved as sent (see the top)

    def __post_init__(self) -> None:
        if self.mode not in cms1500_pdf.MODES:
            raise InvalidInput(f"The form mode is plain or form, not {self.mode!r}.")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InvalidInput("The date range ends before it starts.")


@dataclass(frozen=True)
class Cms1500Export:
    pdf: bytes
    pages: int
    claims: tuple[ClaimDraft, ...]
    path: Path | None = None
    sent: tuple[Claim, ...] = ()  # the claims saved as sent (``mark_sent``)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


@dataclass(frozen=True)
class Batch837:
    batch: ClaimBatch
    claims: tuple[Claim, ...]
    path: Path
    text: str


# -- CMS-1500 ---------------------------------------------------------------------------------
def preview_cms1500(chart: ChartSession, request: Cms1500Request) -> Cms1500Export:
    """The form's PDF without writing it (audited as a view)."""
    with chart.uow() as uow:
        export = _cms1500(uow, request)
        uow.record("view", "cms1500", request.patient_id, detail=_detail(export))
        uow.commit()
    return export


def export_cms1500(chart: ChartSession, request: Cms1500Request, out: Path, *,
                   now: dt.datetime | None = None) -> Result[Cms1500Export]:
    now = (now or dt.datetime.now()).replace(microsecond=0)
    with chart.uow() as uow:
        export = _cms1500(uow, request, sent_at=now if request.mark_sent else None)

        def record() -> None:
            if export.sent:
                uow.claims.save(list(export.sent))
                for c in export.sent:
                    uow.record("create", "claim", c.id)
            uow.record("export", "cms1500", request.patient_id,
                       detail=f"{_detail(export)} mode={request.mode} sent={len(export.sent)}")

        _write_atomically(Path(out), export.pdf, record)
        changes = _commit_or_remove(uow, Path(out))
    return Result(replace(export, path=Path(out)), changes)


def cms1500_test_page(out: Path, offset: cms1500_pdf.Offset) -> Path:
    """The red-form alignment page (no chart data)."""
    _write_atomically(Path(out), cms1500_pdf.test_page(offset), lambda: None)
    return Path(out)


def _detail(export: Cms1500Export) -> str:
    lines = sum(len(c.lines) for c in export.claims)
    return (f"claims={len(export.claims)} lines={lines} pages={export.pages} "
            f"sha256={export.sha256[:16]}")


def _cms1500(uow: UnitOfWork, request: Cms1500Request, *, sent_at: dt.datetime | None = None
             ) -> Cms1500Export:
    """The forms; ``sent_at``: also the per-day claims to save as sent at that time."""
    issued = request.issued_on or dt.date.today()
    bill, findings = gather(uow, SuperbillRequest(
        request.patient_id, date_from=request.date_from, date_to=request.date_to,
        issued_on=issued))
    _refuse_blocked(findings)
    drafts = _drafts(uow, bill, request.patient_id, per_day=request.mark_sent)
    payers = {d.payer.id: d.payer for d in drafts}
    if request.payer:
        wanted = _payer_named(list(payers.values()) or uow.payers.list(), request.payer)
        drafts = [d for d in drafts if d.payer.id == wanted.id]
    elif len(payers) > 1:
        names = ", ".join(sorted(p.name for p in payers.values()))
        raise InvalidInput(f"These visits bill more than one payer ({names}).",
                           hint="Choose one with --payer.")
    if not drafts:
        raise NothingToBill("No signed visit in this range bills an insurer.",
                            hint="Cash visits get a superbill; set the episode's payer.")
    if request.mark_sent:
        claimed = uow.claims.claimed_visits(v for d in drafts for v in d.visit_ids)
        drafts = [d for d in drafts if not any(v in claimed for v in d.visit_ids)]
        if not drafts:
            raise NothingToBill("Every visit of this range is on a claim sent already.",
                                hint="Print it again without marking it sent, or choose "
                                     "other dates.")
    drafts, replaces = _corrections(uow, drafts)
    _refuse_incomplete(drafts, for_file=False)
    # item 29: what the patient paid on these visits, when the form carries all of them
    if len(drafts) == 1 and len(drafts[0].lines) == len(bill.lines):
        drafts = [replace(drafts[0], paid_cents=max(bill.paid_cents, 0))]
    sent: list[Claim] = []
    if sent_at is not None:
        for i, d in enumerate(drafts):
            ident = new_id()
            sent.append(Claim(d.patient_id, d.episode_id, d.payer.id, d.service_date,
                              d.visit_ids, d.charge_cents, ClaimStatus.SENT, sent_at=sent_at,
                              id=ident, control_number=paper_control_number_for(ident),
                              replaces_id=replaces[i]))
    pages = [p for i, d in enumerate(drafts) for p in cms1500.form_pages(
        d, issued, account=sent[i].control_number if sent else None)]
    pdf = cms1500_pdf.render(pages, mode=request.mode, offset=request.offset)
    return Cms1500Export(pdf, len(pages), tuple(drafts), sent=tuple(sent))


# -- 837P -------------------------------------------------------------------------------------
def export_837p(
    chart: ChartSession, *, date_from: dt.date, date_to: dt.date, payer: str, out: Path,
    now: dt.datetime | None = None,
) -> Result[Batch837]:
    if date_to < date_from:
        raise InvalidInput("The date range ends before it starts.")
    now = (now or dt.datetime.now()).replace(microsecond=0)
    with chart.uow() as uow:
        profile = _payer_named(uow.payers.list(), payer)
        drafts: list[ClaimDraft] = []
        replaced: list[uuid.UUID | None] = []
        blocked: list[str] = []
        for patient_id in uow.claims.patients_seen(date_from, date_to):
            try:
                bill, findings = gather(uow, SuperbillRequest(
                    patient_id, date_from=date_from, date_to=date_to, issued_on=now.date()))
            except NothingToBill:
                continue
            mine = [d for d in _drafts(uow, bill, patient_id, per_day=True)
                    if d.payer.id == profile.id]
            claimed = uow.claims.claimed_visits(v for d in mine for v in d.visit_ids)
            mine = [d for d in mine if not any(v in claimed for v in d.visit_ids)]
            if not mine:
                continue
            mine, corrects = _corrections(uow, mine)
            replaced += corrects
            stops = [f for f in blocking(findings) if f.id not in _ANSWERED_HERE]
            blocked += [f"patient {patient_id.hex[:8]}: {f.message}" for f in stops]
            drafts += mine
        if not drafts and not blocked:
            raise NothingToBill(
                f"No signed, unclaimed visit from {date_from} to {date_to} bills {profile.name}.")
        items = blocked + [f"patient {d.patient_id.hex[:8]}, {item}" if item[:1].islower()
                           else item for d in drafts for item in problems(d, for_file=True)]
        if items:
            raise ClaimIncomplete(list(dict.fromkeys(items)))
        practice = drafts[0].practice
        assert practice is not None  # problems() refused a claim without one
        claims = [Claim(d.patient_id, d.episode_id, profile.id, d.service_date, d.visit_ids,
                        d.charge_cents, ClaimStatus.SENT, sent_at=now, replaces_id=r)
                  for d, r in zip(drafts, replaced, strict=True)]
        control = uow.claims.next_control_number()
        text = x837.interchange(drafts, x837.Envelope(
            profile, practice, control, now, claim_numbers=[c.control_number for c in claims]))
        data = text.encode("ascii")
        digest = hashlib.sha256(data).hexdigest()
        batch = ClaimBatch(profile.id, control, now, date_from, date_to, len(claims), digest,
                           Path(out).name)
        claims = [replace(c, batch_id=batch.id) for c in claims]

        def record() -> None:
            uow.claims.save_batch(batch)
            uow.claims.save(claims)
            uow.record("create", "claim_batch", batch.id)
            for c in claims:
                uow.record("create", "claim", c.id)
            uow.record("export", "claims", batch.id,
                       detail=f"kind=837p claims={len(claims)} control={control} "
                              f"sha256={digest}")

        _write_atomically(Path(out), data, record)
        changes = _commit_or_remove(uow, Path(out))
    return Result(Batch837(batch, tuple(claims), Path(out), text), changes)


def list_claims(chart: ChartSession, **filters: Any) -> list[Claim]:
    with chart.uow() as uow:
        return uow.claims.find(**filters)


# -- payer ids --------------------------------------------------------------------------------
def update_payer_claim_ids(chart: ChartSession, payer: str, **fields: Any
                           ) -> Result[PayerProfile]:
    allowed = {"payer_id", "submitter_id", "receiver_id", "receiver_name", "claim_filing_code",
               "address_line1", "city", "state", "postal_code", "test_mode"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"Not a payer claim field: {', '.join(sorted(unknown))}.")
    with chart.uow() as uow:
        current = _payer_named(uow.payers.list(), payer)
        data = {k: getattr(current, k) for k in current.__dataclass_fields__} | fields
        profile = PayerProfile(**data)
        uow.payers.save(profile)
        uow.record("update", "payer_profile", profile.id, detail=",".join(sorted(fields)))
        return Result(profile, uow.commit())


# -- helpers ----------------------------------------------------------------------------------
def _payer_named(profiles: list[PayerProfile], name: str) -> PayerProfile:
    key = name.strip().casefold()
    hits = [p for p in profiles if key in (p.name.casefold(), p.key.casefold())]
    if len(hits) != 1:
        known = ", ".join(sorted(p.name for p in profiles)) or "none"
        what = "No" if not hits else "More than one"
        raise NotFound(f"{what} payer profile named {name!r}.", hint=f"Payer profiles: {known}.")
    return hits[0]


def _refuse_blocked(findings: list[Finding]) -> None:
    stops = [f for f in blocking(findings) if f.id not in _ANSWERED_HERE]
    if stops:
        listed = "; ".join(f.message for f in stops[:6])
        raise ScrubBlocked(f"The claim scrub found problems: {listed}.", stops)


def _refuse_incomplete(drafts: list[ClaimDraft], *, for_file: bool) -> None:
    items = [item for d in drafts for item in problems(d, for_file=for_file)]
    if items:
        raise ClaimIncomplete(list(dict.fromkeys(items)))


def _drafts(uow: UnitOfWork, bill: Superbill, patient_id: uuid.UUID, *, per_day: bool
            ) -> list[ClaimDraft]:
    visits = uow.visits.get_many(bill.visit_ids)
    episodes = {eid: uow.episodes.get(eid) for eid in {v.episode_id for v in visits.values()}}
    packs = default_packs()
    unlisted = frozenset(ln.code for ln in bill.lines
                         if (info := packs.find_code(ln.code)) is not None
                         and info.family == UNLISTED_FAMILY)
    descriptions: dict[tuple[uuid.UUID, str], str] = {}
    if unlisted:
        notes = uow.billing.reads.notes_for_visits(
            list({ln.visit_id for ln in bill.lines if ln.code in unlisted}))
        for vid, note in notes.items():
            items: list[tuple[str, object]] = [(b.code, b.details) for b in note.blocks]
            items += [(u.code, u.details) for u in note.untimed]
            for code, details in items:
                text = unlisted_description(details)
                if code in unlisted and text:
                    descriptions.setdefault((vid, code), text)
    sources = ClaimSources(
        patient=uow.patients.get(patient_id), practice=uow.practice.get(),
        visit_episode={v.id: v.episode_id for v in visits.values()},
        visit_address={v.id: v.address for v in visits.values()},
        episodes=episodes, payers={p.id: p for p in uow.payers.list()},
        clinicians=uow.clinicians.list(), unlisted=unlisted, descriptions=descriptions,
    )
    return build_claims(bill, sources, per_day=per_day)


def _corrections(
    uow: UnitOfWork, drafts: list[ClaimDraft]
) -> tuple[list[ClaimDraft], list[uuid.UUID | None]]:
    """Drafts of visits whose last claim was a reopened denial become corrected claims of it:
    resubmission code 7 with the payer's number of the original when the payer gave one (an
    original the payer never numbered is filed as a new claim). Returns the drafts and, per
    draft, the id of the claim it replaces (or None)."""
    reopened = uow.claims.reopened_claims(v for d in drafts for v in d.visit_ids)
    packs = default_packs()
    out: list[ClaimDraft] = []
    replaces: list[uuid.UUID | None] = []
    used: set[uuid.UUID] = set()
    for d in drafts:
        originals = {reopened[v].id: reopened[v] for v in d.visit_ids if v in reopened}
        if len(originals) != 1 or next(iter(originals)) in used:
            # none; or the draft spans two reopened claims, or one reopened claim is split
            # over two drafts: no single claim to replace, so a new claim (frequency 1)
            out.append(d)
            replaces.append(None)
            continue
        original = next(iter(originals.values()))
        used.add(original.id)
        number = original.payer_claim_number.strip()
        correctable = (original.payer_profile_id == d.payer.id  # another payer: a new claim
                       and effective_payer_rules(packs, d.payer).accepts_corrected_claims)
        if number and correctable:
            d = replace(d, resubmission="7", original_reference=number)
        out.append(d)
        replaces.append(original.id)
    return out, replaces


def reopen_denied(chart: ChartSession, claim_id: uuid.UUID) -> Result[Claim]:
    """Set a denied claim aside to be corrected: its visits may be claimed again (CMS-1500 or
    837P), and that claim replaces this one. Audited; synced like every claim."""
    with chart.uow() as uow:
        claim = uow.claims.get(claim_id)
        if claim is None:
            raise NotFound("No claim with that id in this chart.",
                           hint="chartside claims list shows them.")
        claim.reopen()
        uow.claims.save([claim])
        uow.record("update", "claim", claim.id, detail="reopened for correction")
        return Result(claim, uow.commit())


def _commit_or_remove(uow: UnitOfWork, out: Path) -> Changes:
    try:
        return uow.commit()
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def _write_atomically(out: Path, data: bytes, record: Callable[[], None]) -> None:
    """Write ``out`` (0600) through a ``.part`` file; ``record`` runs once it is in place and
    the file is removed again if ``record`` fails (the caller's transaction then rolls back)."""
    part = out.with_name(out.name + ".part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise InvalidInput(
            f"Cannot write {out.name} in {out.parent}: {exc.strerror or 'write failed'}.",
            hint="Choose a folder that exists and that you can write to.") from exc
    try:
        os.replace(part, out)
        record()
    except BaseException:
        part.unlink(missing_ok=True)
        out.unlink(missing_ok=True)
        raise
