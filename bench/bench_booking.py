"""Online booking (issue 19): the booking page's first load and the server's time for it.

The real app in process (``TestClient``) on an SQLite file, one practice with a published page
of 3 clinicians × 14 days × 2 services (every 30 min, 8–12 and 13–17: ~1,300 slots) and 40
requests holding slots. Figures (medians, same run): the bytes of a first load (HTML, CSS,
script and the availability JSON, raw and gzip-compressed — the server sends them raw; a
reverse proxy compresses), the server's time for the page, its script, the availability
(free slots computed against the held ones), and one request (validation, proof-of-work check,
hold check, insert), each against ``/v1/health`` as the baseline. Also the device side: opening
one sealed request, and the proof of work at the default 16 bits done in Python (the browser's
WebCrypto loop is slower per hash). Run: ``python -m bench booking``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bench._harness import median_time, ms, report
from core.sync import booking as crypto
from server import accounts, migrate
from server.app import create_app
from server.booking import pow_digest, pow_ok
from server.config import Settings
from server.db import make_engine
from syncwire import EnrollRequest, b64encode
from syncwire.booking import (
    BookingPagePost,
    BookingService,
    BookingSlot,
    BookingSnapshot,
    IntakeQuestion,
)

DAY0 = dt.date(2026, 12, 7)


def snapshot(secret: bytes) -> BookingSnapshot:
    services = [
        BookingService(key="evaluation", label="Evaluation", minutes=60, questions=[
            IntakeQuestion(id="reason", label="What brings you in?", required=True),
            IntakeQuestion(id="referral", label="Referral?", kind="yesno")]),
        BookingService(key="daily", label="Treatment visit", minutes=45),
    ]
    slots = []
    for c in range(3):
        clinician = uuid.UUID(int=c + 1)
        for d in range(14):
            day = DAY0 + dt.timedelta(days=d)
            for start_h, end_h in ((8, 12), (13, 17)):
                t = dt.datetime.combine(day, dt.time(start_h))
                while t < dt.datetime.combine(day, dt.time(end_h)):
                    for s in services:
                        if t + dt.timedelta(minutes=s.minutes) > dt.datetime.combine(
                                day, dt.time(end_h)):
                            continue
                        at = t.isoformat(timespec="minutes")
                        slots.append(BookingSlot(
                            id=crypto.slot_id(secret, clinician, at, s.key), service=s.key,
                            start=at, minutes=s.minutes,
                            resource=crypto.resource_id(secret, clinician)))
                    t += dt.timedelta(minutes=30)
    return BookingSnapshot(practice_name="Bench Physical Therapy", services=services,
                           slots=slots)


def _request(slug: str, slot: dict[str, Any], public: bytes) -> dict[str, Any]:
    body = json.dumps({"first_name": "Bench", "last_name": "Patient", "email": "b@example.test",
                       "answers": {"reason": "x" * 200}}).encode()
    env = crypto.seal_request(public, body, f"{slug}:{slot['id']}")
    nonce = 0
    while not pow_ok(pow_digest(slug, slot["id"], env.ct, str(nonce)), 16):
        nonce += 1
    return {"slot_id": slot["id"], "envelope": env.model_dump(), "pow_nonce": str(nonce)}


def main() -> None:
    rows: list[tuple[str, str]] = []
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="chartside-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'booking.sqlite3'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        settings = Settings(database_url=url, rate_per_second=1e9, rate_burst=10**9,
                            booking_reads_per_second=1e9, booking_reads_burst=10**9,
                            booking_per_minute=1e9, booking_burst=10**9)
        account = accounts.create_account(engine, "Bench PT").account_id
        code, _ = accounts.create_enroll_code(engine, account, dt.timedelta(minutes=5))
        device = accounts.enroll(engine, EnrollRequest(code=code, device_name="bench"))
        auth = {"Authorization": f"Bearer {device.token}", "Content-Type": "application/json"}
        secret, public = crypto.new_keypair()
        snap = snapshot(secret)
        with TestClient(create_app(settings, engine)) as client:
            post = BookingPagePost(public_key=b64encode(public),
                                   sealed_secret=b64encode(b"\0" * 64), key_id="k1",
                                   snapshot=snap)
            page = client.put("/v1/booking/page", content=post.model_dump_json(),
                              headers=auth).json()
            assert "slug" in page, page
            slug = page["slug"]
            avail = client.get(f"/v1/book/{slug}/availability").json()
            t0 = time.perf_counter()
            apart = [s for s in avail["slots"]  # one per clinician and day: none overlaps
                     if s["service"] == "evaluation" and s["start"].endswith("T08:00")]
            prepared = [_request(slug, s, public) for s in apart[:41]]
            pow_each = (time.perf_counter() - t0) / len(prepared)
            for body in prepared[:40]:
                assert client.post(f"/v1/book/{slug}/requests", json=body).status_code == 201
            parts = {
                "page (HTML)": client.get(f"/book/{slug}").content,
                "booking.css": client.get("/book-assets/booking.css").content,
                "booking.js": client.get("/book-assets/booking.js").content,
                "availability JSON": client.get(f"/v1/book/{slug}/availability").content,
            }
            total = sum(len(b) for b in parts.values())
            zipped = sum(len(gzip.compress(b)) for b in parts.values())
            for label, body in parts.items():
                rows.append((f"first load: {label}", f"{len(body):,} B "
                             f"({len(gzip.compress(body)):,} B gzip)"))
            rows.append(("first load: total", f"{total:,} B ({zipped:,} B gzip)"))
            base = median_time(lambda: client.get("/v1/health"), repeat=31)
            timings = {
                "GET /book/<slug> (page)": median_time(lambda: client.get(f"/book/{slug}"),
                                                       repeat=31),
                "GET booking.js": median_time(lambda: client.get("/book-assets/booking.js"),
                                              repeat=31),
                "GET availability (40 held)": median_time(
                    lambda: client.get(f"/v1/book/{slug}/availability"), repeat=15),
            }
            last = prepared[40]
            t0 = time.perf_counter()
            status = client.post(f"/v1/book/{slug}/requests", json=last).status_code
            timings["POST a request (one)"] = time.perf_counter() - t0
            assert status == 201
            rows.append(("GET /v1/health (baseline)", ms(base)))
            for label, seconds in timings.items():
                rows.append((label, f"{ms(seconds)} (×{seconds / base:.1f})"))
            items = client.get("/v1/booking/requests", headers=auth).json()["requests"]
            from syncwire.booking import BookingEnvelope

            env = BookingEnvelope.model_validate(items[0]["envelope"])
            aad = f"{slug}:{items[0]['slot_id']}"
            rows.append(("device: open one request", ms(median_time(
                lambda: crypto.open_request(secret, env, aad), repeat=31))))
            rows.append(("proof of work, 16 bits, Python (per request)", ms(pow_each)))
            raw.update(slots=len(snap.slots), bytes=total, gzip=zipped,
                       timings={k: v for k, v in timings.items()}, baseline=base)
        engine.dispose()
    rows.insert(0, ("published slots", f"{len(snap.slots):,} (3 clinicians × 14 days × 2 "
                    "services)"))
    report("booking", rows, raw=raw)


if __name__ == "__main__":
    main()
