"""Without the licensed INVRA labels the pages say so, name the three categories and tell an
administrator how to load them; `jobtraject invra load-labels` loads them and the notice goes."""

from __future__ import annotations

from click.testing import CliRunner
from flask.cli import ScriptInfo

from tests.web.inbox_support import SANNE, sign_in  # noqa: F401 - fixtures: a fast demo `app`
from webui.cli import main

BAKERY_CASE = "/zaken/1/gegevens"  # Bakkerij De Korenaar's trajectory's records: a workplace profile


def cli(app, *args: str):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_without_labels_the_case_page_says_so_and_names_the_three_categories(client):
    sign_in(client, SANNE)
    html = client.get(BAKERY_CASE).get_data(as_text=True)
    assert "De omschrijvingen van de INVRA-competenties zijn niet geladen." in html
    for category in ("Arbeidsprestaties</strong> (01–12)", "Motorische competenties</strong> (13–19)",
                     "Arbeidshouding</strong> (20–38)"):
        assert category in html
    assert "Een beheerder kan de omschrijvingen" in html


def test_an_administrator_is_told_the_command_and_the_command_loads_the_labels(app, client, tmp_path):
    sign_in(client, "beheer@job.example")
    assert "jobtraject invra load-labels BESTAND" in client.get(BAKERY_CASE).get_data(as_text=True)
    labels = tmp_path / "invra.txt"
    labels.write_text("# licentie JoB\n01;Werktempo houden\n02;Nauwkeurig werken\n", encoding="utf-8")
    bad = tmp_path / "fout.txt"
    bad.write_text("99;Bestaat niet\n", encoding="utf-8")
    refused = cli(app, "invra", "load-labels", str(bad), "--name", "INVRA 2026")
    assert refused.exit_code != 0 and "99" in refused.output
    result = cli(app, "invra", "load-labels", str(labels), "--name", "INVRA 2026")
    assert result.exit_code == 0, result.output
    html = client.get(BAKERY_CASE).get_data(as_text=True)
    assert "niet geladen" not in html and "Werktempo houden" in html
