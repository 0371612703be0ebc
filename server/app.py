"""The HTTP API (FastAPI): routes, bearer-token auth, limits. Business rules live elsewhere.

``create_app(settings, engine)`` builds an app bound to one engine; the caller owns the engine
(creates it with ``server.db.make_engine``, disposes of it at shutdown). Routes are plain
``def`` functions, so FastAPI runs them on its worker threads and they may block on the
database. The schema is served at ``/openapi.json``; the interactive docs pages are off, since
they would load scripts from a CDN.

Auth: ``Authorization: Bearer <token>`` on everything except ``/v1/health`` and
``/v1/enroll``. The token's bucket is charged before the database lookup, so a flood of bad
tokens costs no queries; enrollment is limited per client address (behind a proxy, run
uvicorn with ``--forwarded-allow-ips`` so the address is the client's, see docs/server.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from server import accounts, booking_routes, keys, sync
from server.accounts import DeviceContext, token_hash
from server.config import Settings, is_sqlite
from server.db import AdmissionLock, make_engine
from server.errors import ApiError, install_error_handlers, unauthorized
from server.limits import BodySizeLimit, TokenBucket, retry_after_header
from syncwire import (
    DEFAULT_PULL_LIMIT,
    DEFAULT_READABLE_SCHEMA,
    MAX_PULL_LIMIT,
    PROTOCOL_VERSION,
    SCHEMA_HEADER,
    DeviceInfo,
    DeviceList,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    ErrorCode,
    Health,
    KeyList,
    PullResponse,
    PushRequest,
    PushResponse,
    WrappedKey,
    WrappedKeyPost,
)
from syncwire.booking import MAX_BOOKING_BODY_BYTES

JSON = "application/json"


@dataclass(frozen=True)
class ServerState:
    settings: Settings
    engine: Engine
    device_limiter: TokenBucket
    enroll_limiter: TokenBucket
    push_lock: AdmissionLock
    booking_reads: TokenBucket
    booking_writes: TokenBucket


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


_AUTH_ERRORS = (401, 422, 429)
_bearer = HTTPBearer(auto_error=False, description="Device token from POST /v1/enroll.")


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.chartside
    return state


def current_device(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> DeviceContext:
    """The device behind the bearer token (rate-limited per token)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized(ErrorCode.UNAUTHORIZED, "missing bearer token")
    state = _state(request)
    wait = state.device_limiter.acquire(token_hash(credentials.credentials))
    if wait:
        raise ApiError(
            429, ErrorCode.RATE_LIMITED, "too many requests", headers=retry_after_header(wait)
        )
    return accounts.authenticate(state.engine, credentials.credentials)


Device = Annotated[DeviceContext, Depends(current_device)]


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """The API bound to ``engine`` (made from ``settings.database_url`` if not given)."""
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        title="Chartside sync server",
        version=f"{PROTOCOL_VERSION}.0",
        summary="Ciphertext-only, append-only change log for Chartside devices.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.chartside = ServerState(
        settings=settings,
        engine=engine,
        device_limiter=TokenBucket(settings.rate_per_second, settings.rate_burst),
        enroll_limiter=TokenBucket(settings.enroll_per_minute / 60.0, settings.enroll_burst),
        push_lock=AdmissionLock(
            enabled=settings.serialize_pushes, one_for_all=is_sqlite(settings.database_url)
        ),
        booking_reads=TokenBucket(settings.booking_reads_per_second, settings.booking_reads_burst),
        booking_writes=TokenBucket(settings.booking_per_minute / 60.0, settings.booking_burst),
    )
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        path_limits=((booking_routes.PUBLIC_PREFIX, MAX_BOOKING_BODY_BYTES),),
    )
    install_error_handlers(app)
    _add_routes(app)
    booking_routes.add_routes(app, current_device)
    return app


