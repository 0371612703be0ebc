"""Request limits: a body-size cap (ASGI middleware) and in-memory token-bucket rate limits.

* ``BodySizeLimit`` refuses a body larger than ``max_bytes`` with 413 ``body_too_large``
  before any route runs: from ``Content-Length`` when present, else by counting the streamed
  chunks (the body is buffered up to the limit and replayed to the app).
* ``TokenBucket`` allows ``burst`` requests at once and ``rate`` per second sustained, per
  key (a device token hash, or a client address for enrollment). In memory and per process:
  a restart forgets the buckets, which is fine for abuse control at practice scale; several
  server processes each enforce their own limit. Thread-safe.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import error_response
from syncwire import ErrorCode


class BodySizeLimit:
    """ASGI middleware: 413 for request bodies over ``max_bytes``."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: tuple[tuple[str, int], ...] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits  # (path prefix, smaller cap), e.g. the public booking API

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        cap = next((n for prefix, n in self.path_limits if path.startswith(prefix)),
                   self.max_bytes)
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > cap:
                await self._refuse(scope, receive, send, cap)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                await self._refuse(scope, receive, send, cap)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        response = error_response(
            413,
            ErrorCode.BODY_TOO_LARGE,
            f"request body is larger than {cap} bytes",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class TokenBucket:
    """Per-key token buckets; ``acquire(key)`` returns 0 when allowed, else seconds to wait."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[Hashable, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: Hashable) -> float:
        with self._lock:
            now = self._clock()
            tokens, stamp = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - stamp) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > self._max_keys:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is indistinguishable from a new one: drop it.
        full = [
            key
            for key, (tokens, stamp) in self._buckets.items()
            if tokens + (now - stamp) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]


def retry_after_header(wait_seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(wait_seconds)))}
