"""What makes the list pages cheap stays true: URL patterns and cached URLs give exactly what
`url_for` gives, the select options are escaped as Jinja escapes them, and the inbox and the
queue build their statements once per person, not on every request (docs/benchmark.md, round 8).
"""

from __future__ import annotations

import pytest
from flask import render_template_string, url_for
from sqlalchemy.sql import coercions

from tests.sessions import sign_in
from webui.html_options import option_tags
from webui.urls import cached_url_for, url_pattern

VALUES = {"int": [0, 7, 123456789], "default": ["a", "a b/é?&x=1", "pagina 2"], "string": ["x", "a b/é"],
          "path": ["a/b c"]}


def _sample(converter) -> list:
    name = type(converter).__name__
    if name == "IntegerConverter":
        return VALUES["int"]
    if name == "PathConverter":
        return VALUES["path"]
    return VALUES["string"]


def test_a_url_pattern_gives_what_url_for_gives_for_every_route(app):
    checked = 0
    with app.test_request_context("/"):
        for rule in app.url_map.iter_rules():
            names = sorted(rule.arguments)
            if not names or rule.endpoint == "static":
                continue
            pattern = url_pattern(rule.endpoint, *names)
            samples = [_sample(rule._converters[n]) for n in names]
            for i in range(3):
                values = [s[i % len(s)] for s in samples]
                assert pattern(*values) == url_for(rule.endpoint, **dict(zip(names, values, strict=True)))
                checked += 1
    assert checked > 50


def test_a_url_pattern_keeps_fixed_arguments_and_the_query_string(app):
    with app.test_request_context("/", base_url="http://localhost/sub"):
        pattern = url_pattern("actions.page", "name", "case_id")  # in another order than in the URL
        assert pattern("plan_opstellen", 12) == url_for("actions.page", case_id=12, name="plan_opstellen")
        assert pattern("x", 1).startswith("/sub/")
        with_query = url_pattern("cases.show", "case_id", tab="audit")
        assert with_query(5) == url_for("cases.show", case_id=5, tab="audit")


def test_the_templates_url_for_answers_as_flask_does_and_keeps_the_argument_order(app):
    with app.test_request_context("/"):
        for _ in range(2):  # built, then from the table
            assert cached_url_for("inbox.index") == url_for("inbox.index")
            assert cached_url_for("inbox.index", te_laat="y", pagina=2) == url_for("inbox.index", te_laat="y", pagina=2)
            assert cached_url_for("inbox.index", pagina=2, te_laat="y") == url_for("inbox.index", pagina=2, te_laat="y")
            assert cached_url_for("static", filename="app.css") == url_for("static", filename="app.css")
            assert cached_url_for("inbox.index", _anchor="x") == url_for("inbox.index", _anchor="x")
    with app.test_request_context("/", base_url="http://localhost/sub"):  # another script root: its own URLs
        assert cached_url_for("inbox.index") == "/sub/" == url_for("inbox.index")


@pytest.mark.parametrize("selected", [None, "", "2", "<b>"])
def test_select_options_are_the_markup_the_jinja_loop_gave(app, selected):
    choices = [("", "Alle bedrijven"), ("2", "Bakkerij 't Hoekje & Zn"), ("<b>", 'Een "naam" <script>'), (3, "Drie")]
    loop = ('{% for value, label in choices %}<option {% if value == selected %}selected {% endif %}'
            'value="{{ value }}">{{ label }}</option>{% endfor %}')
    with app.test_request_context("/"):
        expected = render_template_string(loop, choices=choices, selected=selected)
        assert str(option_tags(choices, selected)) == expected
        assert render_template_string("{{ option_tags(choices, selected) }}", choices=choices,
                                      selected=selected) == expected


def _coercions_of(client, path: str, monkeypatch) -> int:
    calls = []
    real = coercions.expect

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(coercions, "expect", counted)
        assert client.get(path).status_code == 200
    return len(calls)


# SQLAlchemy coercions (building statement objects) per request once the person's statements
# are built, on the demo data. Before round 8: 315 for the inbox and 202 for the queue on every
# request; after: 8 each (the login check's statement), the lists' statements none.
COERCION_BUDGET = 20


@pytest.mark.parametrize("path", ["/", "/wachtrij"])
def test_the_inbox_and_queue_build_their_statements_once_per_person(app, client, path, monkeypatch):
    sign_in(client, "sanne@job.example")
    first = _coercions_of(client, path, monkeypatch)
    again = _coercions_of(client, path, monkeypatch)
    assert again <= COERCION_BUDGET < first, (first, again)
