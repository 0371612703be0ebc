"""Online booking (issue 19) through the real server app and a real enrolled chart: publish,
a request sealed the way the browser seals it, pull, accept into the schedule; a clash declines
with the reason and keeps the request; the server refuses weak proofs of work, taken slots and
tampered requests. (The real browser runs in tests/e2e/test_booking_browser.py.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.domain.enums import Discipline
from core.services import booking, practice, schedule
from core.sync import booking as crypto
from server.booking import pow_digest, pow_ok
from syncwire.booking import BookingEnvelope
from tests.sync.helpers import Device, SyncServer, enroll, running_server

NOW = dt.datetime(2026, 12, 7, 8, 0)  # a Monday morning
POW_BITS = 10
WEEKDAY = ((dt.time(9), dt.time(12)),)


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SyncServer, Device, uuid.UUID]]:
    tmp = tmp_path_factory.mktemp("booking")
    with running_server(tmp) as server:
        # a cheaper proof of work than production's 16 bits: the check is the same code
        state = server.client.app.state.chartside
        server.client.app.state.chartside = dataclasses.replace(
            state, settings=dataclasses.replace(state.settings, booking_pow_bits=POW_BITS))
        device = enroll(server, server.practice("Riverside PT"), tmp / "a.chart", "desk")
        clinician = practice.add_clinician(device.chart, first_name="Ada", last_name="Lovelace",
                                           discipline=Discipline.PT).value
        schedule.set_hours(device.chart, clinician.id, (WEEKDAY,) * 5 + ((), ()))
        yield server, device, clinician.id
        device.close()


def _slug(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _submit(server: SyncServer, slug: str, slot: dict[str, object], body: dict[str, object],
            *, bits: int = 0) -> tuple[int, dict[str, object]]:
    """What booking.js does, in Python: seal, prove work, post."""
    page = server.client.get(f"/v1/book/{slug}/availability").json()
    env = crypto.seal_request(crypto.wire.b64decode(page["public_key"]),
                              json.dumps(body).encode(), f"{slug}:{slot['id']}")
    nonce = 0
    while not pow_ok(pow_digest(slug, str(slot["id"]), env.ct, str(nonce)), bits or POW_BITS):
        nonce += 1
    r = server.client.post(f"/v1/book/{slug}/requests", json={
        "slot_id": slot["id"], "envelope": env.model_dump(), "pow_nonce": str(nonce)})
    return r.status_code, r.json()


def _patient(slot: dict[str, object], last: str) -> dict[str, object]:
    return {"v": 1, "slot_id": slot["id"], "service": slot["service"], "start": slot["start"],
            "minutes": slot["minutes"], "first_name": "Robin", "last_name": last,
            "date_of_birth": "1961-04-02", "phone": "555-0100", "email": "robin@example.test",
            "answers": {"reason": "Left knee pain after a fall", "referral": "Yes",
                        "payer": "Medicare"}, "questions": {"reason": "What brings you in?"}}


def test_publish_request_accept_and_clash(setup: tuple[SyncServer, Device, uuid.UUID]) -> None:
    server, device, clinician_id = setup
    published = booking.publish(device.chart, now=NOW, days=3, transport=device.transport)
    slug = _slug(published.url)
    assert published.slots > 0 and published.url.endswith(f"/book/{slug}")
    page = server.client.get(f"/v1/book/{slug}/availability").json()
    assert page["practice_name"] and {s["key"] for s in page["services"]} == {"evaluation",
                                                                              "daily"}
    evals = [s for s in page["slots"] if s["service"] == "evaluation"]
    assert evals[0]["start"] >= (NOW + dt.timedelta(hours=12)).isoformat(timespec="minutes")
    first = evals[0]

    status, receipt = _submit(server, slug, first, _patient(first, "Quill"))
    assert status == 201, receipt
    # the slot is held: not offered again, and a second request for it is refused
    after = server.client.get(f"/v1/book/{slug}/availability").json()
    assert first["id"] not in {s["id"] for s in after["slots"]}
    status, body = _submit(server, slug, first, _patient(first, "Other"))
    assert (status, body["error"]) == (409, "slot_taken")

    # a clinician books the same time by hand meanwhile, for another slot's request
    end_first = dt.datetime.fromisoformat(first["start"]) + dt.timedelta(minutes=60)
    # an overlapping slot of the same clinician is not offered while the first is held
    assert not any(first["start"] < s["start"] < end_first.isoformat(timespec="minutes")
                   for s in after["slots"])
    other = next(s for s in after["slots"] if s["service"] == "evaluation"
                 and s["start"] >= end_first.isoformat(timespec="minutes"))
    status, _ = _submit(server, slug, other, _patient(other, "Clash"))
    assert status == 201
    walk_in = practice_patient(device)
    schedule.book(device.chart, walk_in, clinician_id, dt.datetime.fromisoformat(other["start"]),
                  30)

    pulled = {r.last_name: r for r in booking.pull(device.chart, transport=device.transport)}
    assert pulled["Quill"].answers["reason"] == "Left knee pain after a fall"
    assert pulled["Quill"].status == "pending"

    done = booking.accept(device.chart, pulled["Quill"].request_id, transport=device.transport)
    assert done.booked and done.new_patient
    day = schedule.day(device.chart, dt.date.fromisoformat(str(first["start"])[:10]))
    booked = next(a for a in day if a.id == done.appointment_id)
    assert booked.patient_id == done.patient_id and booked.clinician_id == clinician_id
    assert booked.service == "evaluation" and booked.minutes == 60

    clash = booking.accept(device.chart, pulled["Clash"].request_id, transport=device.transport)
    assert not clash.booked and clash.request.status == "declined"
    assert "Could not book" in clash.request.reason and clash.request.last_name == "Clash"
    kept = {r.last_name: r for r in booking.pull(device.chart, transport=device.transport)}
    assert kept["Clash"].status == "declined" and kept["Clash"].phone == "555-0100"
    # the declined slot is free again on the page; the accepted one stays taken
    again = {s["id"] for s in server.client.get(f"/v1/book/{slug}/availability").json()["slots"]}
    assert other["id"] in again and first["id"] not in again
    # answered requests lose their ciphertext on the server
    items = server.client.get("/v1/booking/requests", headers=_auth(device)).json()["requests"]
    assert all(i["envelope"] is None for i in items if i["status"] != "pending")


def practice_patient(device: Device) -> uuid.UUID:
    from core.services import patients

    return patients.create_patient(device.chart, first_name="Walk", last_name="In",
                                   date_of_birth=dt.date(1980, 1, 1)).value.id


def _auth(device: Device) -> dict[str, str]:
    from tests.sync.helpers import _meta

    return {"Authorization": f"Bearer {_meta(device.chart, 'sync.token')}"}


def test_public_endpoint_refusals(setup: tuple[SyncServer, Device, uuid.UUID]) -> None:
    server, device, _ = setup
    slug = _slug(booking.publish(device.chart, now=NOW, days=2, transport=device.transport).url)
    page = server.client.get(f"/v1/book/{slug}/availability").json()
    slot = page["slots"][-1]
    env = crypto.seal_request(crypto.wire.b64decode(page["public_key"]), b"{}",
                              f"{slug}:{slot['id']}")
    weak_nonce = next(str(n) for n in range(100)
                      if not pow_ok(pow_digest(slug, slot["id"], env.ct, str(n)), POW_BITS))
    weak = server.client.post(f"/v1/book/{slug}/requests", json={
        "slot_id": slot["id"], "envelope": env.model_dump(), "pow_nonce": weak_nonce})
    assert weak.status_code == 422 and weak.json()["error"] in ("proof_of_work",)
    big = server.client.post(f"/v1/book/{slug}/requests", content=b"x" * 40_000,
                             headers={"Content-Type": "application/json"})
    assert big.status_code == 413
    assert server.client.get("/v1/book/nosuchpage/availability").json()["error"] == \
        "booking_closed"
    html = server.client.get(f"/book/{slug}")
    assert html.status_code == 200 and "default-src 'none'" in html.headers[
        "content-security-policy"]
    assert "<script src=\"/book-assets/booking.js\"" in html.text
    assert server.client.get("/book-assets/../app.py").status_code == 404


def test_a_request_moved_to_another_slot_does_not_open(tmp_path: Path) -> None:
    secret, public = crypto.new_keypair()
    env = crypto.seal_request(public, b'{"first_name": "Robin"}', "page:s1")
    assert crypto.open_request(secret, env, "page:s1") == b'{"first_name": "Robin"}'
    with pytest.raises(crypto.BookingKeyError):
        crypto.open_request(secret, env, "page:s2")
    other, _ = crypto.new_keypair()
    with pytest.raises(crypto.BookingKeyError):
        crypto.open_request(other, env, "page:s1")
    with pytest.raises(crypto.BookingKeyError):
        crypto.open_request(secret, BookingEnvelope(epk=env.epk, iv=env.iv, ct=env.epk),
                            "page:s1")


def test_an_unreadable_request_is_kept_and_can_be_declined(
    setup: tuple[SyncServer, Device, uuid.UUID],
) -> None:
    server, device, _ = setup
    slug = _slug(booking.publish(device.chart, now=NOW + dt.timedelta(days=7), days=2,
                                 transport=device.transport).url)
    page = server.client.get(f"/v1/book/{slug}/availability").json()
    slot = page["slots"][0]
    _, stranger = crypto.new_keypair()  # sealed to a key that is not the practice's
    env = crypto.seal_request(stranger, b'{"first_name": "Lost"}', f"{slug}:{slot['id']}")
    nonce = 0
    while not pow_ok(pow_digest(slug, slot["id"], env.ct, str(nonce)), POW_BITS):
        nonce += 1
    assert server.client.post(f"/v1/book/{slug}/requests", json={
        "slot_id": slot["id"], "envelope": env.model_dump(),
        "pow_nonce": str(nonce)}).status_code == 201
    listed = booking.pull(device.chart, transport=device.transport)
    bad = next(r for r in listed if r.slot_id == slot["id"])
    assert bad.status == "unreadable" and "could not be opened" in bad.reason
    with pytest.raises(booking.InvalidInput, match="unreadable"):
        booking.accept(device.chart, bad.request_id, transport=device.transport)
    booking.decline(device.chart, bad.request_id, "cannot open", transport=device.transport)
    free = {s["id"] for s in server.client.get(f"/v1/book/{slug}/availability").json()["slots"]}
    assert slot["id"] in free
    with pytest.raises(booking.InvalidInput, match="1–60 days"):
        booking.publish(device.chart, days=0, transport=device.transport)
