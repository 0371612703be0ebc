"""HTTP routes of online booking (issue 19); the rules live in ``server.booking``.

(No postponed annotations here: the device dependency is a local name FastAPI must see.)

Public, no account (the patient's browser): ``GET /book/{slug}`` (the page: static HTML, CSS and
JS from ``server/static/booking``, no CDN, a strict Content-Security-Policy),
``GET /v1/book/{slug}/availability`` and ``POST /v1/book/{slug}/requests``. Both API routes
are rate-limited per client address (reads and requests in separate buckets) and the request
body is capped at ``MAX_BOOKING_BODY_BYTES`` by the body-size middleware.

Devices (bearer token): ``PUT``/``GET /v1/booking/page``, ``GET /v1/booking/requests``,
``POST /v1/booking/requests/{id}/decision``.
"""


import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, Response

from server import booking
from server.accounts import DeviceContext
from server.errors import ApiError
from server.limits import TokenBucket, retry_after_header
from syncwire import ErrorBody, ErrorCode
from syncwire.booking import (
    BookingDecision,
    BookingPage,
    BookingPagePost,
    BookingReceipt,
    BookingRequestItem,
    BookingRequestList,
    BookingRequestPost,
    PublicAvailability,
)

PUBLIC_PREFIX = "/v1/book/"
STATIC = Path(__file__).with_name("static") / "booking"
_ASSETS = {"booking.js": "text/javascript", "booking.css": "text/css"}
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


def _limit(request: Request, bucket: TokenBucket, what: str) -> None:
    client = request.client.host if request.client else "unknown"
    wait = bucket.acquire((what, client))
    if wait:
        raise ApiError(429, ErrorCode.RATE_LIMITED, "too many requests; try again shortly",
                       headers=retry_after_header(wait))


def _limits(request: Request) -> booking.BookingLimits:
    settings = request.app.state.chartside.settings
    return booking.BookingLimits(pow_bits=settings.booking_pow_bits,
                                 max_pending=settings.booking_max_pending)


def add_routes(app: FastAPI, current_device: Callable[..., DeviceContext]) -> None:

    @app.get("/book/{slug}", include_in_schema=False)
    def page(slug: str) -> Response:
        """The booking page; it reads the slug from its own address."""
        return FileResponse(STATIC / "index.html", media_type="text/html",
                            headers=_PAGE_HEADERS)

    @app.get("/book-assets/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name not in _ASSETS:
            raise ApiError(404, ErrorCode.NOT_FOUND, "no such file")
        return FileResponse(STATIC / name, media_type=_ASSETS[name], headers=_PAGE_HEADERS)

    @app.get(PUBLIC_PREFIX + "{slug}/availability", response_model=PublicAvailability,
             responses=_errors(404, 429), tags=["booking"])
    def availability(slug: str, request: Request) -> PublicAvailability:
        """Free slots, services and intake questions, and the key to encrypt a request to."""
        _limit(request, request.app.state.chartside.booking_reads, "read")
        return booking.availability(request.app.state.chartside.engine, slug, _limits(request))

    @app.post(PUBLIC_PREFIX + "{slug}/requests", response_model=BookingReceipt,
              status_code=201, responses=_errors(404, 409, 413, 422, 429), tags=["booking"])
    def submit(slug: str, body: BookingRequestPost, request: Request) -> BookingReceipt:
        """Leave an encrypted booking request; the slot is held until the practice answers."""
        _limit(request, request.app.state.chartside.booking_writes, "write")
        return booking.submit(request.app.state.chartside.engine, slug, body, _limits(request))

    @app.put("/v1/booking/page", response_model=BookingPage,
             responses=_errors(401, 413, 422, 429), tags=["booking"])
    def publish(body: BookingPagePost, request: Request,
        device: Annotated[DeviceContext, Depends(current_device)],
    ) -> BookingPage:
        """Publish (replace) this practice's booking page."""
        return booking.publish(request.app.state.chartside.engine, device, body)

    @app.get("/v1/booking/page", response_model=BookingPage,
             responses=_errors(401, 404, 429), tags=["booking"])
    def get_page(request: Request,
        device: Annotated[DeviceContext, Depends(current_device)],
    ) -> BookingPage:
        return booking.page_of(request.app.state.chartside.engine, device)

    @app.get("/v1/booking/requests", response_model=BookingRequestList,
             responses=_errors(401, 429), tags=["booking"])
    def list_requests(request: Request,
        device: Annotated[DeviceContext, Depends(current_device)],
    ) -> BookingRequestList:
        return BookingRequestList(
            requests=booking.requests(request.app.state.chartside.engine, device))

    @app.post("/v1/booking/requests/{request_id}/decision", response_model=BookingRequestItem,
              responses=_errors(401, 404, 409, 429), tags=["booking"])
    def decide(request_id: uuid.UUID, body: BookingDecision, request: Request,
        device: Annotated[DeviceContext, Depends(current_device)],
    ) -> BookingRequestItem:
        """Accept (the slot stays taken) or decline (the slot is free again)."""
        return booking.decide(request.app.state.chartside.engine, device, request_id, body)
