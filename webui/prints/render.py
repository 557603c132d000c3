"""HTML + print CSS -> PDF with WeasyPrint, in memory: a PDF is made for one download and never
stored (an erased candidate must not survive in a file). The stylesheet is inlined and every
URL fetch is refused, so a document never reaches the network or the file system. The print
stylesheet (`templates/pdf/_print.css`) is handed to WeasyPrint beside the HTML, so the templates
stay free of inline style like every page (the CSP test reads them all).
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


LANDSCAPE = "@page { size: A4 landscape; }"


def pdf_bytes(template: str, *, landscape: bool = False, **context: Any) -> bytes:
    """Render `template` (under templates/pdf/) and lay it out as A4 pages."""
    from weasyprint import CSS, HTML  # imported when first needed: it takes a second to load

    context.setdefault("today", local_today(services().clock.now()))  # "Afgedrukt op" in the footer
    # The app's filters, but not its context processors: a document needs no menu counts (no queries).
    env = current_app.jinja_env
    html = env.get_template(template).render(**context)
    css = env.get_template("pdf/_print.css").render() + (LANDSCAPE if landscape else "")
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf(
        stylesheets=[CSS(string=css, url_fetcher=_no_fetch)])


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
