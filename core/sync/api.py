"""HTTP client for the sync server's wire protocol v1 (docs/server.md §1), over httpx.

Contract: one ``SyncApi`` per server URL and device token; blocking calls, safe to run on any
thread but not shared between threads. ``transport`` is injectable so tests run the FastAPI
app in-process. Every failure becomes a ``core.sync.errors`` exception: 401 ``device_revoked``
→ ``DeviceRevoked``; network errors, 5xx, 429 and 503 → ``ServerUnavailable`` (retryable, with
``retry_after``); 409 ``resync_required`` → ``ResyncRequired``. Push bodies are sent as the
exact bytes given, so a retried batch is byte-identical.

Server URLs must be ``https://``: ``check_server_url`` refuses plain ``http://`` except to this
computer (localhost, 127.0.0.0/8, ::1 — a server on the same machine or an SSH tunnel) and for
an in-process transport (tests). Payloads are end-to-end encrypted either way, but device
tokens and metadata would cross the network in the clear (issue 15).
"""

from __future__ import annotations

import functools
import ipaddress
import ssl
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

import syncwire as wire
from core.sync.crypto import SCHEMA_VERSION
from core.sync.errors import (
    AuthFailed,
    DeviceRevoked,
    EnrollmentRefused,
    NewerSchema,
    ProtocolError,
    ServerUnavailable,
    SyncError,
)

DEFAULT_TIMEOUT = 60.0


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, *, in_process: bool = False) -> str:
    """``url`` if it is an ``https://`` URL, or ``http://`` to this computer; else
    ``InvalidInput`` (exit 2) saying why."""
    from core.domain.errors import InvalidInput

    parts = urlsplit(url.strip())
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and (in_process or _loopback(parts.hostname)):
        return url
    if parts.scheme == "http":
        raise InvalidInput(
            "The sync server address must start with https:// — plain http:// would send the "
            "device's token and sync metadata unencrypted over the network.",
            hint="Use the server's https:// address (http:// is allowed only to this computer).")
    raise InvalidInput(f"{url!r} is not a sync server address.",
                       hint="Example: https://sync.example-practice.com")


