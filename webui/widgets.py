"""A faster `<select>` for the case and plan forms: the same markup as WTForms' own widget.

WTForms builds every `<option>` through `html_params`, a sorted dict and markupsafe's
`Markup.format` (about 10 µs an option); the plan's INVRA observation and the workplace
profile render 38 selects each. This widget writes the one common shape (a value, maybe
`selected`, no extra attributes) directly and leaves every other option to WTForms.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms.widgets import Select


class FastSelect(Select):
    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw:
            return Select.render_option.__func__(cls, choice, **kwargs)  # type: ignore[attr-defined]
        value = choice.value
        if isinstance(value, bool):
            value = str(value)
        quoted = str(escape(value)).replace('"', "&quot;")  # as html_params quotes an attribute
        selected = "selected " if choice.selected else ""  # html_params sorts: selected, value
        return Markup(f'<option {selected}value="{quoted}">{escape(choice.label or choice.value)}</option>')
