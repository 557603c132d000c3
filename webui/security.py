"""Security headers on every response (ASVS 5.0 V3.4, V14.3).

A strict Content-Security-Policy: scripts, styles and images only from our own origin (no
inline script or style attributes in templates; inline SVG uses presentation attributes,
which CSP allows), no plugins, no <base>, forms only to ourselves, never in a frame.
Pages for a logged-in user are never cached. HSTS once the site is served over https.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # Anything rendered for a person (and every login step) stays out of caches.
        if g.get("user") is not None or (request.endpoint != "static" and "Cache-Control" not in h):
            h["Cache-Control"] = "no-store"
        h.add("Vary", "Cookie")
        if app.config.get("SESSION_COOKIE_SECURE") or request.is_secure:
            h.setdefault("Strict-Transport-Security", HSTS)
        return response
