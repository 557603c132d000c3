"""Sealed secrets open only with the same SECRET_KEY, purpose and row; the sealed bytes hide them."""

from __future__ import annotations

import pytest

from engine.jobs.sealing import MAIL_PURPOSE, SealBroken, Sealer, derive_key, mail_sealer
from engine.jobs.secret_mail import SECRET_PLACEHOLDER, fill

LINK = "https://jobtraject.test/wachtwoord-herstellen/Zq3-token_that_must_not_leak"
ROW = b"outbox\n<abc@jobtraject>\nmarieke@korenaar.example"


def test_a_sealed_link_opens_with_the_same_key_and_row():
    assert mail_sealer("geheim").open(mail_sealer("geheim").seal(LINK, ROW), ROW) == LINK


def test_the_sealed_bytes_do_not_contain_the_link_or_its_token():
    sealed = mail_sealer("geheim").seal(LINK, ROW)
    assert b"token_that_must_not_leak" not in sealed and b"wachtwoord" not in sealed


def test_sealing_the_same_link_twice_gives_different_bytes():
    sealer = mail_sealer("geheim")
    assert sealer.seal(LINK, ROW) != sealer.seal(LINK, ROW)


def test_another_secret_key_cannot_open_it():
    with pytest.raises(SealBroken):
        mail_sealer("nieuw geheim").open(mail_sealer("oud geheim").seal(LINK, ROW), ROW)


def test_a_seal_moved_to_another_recipient_does_not_open():
    sealed = mail_sealer("geheim").seal(LINK, ROW)
    with pytest.raises(SealBroken):
        mail_sealer("geheim").open(sealed, ROW.replace(b"marieke@korenaar", b"aanvaller@evil"))


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_a_changed_byte_is_refused_rather_than_opened_wrongly(position):
    sealed = bytearray(mail_sealer("geheim").seal(LINK, ROW))
    sealed[position] ^= 0x01
    with pytest.raises(SealBroken):
        mail_sealer("geheim").open(bytes(sealed), ROW)


def test_one_secret_key_gives_a_distinct_key_per_purpose():
    assert derive_key("geheim", MAIL_PURPOSE) != derive_key("geheim", b"jobtraject/other-purpose")
    assert derive_key("geheim", MAIL_PURPOSE) != b"geheim".ljust(32, b"\0")
    with pytest.raises(SealBroken):
        Sealer("geheim", b"jobtraject/other-purpose").open(mail_sealer("geheim").seal(LINK, ROW), ROW)


def test_an_empty_secret_key_seals_nothing():
    with pytest.raises(ValueError):
        mail_sealer("")


def test_the_secret_takes_the_placeholders_place_and_is_escaped_in_html():
    assert fill(f"Klik: {SECRET_PLACEHOLDER}\n", LINK) == f"Klik: {LINK}\n"
    assert fill(f'<a href="{SECRET_PLACEHOLDER}">x</a>', 'https://x.test/?a=1&b="2"', is_html=True) == (
        '<a href="https://x.test/?a=1&amp;b=&quot;2&quot;">x</a>')
