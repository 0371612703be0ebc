"""ASC X12 835 (005010X221A1) remittance advice: read one file (pure).

Contract:
- ``parse_835(text)`` reads every interchange in ``text`` (separators from each ISA: element
  ISA[3], component ISA16, segment the character after ISA16) into ``Remittance``s: the payment
  (BPR02 total, BPR16 date), the trace number (TRN02), the payer (N1*PR) and per CLP a
  ``ClaimPayment`` (CLP01 our claim control number, CLP02 status, CLP03 charge, CLP04 paid,
  CLP05 patient responsibility, CLP07 the payer's claim number), its adjustments — claim-level
  CAS and every service line's CAS — as (group, reason, cents), and its remark codes (MOA, LQ*HE).
  Amounts become integer cents (a malformed amount raises ``RemittanceUnreadable``).
- ``adjustment_label(group, code)`` is our short wording from the code pack
  (``resources/claims/adjustment_codes.json``).
- ``write_835(...)`` writes a small, valid 835 — for tests and benchmarks, standing in for the
  payer (nothing in the app sends one).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

from core.domain.errors import InvalidInput

DENIED = "4"
REVERSAL = "22"
STATUS_LABELS = {"1": "processed as primary", "2": "processed as secondary",
                 "3": "processed as tertiary", "4": "denied", "19": "processed as primary, "
                 "forwarded", "20": "processed as secondary, forwarded",
                 "22": "reversal of a previous payment", "23": "not our claim, forwarded"}


class RemittanceUnreadable(InvalidInput):
    """The file is not an 835 we can read (exit 2)."""


@dataclass(frozen=True, slots=True)
class Adjustment:
    group: str  # CO | PR | OA | PI | CR
    reason: str  # CARC
    cents: int


@dataclass(frozen=True)
class ClaimPayment:
    control_number: str
    status: str
    charge_cents: int
    paid_cents: int
    patient_responsibility_cents: int
    payer_claim_number: str
    adjustments: tuple[Adjustment, ...] = ()
    remarks: tuple[str, ...] = ()

    @property
    def denied(self) -> bool:
        return self.status == DENIED

    def adjusted(self, *groups: str) -> int:
        return sum(a.cents for a in self.adjustments if a.group in groups)


@dataclass(frozen=True)
class Remittance:
    trace_number: str
    payer: str
    paid_cents: int
    paid_on: dt.date | None
    claims: tuple[ClaimPayment, ...] = field(default=())


def _cents(text: str) -> int:
    try:
        return int((Decimal(text or "0") * 100).to_integral_value())
    except InvalidOperation:
        raise RemittanceUnreadable(f"{text!r} is not an amount in this 835.") from None


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def parse_835(text: str) -> list[Remittance]:
    body = text.lstrip()
    if not body.startswith("ISA") or len(body) < 106:
        raise RemittanceUnreadable("This is not an X12 file (it does not start with ISA).",
                                   hint="Choose the 835 remittance (ERA) file from the payer.")
    element, component, terminator = body[3], body[104], body[105]
    segments = [s.strip().split(element) for s in body.split(terminator) if s.strip()]
    if not any(s[0] == "ST" and len(s) > 1 and s[1] == "835" for s in segments):
        raise RemittanceUnreadable("This X12 file holds no 835 remittance.",
                                   hint="An 837 is a claim file; the payer's answer is an 835.")
    out: list[Remittance] = []
    state: dict[str, Any] = {}
    claims: list[dict[str, Any]] = []

    def close_transaction() -> None:
        if state:
            out.append(Remittance(state.get("trace", ""), state.get("payer", ""),
                                  state.get("paid", 0), state.get("date"),
                                  tuple(_claim(c) for c in claims)))
        state.clear()
        claims.clear()

    in_claim = False
    for seg in segments:
        tag = seg[0]
        get = (lambda i, s=seg: s[i] if len(s) > i else "")  # noqa: E731
        if tag == "ST":
            close_transaction()
            state["open"] = True
            in_claim = False
        elif tag == "BPR":
            state["paid"] = _cents(get(2))
            state["date"] = _date(get(16))
        elif tag == "TRN":
            state["trace"] = get(2)
        elif tag == "N1" and get(1) == "PR":
            state["payer"] = get(2)
        elif tag == "CLP":
            in_claim = True
            claims.append({"seg": seg, "adj": [], "remarks": []})
        elif tag == "CAS" and in_claim:
            group = get(1)
            for i in range(2, len(seg) - 1, 3):
                if seg[i]:
                    claims[-1]["adj"].append(Adjustment(group, seg[i], _cents(seg[i + 1])))
        elif tag == "MOA" and in_claim:
            claims[-1]["remarks"] += [x for x in seg[3:8] if x]
        elif tag == "LQ" and in_claim and get(1) == "HE":
            claims[-1]["remarks"].append(get(2))
        elif tag in ("SE", "PLB"):
            in_claim = False
            if tag == "SE":
                close_transaction()
    close_transaction()
    del component  # composites are not read: SVC01 is shown as sent
    return out


def _claim(raw: dict[str, Any]) -> ClaimPayment:
    s = raw["seg"]
    get = (lambda i: s[i] if len(s) > i else "")  # noqa: E731
    return ClaimPayment(get(1), get(2), _cents(get(3)), _cents(get(4)), _cents(get(5)),
                        get(7), tuple(raw["adj"]), tuple(dict.fromkeys(raw["remarks"])))


@lru_cache(maxsize=1)
def _codes() -> dict[str, Any]:
    raw = resources.files("resources.claims").joinpath("adjustment_codes.json")
    data: dict[str, Any] = json.loads(raw.read_text(encoding="utf-8"))
    return data


def adjustment_label(group: str, code: str) -> str:
    codes = _codes()
    reason = codes["carc"].get(code, f"reason {code}")
    return f"{group}-{code}: {reason} ({codes['groups'].get(group, group)})"


def remark_label(code: str) -> str:
    return f"{code}: {_codes()['rarc'].get(code, 'remark')}"


# -- a stand-in payer, for tests and benchmarks ------------------------------------------------
@dataclass(frozen=True)
class PaidClaim:
    control_number: str
    charge_cents: int
    paid_cents: int
    status: str = "1"
    adjustments: Sequence[Adjustment] = ()
    payer_claim_number: str = ""


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def write_835(claims: Sequence[PaidClaim], *, trace: str, paid_on: dt.date,
              payer: str = "DEMO PAYER", payee_npi: str = "1234567893",
              control: int = 1) -> str:
    ctl = f"{control:09d}"
    total = sum(c.paid_cents for c in claims)
    segs = [
        f"ISA*00*          *00*          *ZZ*{'DEMOPAYER':<15}*ZZ*{'DEMOSUB001':<15}*"
        f"{paid_on:%y%m%d}*1200*^*00501*{ctl}*0*T*:",
        f"GS*HP*DEMOPAYER*DEMOSUB001*{paid_on:%Y%m%d}*1200*{control}*X*005010X221A1",
        "ST*835*0001",
        f"BPR*I*{_money(total)}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA"
        f"*98765*{paid_on:%Y%m%d}",
        f"TRN*1*{trace}*1512345678",
        f"DTM*405*{paid_on:%Y%m%d}",
        f"N1*PR*{payer}",
        "N3*PO BOX 1",
        "N4*SALEM*OR*97301",
        "PER*BL*CLAIMS*TE*5035550100",
        "N1*PE*DEMO PRACTICE*XX*" + payee_npi,
        "LX*1",
    ]
    for n, c in enumerate(claims, start=1):
        pr = sum(a.cents for a in c.adjustments if a.group == "PR")
        segs.append(f"CLP*{c.control_number}*{c.status}*{_money(c.charge_cents)}*"
                    f"{_money(c.paid_cents)}*{_money(pr) if pr else ''}*12*"
                    f"{c.payer_claim_number or f'PCN{n:06d}'}*11*1")
        for a in c.adjustments:
            segs.append(f"CAS*{a.group}*{a.reason}*{_money(a.cents)}")
        segs.append("NM1*QC*1*PATIENT*NOT NAMED")  # a stand-in: no patient's name in tests
    segs.append(f"SE*{len(segs) - 2 + 1}*0001")
    segs += [f"GE*1*{control}", f"IEA*1*{ctl}"]
    return "~\n".join(segs) + "~\n"
