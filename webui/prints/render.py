"""HTML + print CSS -> PDF with WeasyPrint, in memory: a PDF is made for one download and never
stored (an erased candidate must not survive in a file). The stylesheet is inlined and every
URL fetch is refused, so a document never reaches the network or the file system.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from flask import Response, current_app

from engine.inbox import local_today
from webui.extensions import services

# WeasyPrint reports every layout step at INFO: ten lines per download say nothing to an operator.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError("PDFs load nothing from outside")


def pdf_bytes(template: str, **context: Any) -> bytes:
    """Render `template` (under templates/pdf/) and lay it out as A4 pages."""
    from weasyprint import HTML  # imported when first needed: it takes a second to load

    context.setdefault("today", local_today(services().clock.now()))  # "Afgedrukt op" in the footer
    # The app's filters, but not its context processors: a document needs no menu counts (no queries).
    html = current_app.jinja_env.get_template(template).render(**context)
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
