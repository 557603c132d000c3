"""A select's options as one string: the filter forms list every employer (500 at 100,000 cases).

Rendered through Jinja, each option cost two escapes into `Markup` objects and a loop step:
about 6 ms of every inbox and queue request (docs/benchmark.md, round 8). The same markup,
escaped the way markupsafe escapes (so the HTML is byte for byte what the loop gave), built in
Python and kept for the next request with the same options.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from flask import Flask
from markupsafe import Markup


def _escaped(value: Any) -> str:
    """markupsafe.escape's replacements, on a plain string (no Markup object per value)."""
    if hasattr(value, "__html__"):  # already markup: as Jinja would output it
        return str(value.__html__())
    return (str(value).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


@lru_cache(maxsize=256)
def _options(choices: tuple[tuple[Any, Any], ...], selected: Any) -> Markup:
    return Markup("".join(
        f'<option {"selected " if value == selected else ""}value="{_escaped(value)}">{_escaped(label)}</option>'
        for value, label in choices))


def option_tags(choices: Iterable[tuple[Any, Any]], selected: Any = None) -> Markup:
    """`<option>` tags for (value, label) pairs, the one equal to `selected` marked."""
    items = tuple((v, label) for v, label in choices)
    try:
        return _options(items, selected)
    except TypeError:  # an unhashable value: built without the cache
        return _options.__wrapped__(items, selected)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["option_tags"] = option_tags
