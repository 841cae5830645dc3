"""The new contact's name, company and phone, guessed from the From header and the signature
block (services/signatures.py): what "Create contact" in the context pane is prefilled with."""

import pytest

from odoo.addons.dynaoffice_mail.services.signatures import guess_contact, signature_block

GERMAN = """Hallo Frau Berger,

anbei das Angebot für das Dach.

Mit freundlichen Grüßen
Jürgen Weiß
Weiß Bau GmbH
Hauptstraße 5, 10115 Berlin
Tel. +49 30 1234567

Am 3. März 2026 schrieb Anna Berger:
> Können Sie uns ein Angebot schicken?
> Gruß, Musterfirma AG
"""

ENGLISH = """Hi Anna,

see below.

--
Mary Major
Head of Sales, Acme Ltd. | www.acme.example
Phone: (555) 123-4567
"""


@pytest.mark.parametrize(
    ("display_name", "address", "text", "expected"),
    [
        (
            "",
            "juergen@weiss-bau.example",
            GERMAN,
            ("Jürgen Weiß", "Weiß Bau GmbH", "+49 30 1234567"),
        ),
        ("Mary Major", "mary@acme.example", ENGLISH, ("Mary Major", "Acme Ltd.", "(555) 123-4567")),
        # The header's name wins over the signature's.
        (
            "J. Weiß (Büro)",
            "buero@weiss-bau.example",
            GERMAN,
            ("J. Weiß (Büro)", "Weiß Bau GmbH", "+49 30 1234567"),
        ),
        # No signature: a two-word local part names the person, nothing names a company.
        ("", "tom.neumann@gmx.de", "Hallo,\nwann kommen Sie?\n", ("Tom Neumann", "", "")),
        ("", "info@schreinerei.example", "Bitte um Rückruf.", ("", "", "")),
        ("", "k@t-online.de", None, ("", "", "")),
    ],
)
def test_guess_contact(display_name, address, text, expected):
    guess = guess_contact(display_name, address, text)
    assert (guess.name, guess.company, guess.phone) == expected


def test_a_company_in_quoted_mail_is_not_the_senders():
    # The only legal form is in the quoted mail below the sender's own text.
    text = "Danke!\nViele Grüße\nEva\n\nAm 2. März schrieb Tom:\n> Tom\n> Neubau GmbH\n"
    assert guess_contact("Eva Klein", "eva@example.com", text).company == ""
    assert signature_block(text) == ["Eva"]


def test_the_sig_dash_wins_over_a_closing_in_the_text():
    text = "Mit freundlichen Grüßen an Ihr Team, sagt Herr Maier.\nBeste Grüße\nA\n-- \nB\nB GmbH\n"
    assert signature_block(text) == ["B", "B GmbH"]


def test_a_signature_is_read_from_its_first_lines_only():
    text = "Gruß\nTom\n" + "\n".join(f"Zeile {n}" for n in range(50)) + "\nEnde GmbH\n"
    assert len(signature_block(text)) == 8
    assert guess_contact("Tom", "tom@example.com", text).company == ""


def test_long_and_spaced_values_are_cut_and_collapsed():
    guess = guess_contact("  Anna \t Berger  ", "a@example.com", "Gruß\nA\n" + "X" * 300 + " GmbH")
    assert guess.name == "Anna Berger"
    assert len(guess.company) == 128