def _add_routes(app: FastAPI) -> None:
    @app.get("/v1/health", response_model=Health, tags=["meta"])
    def health() -> Health:
        return Health()

    @app.post(
        "/v1/enroll",
        response_model=EnrollResponse,
        status_code=201,
        responses=_errors(401, 409, 413, 422, 429),
        tags=["devices"],
    )
    def enroll(body: EnrollRequest, request: Request) -> EnrollResponse:
        """Spend a one-time code (from ``chartside-server enroll-code``) on a new device."""
        state = _state(request)
        client = request.client.host if request.client else "unknown"
        wait = state.enroll_limiter.acquire(("enroll", client))
        if wait:
            raise ApiError(
                429,
                ErrorCode.RATE_LIMITED,
                "too many enrollment attempts",
                headers=retry_after_header(wait),
            )
        return accounts.enroll(state.engine, body)

    @app.get(
        "/v1/devices", response_model=DeviceList, responses=_errors(*_AUTH_ERRORS), tags=["devices"]
    )
    def list_devices(request: Request, device: Device) -> DeviceList:
        found = accounts.list_devices(
            _state(request).engine, device.account_id, current=device.device_id
        )
        return DeviceList(devices=found)

    @app.post(
        "/v1/devices/{device_id}/revoke",
        response_model=DeviceInfo,
        responses=_errors(*_AUTH_ERRORS, 404),
        tags=["devices"],
    )
    def revoke(device_id: uuid.UUID, request: Request, device: Device) -> DeviceInfo:
        """Revoke a device of the caller's account (the caller itself included)."""
        return accounts.revoke_device(
            _state(request).engine,
            device_id,
            account_id=device.account_id,
            current=device.device_id,
        )

    @app.post(
        "/v1/sync/push",
        response_model=PushResponse,
        responses=_errors(*_AUTH_ERRORS, 403, 409, 413, 503),
        tags=["sync"],
    )
    def push(body: PushRequest, request: Request, device: Device) -> Response:
        """Store a batch of encrypted changes; replaying a batch returns the same bytes."""
        state = _state(request)
        if body.device_id != device.device_id:
            raise ApiError(
                403, ErrorCode.DEVICE_MISMATCH, "device_id is not the device of this token"
            )
        limit = state.settings.max_changes_per_batch
        if len(body.changes) > limit:
            raise ApiError(
                413,
                ErrorCode.TOO_MANY_CHANGES,
                f"a batch holds at most {limit} changes; split it",
            )
        outcome = sync.push(state.engine, device, body, state.push_lock)
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
        return Response(outcome.body, media_type=JSON, headers=headers)

    @app.get(
        "/v1/sync/pull",
        response_model=PullResponse,
        responses=_errors(*_AUTH_ERRORS, 409, 503),
        tags=["sync"],
    )
    def pull(
        request: Request,
        device: Device,
        after: Annotated[int, Query(ge=0, description="Highest seq already applied.")] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
        epoch: Annotated[
            uuid.UUID | None, Query(description="Epoch of the log the cursor came from.")
        ] = None,
        at: Annotated[
            uuid.UUID | None, Query(description="change_id at seq = after, as pulled.")
        ] = None,
    ) -> Response:
        """Changes of the caller's account with ``seq > after``, in seq order; 409
        ``resync_required`` when ``epoch``/``at`` show the cursor is not of this log; 409
        ``upgrade_required`` when the page holds a change of a schema the caller's app does not
        read (its ``Chartside-Schema`` header; absent: 2)."""
        try:
            readable = int(request.headers.get(SCHEMA_HEADER, DEFAULT_READABLE_SCHEMA))
        except ValueError:
            readable = DEFAULT_READABLE_SCHEMA
        body = sync.pull(_state(request).engine, device, after, limit, epoch=epoch, at=at,
                         readable=readable)
        return Response(body, media_type=JSON)

    @app.post(
        "/v1/keys",
        response_model=WrappedKey,
        status_code=201,
        responses=_errors(*_AUTH_ERRORS, 404, 413),
        tags=["keys"],
    )
    def post_key(body: WrappedKeyPost, request: Request, device: Device) -> WrappedKey:
        """Leave a wrapped practice key for another device of the account."""
        return keys.post_wrapped_key(_state(request).engine, device, body)

    @app.get("/v1/keys", response_model=KeyList, responses=_errors(*_AUTH_ERRORS), tags=["keys"])
    def get_keys(request: Request, device: Device) -> KeyList:
        """Wrapped keys addressed to the calling device, oldest first."""
        return KeyList(keys=keys.list_wrapped_keys(_state(request).engine, device))
