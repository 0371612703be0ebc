"""One error shape for every failure: ``{"error": code, "message": text}`` with a fitting status.

Services raise ``ApiError`` (the CLI prints its message; the app turns it into JSON).
Handlers installed by ``install_error_handlers`` also reshape FastAPI's validation errors,
Starlette's 404/405 and unexpected exceptions, so a client never has to parse two formats.
Messages never echo request bodies: a body could hold ciphertext or, by mistake, PHI.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.db import ServiceBusy
from syncwire import ErrorBody, ErrorCode

log = logging.getLogger("chartside.server")


class ApiError(Exception):
    """An expected failure with its HTTP status and stable code."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int,
    code: ErrorCode | str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    details: list[dict[str, object]] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=str(code), message=message, details=details)
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers
    )


def unauthorized(code: ErrorCode, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def _safe_details(exc: RequestValidationError) -> list[dict[str, object]]:
    # Keep where and why; drop "input", which would echo the client's data back.
    return [
        {"loc": [str(part) for part in err.get("loc", ())], "msg": str(err.get("msg", ""))}
        for err in exc.errors()
    ]


_STATUS_CODES = {
    401: ErrorCode.UNAUTHORIZED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.BODY_TOO_LARGE,
    422: ErrorCode.INVALID_REQUEST,
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            422,
            ErrorCode.INVALID_REQUEST,
            "the request does not match the protocol schema",
            details=_safe_details(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
        message = exc.detail if isinstance(exc.detail, str) else code.value
        return error_response(exc.status_code, code, message, headers=exc.headers)

    @app.exception_handler(ServiceBusy)
    async def _busy(_request: Request, exc: ServiceBusy) -> JSONResponse:
        return error_response(503, ErrorCode.SERVICE_BUSY, str(exc), headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s on a request", type(exc).__name__, exc_info=exc)
        return error_response(500, ErrorCode.INTERNAL_ERROR, "internal server error")
