"""API errors are JSON `{"error": {"code", "message", "details"}}` with the right status.

The web UI keeps its Dutch HTML error pages: for paths under `/api/` the app-wide handlers
(404 for unknown paths, 405, 413, 500, ...) are wrapped so they answer in JSON instead.
Engine errors map to statuses by class: invisible is 404 (never 403: that would tell an
outsider the case exists), not allowed for the role is 403, stale is 409, refused by the
workflow (guard, phase, payload) is 422.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from engine.errors import DatabaseBusy, EngineError
from engine.store.db import classify_error

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

STATUS_BY_CODE = {
    "not_found": 404,
    "not_permitted": 403,
    "stale": 409,
    "unknown_trigger": 422,
    "transition_not_allowed": 422,
    "guard_rejected": 422,
    "invalid_payload": 422,
    "busy": 503,
}

HTTP_CODES = {
    400: ("bad_request", "Het verzoek is ongeldig."),
    401: ("unauthorized", "Stuur een geldige API-sleutel mee: Authorization: Bearer <sleutel>."),
    403: ("forbidden", "U mag deze actie niet uitvoeren."),
    404: ("not_found", "Dit adres bestaat niet of u heeft er geen toegang toe."),
    405: ("method_not_allowed", "Deze methode is hier niet toegestaan."),
    413: ("payload_too_large", "De verzonden gegevens zijn te groot (hoogstens 1 MiB)."),
    415: ("unsupported_media_type", "Stuur JSON."),
    429: ("too_many_requests", "Te veel verzoeken; probeer het later opnieuw."),
    500: ("internal_error", "Er ging iets mis. Er is niets half opgeslagen; probeer het opnieuw."),
}


# Endpoints that accept more than 1 MiB (uploads): their own 413 message, by endpoint name.
UPLOAD_LIMITS: dict[str, Callable[[], str]] = {}


class ApiError(Exception):
    """An error the API answers with directly (validation, authentication)."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def request_id() -> str:
    """The caller's `X-Request-Id` when it is sane, else a new one; one per request."""
    rid = g.get("api_request_id")
    if rid is None:
        given = request.headers.get("X-Request-Id", "")
        rid = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.api_request_id = rid
    return rid


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(details, default=str))


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "details": _jsonable(details or {})}}
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    response.headers["X-Request-Id"] = request_id()
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="jobtraject"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def database_error(exc: DBAPIError) -> Response:
    """A driver error escaping a service: 503 when the database is busy/down, else a JSON 500."""
    mapped = classify_error(exc)
    if mapped is not None:
        return engine_error(mapped)
    log.error("API database error on %s %s: %s", request.method, request.url_rule or "?", exc.__class__.__name__)
    code, message = HTTP_CODES[500]
    return error_response(500, code, message)


def engine_error(exc: EngineError | DatabaseBusy) -> Response:
    status = STATUS_BY_CODE.get(exc.code, 422)
    headers = {"Retry-After": "2"} if status == 503 else None
    return error_response(status, exc.code, exc.message, dict(exc.details), headers)


def api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.details)


def http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code, message = HTTP_CODES.get(status, (f"http_{status}", exc.description or "Fout."))
    if status == 413 and request.endpoint in UPLOAD_LIMITS:
        message = UPLOAD_LIMITS[request.endpoint]()
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return error_response(status, code, message, None, headers)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def register(app: Flask) -> None:
    """Wrap the app-wide HTTP error handlers so `/api/...` paths get JSON.

    (The blueprint's own handlers for `EngineError` and `ApiError` are set once, where
    the blueprint's views are defined.)
    """
    for status in (400, 401, 403, 404, 405, 413, 415, 429, 500):
        _json_on_api_paths(app, status)


def _json_on_api_paths(app: Flask, status: int) -> None:
    """Wrap the app-wide handler for `status` so `/api/...` gets JSON, other paths HTML."""
    previous = dict(app.error_handler_spec[None].get(status) or {})

    def handler(exc: Exception):
        if is_api_request():
            if status == 500:
                original = getattr(exc, "original_exception", None)
                log.error("API error on %s %s: %s", request.method, request.url_rule or "?",
                          original.__class__.__name__ if original else exc.__class__.__name__)
            if isinstance(exc, HTTPException):
                return http_error(exc)
            code, message = HTTP_CODES[status]
            return error_response(status, code, message)
        for cls in type(exc).__mro__:
            if cls in previous:
                return previous[cls](exc)
        return exc

    app.register_error_handler(status, handler)
