"""Where to send someone after login (or after an inbox action): only to a page of this app.

A `next` value is read the way a browser would read it in a `Location` header (the WHATWG URL
rules): leading and trailing C0 controls and spaces are dropped, every tab, CR and LF inside is
removed, and a backslash counts as a slash. Checking the raw string is not enough: `/\t/evil.example`
passes a "starts with one slash" test and the browser still goes to `//evil.example`.

What is left must be a path on this origin (no scheme, no host, no userinfo), which decoded once
is still one path that one of the app's own GET routes answers. Everything else gives None, and
the caller falls back to its default page.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException

_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_CR_LF = re.compile(r"[\t\r\n]")
# After normalising, one visible ASCII character after another: no spaces, controls, DEL or
# non-ASCII (a full-width solidus U+FF0F may become "/" in some parser down the line).
_PLAIN = re.compile(r"[\x21-\x7e]*")
_PATH_SAFE = "/-._~!$&'()*+,;=:@"
_QUERY_SAFE = _PATH_SAFE + "?%"  # the query is passed on as written, so its escapes stay
MAX_LENGTH = 2000


def browser_normalised(target: str) -> str:
    """The URL string a browser would go on to parse (WHATWG basic URL parser, first steps)."""
    return _TAB_CR_LF.sub("", target.strip(_C0_AND_SPACE)).replace("\\", "/")


def _routed(path: str) -> bool:
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except HTTPException:  # not found, not a GET page, or RequestRedirect (e.g. a missing "/")
        return False
    return True


def safe_next(target: object) -> str | None:
    """`target` as a same-origin path of one of our pages, or None when it is anything else."""
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return None
    url = browser_normalised(target)
    if not _PLAIN.fullmatch(url) or not url.startswith("/") or url.startswith("//"):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    # Decoded once, the path must still be a plain single-slash path: no encoded "//", "\", controls.
    if path != browser_normalised(path) or not path.startswith("/") or path.startswith("//") \
            or not _PLAIN.fullmatch(path) or not _routed(path):
        return None
    query = f"?{quote(parts.query, safe=_QUERY_SAFE)}" if parts.query else ""
    return quote(path, safe=_PATH_SAFE) + query
