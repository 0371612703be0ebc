"""ASC X12 837P (005010X222A1) professional claims: one interchange for one payer (pure).

Contract: ``interchange(claims, env)`` returns the file's text: ISA/GS/ST envelope, BHT, 1000A
submitter (the practice, ``submitter_id``), 1000B receiver (``receiver_id``), one 2000A billing
provider (the practice: NPI, EIN, address, taxonomy), then per claim a 2000B subscriber (SBR,
2010BA, 2010BB payer with ``payer_id``), a 2000C patient when the patient is not the insured,
the 2300 claim (CLM01 = the claim's control number, total charge, POS:B:1, Y/A/Y/Y; DTP*431
onset, DTP*439 accident, REF*G1 prior authorization, HI ABK/ABF), 2310A referring provider,
2310B rendering provider when it is not the billing NPI, and 2400 lines (LX, SV1 with HC:code:
modifiers, charge, UN units, POS, numeric pointers; DTP*472). SE01 counts ST..SE, GE01 the
transaction sets, IEA01 the functional groups; ISA13 = GS06 = ``env.control_number``.
Separators: ``*`` element, ``:`` component, ``^`` repetition, ``~`` segment (one per line).
Free text is cleaned with ``core.domain.claims.x12_text``. The caller checks ``problems`` first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain.claims import InsuredRelationship, x12_text
from core.domain.practice import PayerProfile, Practice
from core.rules.claims.model import LETTERS, ClaimDraft, split_name

ELEMENT, COMPONENT, REPETITION, SEGMENT = "*", ":", "^", "~"


@dataclass(frozen=True)
class Envelope:
    payer: PayerProfile
    practice: Practice
    control_number: int  # ISA13 / GS06, 1..999999999
    created_at: dt.datetime
    contact_name: str = "BILLING"
    claim_numbers: Sequence[str] = ()  # CLM01 per claim, in the order of ``claims``


def _seg(*elements: str) -> str:
    parts = list(elements)
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return ELEMENT.join(parts) + SEGMENT


def _money(cents: int) -> str:
    text = f"{cents // 100}.{cents % 100:02d}"
    return text[:-3] if text.endswith(".00") else text.rstrip("0")


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def interchange(claims: Sequence[ClaimDraft], env: Envelope) -> str:
    if not claims:
        raise ValueError("an interchange needs at least one claim")
    payer, pr = env.payer, env.practice
    ctl = f"{env.control_number:09d}"
    sender = payer.submitter_id.ljust(15)
    receiver = payer.receiver_id.ljust(15)
    at = env.created_at
    head = [
        _seg("ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender, "ZZ", receiver,
             at.strftime("%y%m%d"), at.strftime("%H%M"), REPETITION, "00501", ctl, "1",
             "T" if payer.test_mode else "P", COMPONENT),
        _seg("GS", "HC", payer.submitter_id, payer.receiver_id, at.strftime("%Y%m%d"),
             at.strftime("%H%M"), str(env.control_number), "X", "005010X222A1"),
    ]
    body = [
        _seg("ST", "837", "0001", "005010X222A1"),
        _seg("BHT", "0019", "00", ctl, at.strftime("%Y%m%d"), at.strftime("%H%M"), "CH"),
        _seg("NM1", "41", "2", x12_text(pr.name)[:60], "", "", "", "", "46",
             payer.submitter_id),
        _seg("PER", "IC", x12_text(env.contact_name)[:60] or "BILLING", "TE",
             _digits(pr.phone)[-10:] or "0000000000"),
        _seg("NM1", "40", "2", x12_text(payer.receiver_name or payer.name)[:60], "", "", "",
             "", "46", payer.receiver_id),
        _seg("HL", "1", "", "20", "1"),
    ]
    if pr.taxonomy_code:
        body.append(_seg("PRV", "BI", "PXC", pr.taxonomy_code))
    body += [
        _seg("NM1", "85", "2", x12_text(pr.name)[:60], "", "", "", "", "XX", pr.npi or ""),
        _seg("N3", x12_text(pr.address_line1)[:55]),
        _seg("N4", x12_text(pr.city)[:30], pr.state, _digits(pr.postal_code)),
        _seg("REF", "EI", _digits(pr.tax_id or "")),
    ]
    hl = 1
    numbers = list(env.claim_numbers) or [f"{i + 1}" for i in range(len(claims))]
    for claim, number in zip(claims, numbers, strict=True):
        hl = _claim(body, claim, number, hl, pr)
    body.append(_seg("SE", str(len(body) + 1), "0001"))
    tail = [_seg("GE", "1", str(env.control_number)), _seg("IEA", "1", ctl)]
    return "\n".join(head + body + tail) + "\n"


def _claim(out: list[str], d: ClaimDraft, number: str, hl: int, pr: Practice) -> int:
    self_insured = d.relationship is InsuredRelationship.SELF
    sub_hl = hl + 1
    out.append(_seg("HL", str(sub_hl), "1", "22", "0" if self_insured else "1"))
    group = "" if d.is_medicare else x12_text(d.group_number)[:50]
    out.append(_seg("SBR", "P", "18" if self_insured else "", group, "", "", "", "", "",
                    d.filing_code))
    ins = d.insured
    out.append(_seg("NM1", "IL", "1", x12_text(ins.last_name)[:60], x12_text(ins.first_name)[:35],
                    "", "", "", "MI", x12_text(d.member_id)[:80]))
    if self_insured:
        _address(out, ins.address_line1, ins.city, ins.state, ins.postal_code)
        if ins.date_of_birth:
            out.append(_seg("DMG", "D8", f"{ins.date_of_birth:%Y%m%d}", ins.sex))
    payer = d.payer
    out.append(_seg("NM1", "PR", "2", x12_text(payer.name)[:60], "", "", "", "", "PI",
                    payer.payer_id))
    last = sub_hl
    if not self_insured:
        last = sub_hl + 1
        pt = d.patient
        out.append(_seg("HL", str(last), str(sub_hl), "23", "0"))
        out.append(_seg("PAT", d.relationship.value))
        out.append(_seg("NM1", "QC", "1", x12_text(pt.last_name)[:60],
                        x12_text(pt.first_name)[:35]))
        _address(out, pt.address_line1, pt.city, pt.state, pt.postal_code)
        if pt.date_of_birth:
            out.append(_seg("DMG", "D8", f"{pt.date_of_birth:%Y%m%d}", pt.sex))
    pos = d.lines[0].place_of_service
    causes = [c for c, on in (("EM", d.employment_related),
                              ("AA", d.auto_accident_state is not None),
                              ("OA", d.other_accident)) if on]
    padded = [*causes, "", "", ""][:3]
    related = COMPONENT.join([*padded, d.auto_accident_state or ""]).rstrip(COMPONENT)
    out.append(_seg("CLM", number, _money(d.charge_cents), "", "",
                    COMPONENT.join((pos, "B", d.resubmission or "1")), "Y", "A", "Y", "Y", "",
                    related))
    if d.onset_date:
        out.append(_seg("DTP", "431", "D8", f"{d.onset_date:%Y%m%d}"))
    if causes and d.accident_date and ("AA" in causes or "OA" in causes):
        out.append(_seg("DTP", "439", "D8", f"{d.accident_date:%Y%m%d}"))
    if d.prior_authorization:
        out.append(_seg("REF", "G1", x12_text(d.prior_authorization)[:50]))
    if d.resubmission and d.original_reference:  # the payer's number of the claim corrected
        out.append(_seg("REF", "F8", x12_text(d.original_reference)[:50]))
    codes = [code.replace(".", "") for _l, code in d.diagnoses]
    out.append(_seg("HI", *[COMPONENT.join(("ABK" if i == 0 else "ABF", c))
                           for i, c in enumerate(codes)]))
    referrer = _referrer(d)
    if referrer and d.referrer_qualifier == "DN":
        out.append(referrer)  # 2310A
    renderer = d.lines[0].rendering_npi
    if renderer and renderer != pr.npi:
        last_name, first = split_name(d.lines[0].rendering_name)
        out.append(_seg("NM1", "82", "1", x12_text(last_name)[:60] or "PROVIDER",
                        x12_text(first)[:35], "", "", "", "XX", renderer))  # 2310B
        if d.lines[0].rendering_taxonomy:
            out.append(_seg("PRV", "PE", "PXC", d.lines[0].rendering_taxonomy))
    if referrer and d.referrer_qualifier == "DQ":
        out.append(referrer)  # 2310D supervising provider
    pointer_of = {letter: str(LETTERS.index(letter) + 1) for letter, _c in d.diagnoses}
    for n, ln in enumerate(d.lines, start=1):
        out.append(_seg("LX", str(n)))
        proc = COMPONENT.join(("HC", ln.code, *ln.modifiers[:4]))
        if ln.description:  # SV101-7: an unlisted code's description of the service
            mods = [*ln.modifiers[:4], "", "", "", ""][:4]
            proc = COMPONENT.join(("HC", ln.code, *mods, x12_text(ln.description)[:80]))
        pointers = COMPONENT.join(pointer_of[x] for x in ln.pointers if x in pointer_of)
        out.append(_seg("SV1", proc, _money(ln.charge_cents), "UN", str(ln.units),
                        ln.place_of_service if ln.place_of_service != pos else "", "",
                        pointers))
        out.append(_seg("DTP", "472", "D8", f"{ln.date:%Y%m%d}"))
        if ln.rendering_npi and ln.rendering_npi != renderer:
            last_name, first = split_name(ln.rendering_name)
            out.append(_seg("NM1", "82", "1", x12_text(last_name)[:60] or "PROVIDER",
                            x12_text(first)[:35], "", "", "", "XX", ln.rendering_npi))
        if referrer and d.referrer_qualifier == "DK":
            out.append(referrer)  # 2420E ordering provider
    return last


def _referrer(d: ClaimDraft) -> str | None:
    """Item 17 as the NM1 of its loop (DN referring, DQ supervising, DK ordering)."""
    if not d.referrer_name:
        return None
    last_name, first = split_name(d.referrer_name)
    ident = ("XX", d.referrer_npi) if d.referrer_npi else ("", "")
    return _seg("NM1", d.referrer_qualifier, "1", x12_text(last_name)[:60],
                x12_text(first)[:35], "", "", "", *ident)


def _address(out: list[str], line1: str, city: str, state: str, postal: str) -> None:
    if line1 and city and state and postal:
        out.append(_seg("N3", x12_text(line1)[:55]))
        out.append(_seg("N4", x12_text(city)[:30], state.upper(), _digits(postal)))


def count_segments(text: str, first: str, last: str) -> int:
    """Segments from the one starting ``first`` to the one starting ``last`` (inclusive)."""
    segs = [s.strip() for s in text.split(SEGMENT) if s.strip()]
    start = next(i for i, s in enumerate(segs) if s.startswith(first + ELEMENT))
    end = next(i for i, s in enumerate(segs) if s.startswith(last + ELEMENT))
    return end - start + 1
