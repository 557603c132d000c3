"""Token authentication for the API: `Authorization: Bearer <token>`, nothing else.

The browser's session cookie is deliberately ignored here: the API is exempt from CSRF
protection, so accepting the cookie would let any web page make a logged-in browser act
through the API. A token acts as its user: the same `Actor` the web UI builds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request

from engine.identity.tokens import actor_for_token
from engine.spec import Actor
from webui.api.errors import ApiError
from webui.extensions import services


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run the view as the token's user; 401 for a missing, unknown or revoked token."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        svc = services()
        actor = actor_for_token(svc.db, svc.clock, bearer_token())
        if actor is None:
            raise ApiError(401, "unauthorized",
                           "Stuur een geldige API-sleutel mee: Authorization: Bearer <sleutel>.")
        g.api_actor = actor
        return view(*args, **kwargs)

    wrapped.access_rule = "api_token"  # type: ignore[attr-defined]
    return wrapped


def api_actor() -> Actor:
    return g.api_actor