class ResyncRequired(SyncError):
    """The pull cursor is past the end of the server's log (restored or different server)."""


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context per process, shared by every client. httpx builds a new one
    for each ``Client`` (loading the CA bundle: ~45 ms of CPU, measured as half of a one-note
    sync run in bench_sync); the context is the same default (certifi's bundle, hostname
    checks on) and ``ssl.SSLContext`` is safe to share between threads."""
    return httpx.create_ssl_context()


class SyncApi:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        check_server_url(base_url, in_process=transport is not None)
        headers = {"Content-Type": "application/json",
                   wire.SCHEMA_HEADER: str(SCHEMA_VERSION)}  # what this app reads
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, transport=transport, timeout=timeout,
            verify=_tls(),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------
    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kw)
        except httpx.TimeoutException as exc:
            raise ServerUnavailable("The sync server did not answer in time.") from exc
        except httpx.TransportError as exc:
            raise ServerUnavailable("The sync server cannot be reached.") from exc
        if response.status_code < 400:
            return response
        raise _error(response)

    @staticmethod
    def _parse(model: type[Any], response: httpx.Response) -> Any:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise ProtocolError("The sync server sent an answer this app cannot read.") from exc

    # -- endpoints --------------------------------------------------------------------------
    def health(self) -> wire.Health:
        result: wire.Health = self._parse(wire.Health, self._send("GET", "/v1/health"))
        return result

    def enroll(
        self,
        code: str,
        device_name: str,
        public_key: bytes,
        *,
        holds_records: bool = False,
        known_account_id: uuid.UUID | None = None,
    ) -> wire.EnrollResponse:
        body = wire.EnrollRequest(
            code=code,
            device_name=device_name,
            public_key=wire.b64encode(public_key),
            holds_records=holds_records,
            known_account_id=known_account_id,
        )
        response = self._send("POST", "/v1/enroll", content=body.model_dump_json())
        result: wire.EnrollResponse = self._parse(wire.EnrollResponse, response)
        return result

    def devices(self) -> list[wire.DeviceInfo]:
        listed: wire.DeviceList = self._parse(wire.DeviceList, self._send("GET", "/v1/devices"))
        return list(listed.devices)

    def revoke(self, device_id: uuid.UUID) -> wire.DeviceInfo:
        result: wire.DeviceInfo = self._parse(
            wire.DeviceInfo, self._send("POST", f"/v1/devices/{device_id}/revoke")
        )
        return result

    def push(self, body: bytes) -> bytes:
        """POST the exact batch bytes; returns the exact response bytes."""
        return self._send("POST", "/v1/sync/push", content=body).content

    def pull(
        self,
        after: int,
        limit: int = wire.MAX_PULL_LIMIT,
        *,
        epoch: uuid.UUID | None = None,
        at: uuid.UUID | None = None,
    ) -> wire.PullResponse:
        """A page after ``after``; ``epoch``/``at`` name the log the cursor came from (a 409
        ``ResyncRequired`` when the server's log is not that one any more)."""
        params: dict[str, Any] = {"after": after, "limit": limit}
        if epoch is not None:
            params["epoch"] = str(epoch)
        if at is not None and after > 0:
            params["at"] = str(at)
        response = self._send("GET", "/v1/sync/pull", params=params)
        result: wire.PullResponse = self._parse(wire.PullResponse, response)
        return result

    def post_key(self, post: wire.WrappedKeyPost) -> wire.WrappedKey:
        response = self._send("POST", "/v1/keys", content=post.model_dump_json())
        result: wire.WrappedKey = self._parse(wire.WrappedKey, response)
        return result

    def keys(self) -> list[wire.WrappedKey]:
        listed: wire.KeyList = self._parse(wire.KeyList, self._send("GET", "/v1/keys"))
        return list(listed.keys)


def _error(response: httpx.Response) -> SyncError:
    try:
        code = str(response.json().get("error", ""))
    except ValueError:
        code = ""
    status = response.status_code
    if code == wire.ErrorCode.DEVICE_REVOKED:
        return DeviceRevoked()
    if code in (wire.ErrorCode.INVALID_CODE, wire.ErrorCode.CODE_EXPIRED, wire.ErrorCode.CODE_USED):
        reason = {
            wire.ErrorCode.INVALID_CODE: "is not known to the server",
            wire.ErrorCode.CODE_EXPIRED: "has expired",
            wire.ErrorCode.CODE_USED: "was already used",
        }[wire.ErrorCode(code)]
        return EnrollmentRefused(
            f"The enrollment code {reason}.", hint="Ask the practice admin for a new code."
        )
    if code == wire.ErrorCode.PRACTICE_NOT_EMPTY:
        return EnrollmentRefused(
            "This chart already holds records, and the practice on the sync server already "
            "has devices or records. Joining would put two copies of the practice's records "
            "on every device, so the server refused; the enrollment code was not used.",
            hint="To join this practice, create a new, empty chart on this computer and enroll "
            "it with the code: it receives the practice's records on its first sync. Keep "
            "this chart as it is (it is not changed). A chart with records can only be the "
            "first device of an empty practice.",
        )
    if status == 401:
        return AuthFailed(
            "The sync server does not recognise this device.",
            hint="Check the server address, or enroll this device again.",
        )
    if code == wire.ErrorCode.UPGRADE_REQUIRED:
        return NewerSchema(
            "The sync server holds changes made by a newer version of Chartside.",
            hint="Update Chartside on this device, then sync again. Nothing was changed here.",
        )
    if code == wire.ErrorCode.RESYNC_REQUIRED:
        return ResyncRequired(
            "The sync server's log is not the one this device synced with (restored from a "
            "backup or replaced)."
        )
    if status == 429 or status >= 500:
        retry = response.headers.get("Retry-After")
        try:
            wait = float(retry) if retry else None
        except ValueError:
            wait = None
        what = "is busy" if status in (429, 503) else "had an internal error"
        return ServerUnavailable(f"The sync server {what}.", retry_after=wait)
    if code == wire.ErrorCode.UNKNOWN_DEVICE:
        return ProtocolError("That device is not part of this practice.")
    return ProtocolError(f"The sync server refused the request ({status} {code or 'error'}).")
