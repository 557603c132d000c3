"""Checking API input against its JSON Schema: request bodies, JSON parsing and query
parameters, each refused with a 400 that names the fields in Dutch."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from webui.api.errors import ApiError

# Payloads and case data are stored as JSON; deeper nesting is never a real form.
MAX_DEPTH = 32

_MESSAGES = {
    "additionalProperties": "Onbekend veld.",
    "required": "Dit veld is verplicht.",
    "type": "Dit veld heeft het verkeerde type.",
    "enum": "Deze waarde is niet toegestaan.",
    "const": "Deze waarde is niet toegestaan.",
    "maxProperties": "Hier horen geen gegevens.",
    "maxLength": "Deze tekst is te lang.",
    "minLength": "Dit veld mag niet leeg zijn.",
    "minimum": "Dit getal is te klein.",
    "maximum": "Dit getal is te groot.",
    "pattern": "Deze waarde heeft niet de juiste vorm.",
}


def _path(error) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        parts += missing[:1]
    elif error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        parts += extra[:1]
    return ".".join(parts) or "(body)"


def check(schema: dict[str, Any], value: Any) -> None:
    """Raise a 400 naming every field that does not fit the schema."""
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        fields = {_path(e): _MESSAGES.get(str(e.validator), "Deze waarde klopt niet.") for e in errors[:20]}
        raise ApiError(400, "invalid_request", "Het verzoek klopt niet met het schema.", errors=fields)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth, stopping early once past `limit` (iterative: no recursion limit)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_json(raw: bytes) -> Any:
    """The request body as JSON; malformed, non-UTF-8 or absurdly nested bodies are a 400."""
    if not raw.strip():
        raise ApiError(400, "invalid_json", "Het verzoek heeft geen JSON-inhoud.")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "Het verzoek is geen geldige JSON.") from exc
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise ApiError(400, "invalid_json", f"De JSON is dieper genest dan {MAX_DEPTH} niveaus.")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def integral(value: Any) -> Any:
    """JSON Schema counts 3.0 as an integer; the services want the int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# -- query parameters ---------------------------------------------------------------------


# What `format: date` / `format: date-time` mean (RFC 3339), checked where the value is parsed.
RFC3339_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RFC3339_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})")


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    description: str = ""

    def openapi(self) -> dict[str, Any]:
        return {"name": self.name, "in": "query", "required": False, "schema": self.schema,
                "description": self.description}

    def parse(self, args) -> Any:
        raw = args.get(self.name)
        if raw is None:
            return self.schema.get("default")
        value: Any = raw
        if self.schema.get("type") == "integer":
            if not re.fullmatch(r"-?[0-9]{1,20}", raw):
                raise ApiError(400, "invalid_request", "Het verzoek klopt niet met het schema.",
                               errors={self.name: "Verwacht een geheel getal."})
            value = int(raw)
        validator = Draft202012Validator(self.schema)
        if not validator.is_valid(value):
            error = next(validator.iter_errors(value))
            raise ApiError(400, "invalid_request", "Het verzoek klopt niet met het schema.",
                           errors={self.name: _MESSAGES.get(str(error.validator), "Deze waarde klopt niet.")})
        return value
