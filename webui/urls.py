"""URLs for templates without building each one through Werkzeug's URL map.

Why: `url_for` costs about 10-20 µs a call (Flask's checks, the map adapter, the rule's
builder), and a list page called it about 190 times per request: every menu link twice,
every stylesheet, and four links or form actions per row (docs/benchmark.md, round 8).

- The templates' `url_for` keeps its answers for links without per-row values (the menu,
  the stylesheets, a list's own address): the same endpoint and arguments give the same URL
  for as long as the app runs, so it is built once per process (per script root).
- `url_pattern(endpoint, "task_id")` builds the URL once with a placeholder and returns a
  callable that puts each row's value in, through the rule's own converter, so
  `pattern(7)` is exactly `url_for(endpoint, task_id=7)`.

Both fall back to Flask's own `url_for` for anything unusual (relative endpoints, `_external`,
`_anchor` and the like, endpoints with more than one rule).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask import url_for as flask_url_for
from werkzeug.routing.converters import NumberConverter

_CACHE_LIMIT = 2048  # distinct (endpoint, arguments) kept per app; a per-row id never gets here twice
_SENTINEL_INT = 8_642_097_531_864_209
_SENTINEL_STR = "QjbtrqSENTINELqjbtrQ"


class UrlPattern:
    """A rule's URL with placeholders: called with the placeholders' values, in `names` order."""

    __slots__ = ("_parts", "_slots")

    def __init__(self, parts: list[str], slots: list[tuple[int, Callable[[Any], str]]]) -> None:
        self._parts = parts  # the fixed text around the placeholders (one more than slots)
        self._slots = slots  # per placeholder in the URL: which value goes there, and its converter

    def __call__(self, *values: Any) -> str:
        parts = self._parts
        out = [parts[0]]
        for i, (index, convert) in enumerate(self._slots):
            out.append(convert(values[index]))
            out.append(parts[i + 1])
        return "".join(out)


def _cacheable(endpoint: str, values: dict[str, Any]) -> bool:
    return not endpoint.startswith(".") and not any(k.startswith("_") for k in values)


def cached_url_for(endpoint: str, **values: Any) -> str:
    """`url_for` for templates, answered from a per-app table when it was built before."""
    if not _cacheable(endpoint, values) or not has_request_context():
        return flask_url_for(endpoint, **values)
    try:  # in the caller's order: Werkzeug keeps it for the query string
        key: Hashable = (endpoint, request.script_root, tuple(values.items()))
        hash(key)
    except TypeError:  # an unhashable value (a list for a repeated query parameter)
        return flask_url_for(endpoint, **values)
    table: dict[Hashable, str] = current_app.extensions.setdefault("webui.urls", {})
    url = table.get(key)
    if url is None:
        url = flask_url_for(endpoint, **values)
        if len(table) < _CACHE_LIMIT:
            table[key] = url
    return url


def url_pattern(endpoint: str, *names: str, **fixed: Any) -> UrlPattern | Callable[..., str]:
    """A callable giving `url_for(endpoint, **fixed, name1=v1, ...)` for values v1, ...

    Built once per app (and script root); names must be the rule's own arguments."""
    if not has_request_context():
        return lambda *values: flask_url_for(endpoint, **fixed, **dict(zip(names, values, strict=True)))
    key = ("pattern", endpoint, names, request.script_root, tuple(sorted(fixed.items())))
    table: dict[Hashable, Any] = current_app.extensions.setdefault("webui.url_patterns", {})
    made = table.get(key)
    if made is None:
        made = table[key] = _pattern(current_app, endpoint, names, fixed)
    return made


def _pattern(app: Flask, endpoint: str, names: tuple[str, ...], fixed: dict[str, Any]) -> Any:
    rules = app.url_map._rules_by_endpoint.get(endpoint, [])
    converters = getattr(rules[0], "_converters", {}) if len(rules) == 1 else {}
    if not _cacheable(endpoint, fixed) or not names or any(n not in converters for n in names):
        return lambda *values: flask_url_for(endpoint, **fixed, **dict(zip(names, values, strict=True)))
    def plain(*values: Any) -> str:
        return flask_url_for(endpoint, **fixed, **dict(zip(names, values, strict=True)))

    sentinels = {n: _SENTINEL_INT + i if _numeric(converters[n]) else f"{_SENTINEL_STR}{i}"
                 for i, n in enumerate(names)}
    url = flask_url_for(endpoint, **fixed, **sentinels)
    marks = [(url.find(converters[n].to_url(sentinels[n])), i, n) for i, n in enumerate(names)]
    if any(at < 0 for at, _i, _n in marks):  # pragma: no cover - a converter that changes the placeholder
        return plain
    parts, slots, start = [], [], 0
    for at, i, n in sorted(marks):  # in the order the placeholders stand in the URL
        parts.append(url[start:at])
        slots.append((i, converters[n].to_url))
        start = at + len(converters[n].to_url(sentinels[n]))
    parts.append(url[start:])
    pattern = UrlPattern(parts, slots)
    probe = [7 if _numeric(converters[n]) else "x y" for n in names]  # checked once against Werkzeug
    return pattern if pattern(*probe) == plain(*probe) else plain


def _numeric(converter: Any) -> bool:
    return isinstance(converter, NumberConverter)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(url_for=cached_url_for, url_pattern=url_pattern)
