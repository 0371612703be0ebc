"""Size limits, rate limits and error shapes (backend-independent: SQLite only)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from server_helpers import Practice, generous, make_change
from sqlalchemy import Engine

from server.app import create_app
from server.limits import TokenBucket
from syncwire import MAX_BODY_BYTES, MAX_CHANGES_PER_BATCH


def _client(url: str, engine: Engine, **settings: object) -> TestClient:
    return TestClient(create_app(generous(url, **settings), engine))


@pytest.fixture
def sqlite_engine(sqlite_url: str, engine_for: Callable[[str], Engine]) -> Engine:
    return engine_for(sqlite_url)


def test_body_over_5_mib_is_refused_before_parsing(sqlite_url: str, sqlite_engine: Engine) -> None:
    with _client(sqlite_url, sqlite_engine) as client:
        device = Practice.create(client, sqlite_engine, "P").enroll()
        body = b'{"pad":"' + b"x" * MAX_BODY_BYTES + b'"}'
        response = client.post(
            "/v1/sync/push",
            content=body,
            headers={**device.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json()["error"] == "body_too_large"


def test_streamed_body_without_length_is_counted(sqlite_url: str, sqlite_engine: Engine) -> None:
    with _client(sqlite_url, sqlite_engine, max_body_bytes=10_000) as client:
        device = Practice.create(client, sqlite_engine, "P").enroll()

        def chunks() -> Iterator[bytes]:
            for _ in range(20):
                yield b" " * 1000

        response = client.post("/v1/sync/push", content=chunks(), headers=device.headers)
        assert (response.status_code, response.json()["error"]) == (413, "body_too_large")
        # A streamed body under the limit still reaches the route intact.
        body = json.dumps(
            {
                "device_id": device.device_id,
                "batch_id": str(uuid.uuid4()),
                "changes": [make_change()],
            }
        ).encode()
        response = client.post(
            "/v1/sync/push",
            content=iter([body[:50], body[50:]]),
            headers={**device.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text


def test_too_many_changes_in_one_batch(sqlite_url: str, sqlite_engine: Engine) -> None:
    with _client(sqlite_url, sqlite_engine) as client:
        device = Practice.create(client, sqlite_engine, "P").enroll()
        response = device.push([make_change() for _ in range(MAX_CHANGES_PER_BATCH + 1)])
        assert (response.status_code, response.json()["error"]) == (413, "too_many_changes")
        assert device.pull().json()["last_seq"] == 0
        assert device.push_ok([make_change() for _ in range(MAX_CHANGES_PER_BATCH)])


def test_rate_limit_per_device_token(sqlite_url: str, sqlite_engine: Engine) -> None:
    with _client(sqlite_url, sqlite_engine, rate_per_second=0.01, rate_burst=3) as client:
        practice = Practice.create(client, sqlite_engine, "P")
        noisy, quiet = practice.enroll("noisy"), practice.enroll("quiet")
        assert [noisy.pull().status_code for _ in range(3)] == [200, 200, 200]
        limited = noisy.pull()
        assert (limited.status_code, limited.json()["error"]) == (429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
        assert quiet.pull().status_code == 200


def test_enrollment_is_rate_limited_per_client(sqlite_url: str, sqlite_engine: Engine) -> None:
    with _client(sqlite_url, sqlite_engine, enroll_per_minute=1.0, enroll_burst=2) as client:
        guesses = [
            client.post("/v1/enroll", json={"code": f"GUES-SXXX-XXXX-XXX{i}", "device_name": "x"})
            for i in range(3)
        ]
        assert [g.status_code for g in guesses] == [401, 401, 429]
        assert guesses[2].json()["error"] == "rate_limited"


def test_token_bucket_refills_with_time() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2.0, burst=2, clock=lambda: now[0])
    assert [bucket.acquire("k") for _ in range(2)] == [0.0, 0.0]
    assert bucket.acquire("k") == pytest.approx(0.5)
    now[0] += 0.5
    assert bucket.acquire("k") == 0.0
    assert bucket.acquire("other") == 0.0


def test_validation_errors_do_not_echo_the_body(sqlite_url: str, sqlite_engine: Engine) -> None:
    with _client(sqlite_url, sqlite_engine) as client:
        device = Practice.create(client, sqlite_engine, "P").enroll()
        bad = dict(make_change(), ciphertext="Patient Jane Roe!!", entity="Jane Roe")
        response = device.push([bad])
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "invalid_request"
        assert {tuple(d["loc"][-1:]) for d in body["details"]} == {("ciphertext",), ("entity",)}
        assert "Jane" not in response.text
        response = client.post(
            "/v1/sync/push",
            content=b"{not json",
            headers={**device.headers, "Content-Type": "application/json"},
        )
        assert (response.status_code, response.json()["error"]) == (422, "invalid_request")
        response = client.delete("/v1/sync/push", headers=device.headers)
        assert (response.status_code, response.json()["error"]) == (405, "method_not_allowed")


def test_public_booking_endpoints_are_rate_limited_per_client(
    sqlite_url: str, sqlite_engine: Engine
) -> None:
    """Issue 19: the patient-facing booking API has its own per-address buckets (reads and
    requests apart), and a request body over 32 KiB is refused before parsing."""
    with _client(sqlite_url, sqlite_engine, booking_reads_per_second=0.01,
                 booking_reads_burst=2, booking_per_minute=0.5, booking_burst=1) as client:
        reads = [client.get("/v1/book/nopage/availability") for _ in range(3)]
        assert [r.status_code for r in reads] == [404, 404, 429]
        assert reads[2].json()["error"] == "rate_limited" and reads[2].headers["retry-after"]
        body = {"slot_id": "s1", "pow_nonce": "1",
                "envelope": {"v": 1, "epk": "AA==", "iv": "AAAAAAAAAAAAAAAA", "ct": "AA=="}}
        posts = [client.post("/v1/book/nopage/requests", json=body) for _ in range(2)]
        assert posts[0].status_code in (404, 422) and posts[1].status_code == 429
        big = client.post("/v1/book/nopage/requests", content=b"{" + b" " * 40_000 + b"}",
                          headers={"Content-Type": "application/json"})
        assert big.status_code == 413
        assert client.get("/v1/health").status_code == 200  # the sync API is not affected
