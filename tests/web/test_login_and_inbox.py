"""Logging in leads to the inbox; wrong credentials give one generic Dutch message."""


def test_anonymous_visitor_is_sent_to_login(client):
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_login_with_demo_user_shows_inbox(client, auth):
    r = auth.login("sanne@job.example")
    assert r.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Mijn taken" in page and "Sanne de Vries" in page and "Te laat" in page


def test_wrong_password_and_unknown_account_get_the_same_message(client, auth):
    a = auth.login("sanne@job.example", "verkeerd-wachtwoord")
    b = auth.login("niemand@job.example", "verkeerd-wachtwoord")
    msg = "Onbekende combinatie van e-mailadres en wachtwoord."
    assert a.status_code == b.status_code == 400
    assert msg in a.get_data(as_text=True) and msg in b.get_data(as_text=True)
    assert 'value="sanne@job.example"' in a.get_data(as_text=True)


def test_login_without_csrf_token_is_rejected(client):
    r = client.post("/login", data={"email": "sanne@job.example", "password": "x"})
    assert r.status_code == 400


def test_unknown_case_is_a_dutch_404(client, auth):
    auth.login("sanne@job.example")
    r = client.get("/zaken/424242")
    assert r.status_code == 404 and "Niet gevonden" in r.get_data(as_text=True)
