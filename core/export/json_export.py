"""The whole chart as one readable JSON document, for the user's own backup or migration.

The output is PHI by design (it is the user's data, exported at their request); the export is
audited. Structure: ``{"format", "version", "exported_at", "chart_id", "practice", "clinicians",
"payer_profiles", "fees", "mileage", "clock_entries", "patients": [{..., "payments" (refunds
included), "packages", "package_uses", "measure_scores", "episodes": [{..., "diagnoses",
"goals", "visits": [{..., "note": {..., "blocks", "untimed", "addenda"}}]}]}], "audit":
{"rows", "verified"}}``. Version 2 added the books (fees, payments, refunds, packages and
their uses, mileage, clock entries, measure scores): the export is the user's way out, whole.
Patients come in list order (last name, first name, birth date), an episode's visits by date
then start time. ``write_chart`` streams the document a batch of patients at a time (memory
does not grow with the chart); ``export_chart`` is the same document as one dict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import io
import uuid
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson

from core.storage.repos_export import PatientRecords
from core.storage.uow import UnitOfWork

FORMAT = "chartside-export"
VERSION = 2


_FIELDS: dict[type, tuple[str, ...] | None] = {}
_SCALARS = (str, int, float, bool)


def _plain(value: Any) -> Any:
    """Dataclasses, enums, ids and dates as JSON values. A dataclass goes through orjson (its
    C encoder knows dataclasses, UUIDs, dates and enums) and back, several times faster than
    walking it in Python; ``_plain_py`` is the same conversion in Python, the reference the
    tests hold it to and the fallback for a value orjson does not know."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        try:
            return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))
        except TypeError:
            pass
    return _plain_py(value)


def _plain_py(value: Any) -> Any:
    """Dataclasses, enums, ids and dates as JSON values (field names cached per class)."""
    if value is None or (isinstance(value, _SCALARS) and not isinstance(value, enum.Enum)):
        return value
    cls = type(value)
    try:
        names = _FIELDS[cls]
    except KeyError:
        names = _FIELDS[cls] = (tuple(f.name for f in dataclasses.fields(cls))
                                if dataclasses.is_dataclass(cls) else None)
    if names is not None:
        return {n: _plain_py(getattr(value, n)) for n in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain_py(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain_py(v) for k, v in value.items()}
    return value


def _fields(value: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict of the (unconverted) values, in field order."""
    cls = type(value)
    try:
        names = _FIELDS[cls]
    except KeyError:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    assert names is not None
    return {n: getattr(value, n) for n in names}


def _patient_doc(rec: PatientRecords) -> dict[str, Any]:
    """One element of ``patients``, still holding dataclasses (orjson converts them)."""
    doc = _fields(rec.patient)
    doc["payments"] = rec.payments
    doc["packages"] = rec.packages
    doc["package_uses"] = rec.package_uses
    doc["measure_scores"] = rec.measure_scores
    episodes = []
    for episode, visits in rec.episodes:
        ep = _fields(episode)
        out = []
        for visit, note in visits:
            v = _fields(visit)
            v["note"] = note
            out.append(v)
        ep["visits"] = out
        episodes.append(ep)
    doc["episodes"] = episodes
    return doc


_OPTS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS


def _encode(value: Any, depth: int) -> bytes:
    """``value`` as the indented JSON it has ``depth`` levels deep in the document (orjson
    directly, the Python walk for anything orjson does not know)."""
    try:
        raw = orjson.dumps(value, option=_OPTS)
    except TypeError:
        raw = orjson.dumps(_plain_py(value), option=_OPTS)
    # Newlines occur only between tokens (inside strings they are escaped as \n).
    return raw.replace(b"\n", b"\n" + b"  " * depth) if depth else raw


@dataclass(frozen=True, slots=True)
class Written:
    patients: int
    bytes: int


def write_chart(
    uow: UnitOfWork, chart_id: str, out: BinaryIO, *, exported_at: dt.datetime | None = None,
    batch_visits: int = 1000,
) -> Written:
    """Stream the export document to ``out`` inside the caller's unit of work (the caller
    audits it): the chart-wide lists, then the patients a batch at a time (each batch read in
    a fixed number of statements and written before the next is read), then the audit
    chain's verdict. Memory holds one batch (``batch_visits`` visits, or one larger patient),
    whatever the size of the chart. The bytes are those of ``dump_bytes`` of the whole
    document (two-space indent, UTF-8, final newline)."""
    reads = uow.export
    practice = uow.practice.get()
    clinicians = uow.clinicians.list()
    head = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": (exported_at or dt.datetime.now(dt.UTC)).isoformat(),
        "chart_id": chart_id,
        "practice": practice,
        "clinicians": clinicians,
        "payer_profiles": uow.payers.list(),
        "fees": reads.fees(),
        "mileage": reads.mileage(),
        "clock_entries": reads.clock_entries(c.id for c in clinicians),
    }
    written = 0

    def put(data: bytes) -> None:
        nonlocal written
        out.write(data)
        written += len(data)

    put(_encode(head, 0)[:-2] + b',\n  "patients": [')  # the head without its closing "\n}"
    patients = 0
    for batch in reads.patient_batches(batch_visits):
        for rec in reads.patients(batch):
            put((b",\n    " if patients else b"\n    ") + _encode(_patient_doc(rec), 2))
            patients += 1
    report = reads.verify_audit()
    tail = {"rows": report.rows, "verified": report.ok}
    put((b"\n  ]" if patients else b"]") + b',\n  "audit": ' + _encode(tail, 1) + b"\n}\n")
    return Written(patients, written)


def export_chart(uow: UnitOfWork, chart_id: str) -> dict[str, Any]:
    """The export document as one dict (for small uses: printing, tests); ``write_chart``
    streams the same document to a file."""
    buffer = io.BytesIO()
    write_chart(uow, chart_id, buffer)
    data: dict[str, Any] = orjson.loads(buffer.getvalue())
    return data


def dump_bytes(data: dict[str, Any]) -> bytes:
    """UTF-8 JSON indented by two spaces. orjson rather than ``json``: the standard library's
    C encoder is used only without ``indent``, and the pure-Python one took ~1 s per 1,000
    notes; orjson writes the same document in a few milliseconds."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def dumps(data: dict[str, Any]) -> str:
    return dump_bytes(data).decode("utf-8")
