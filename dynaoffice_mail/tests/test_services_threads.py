"""Conversations from what servers answer and what headers say (#16): the THREAD answer
read exactly, or refused; messages joined by the IDs they name and by base subjects."""

import pytest

from odoo.addons.dynaoffice_mail.services.exceptions import ProtocolError
from odoo.addons.dynaoffice_mail.services.threads import _links_of, group_by_links, parse_threads


def test_thread_answer_gives_each_threads_uids():
    assert parse_threads(b"(2)(3 6 (4 23)(44 7 96))") == [[2], [3, 6, 4, 23, 44, 7, 96]]
    assert parse_threads(b"((1)(2))(3)") == [[1, 2], [3]]
    assert parse_threads(b"") == []


@pytest.mark.parametrize(
    "answer",
    [b"(1)(2", b"(1))(2)", b"1 (2)", b"(1)(2 A0001 OK)", b"(1)\r\n* BYE"],
)
def test_a_broken_thread_answer_is_refused(answer):
    with pytest.raises(ProtocolError):
        parse_threads(answer)


def _header(subject, own, references=""):
    lines = [f"Subject: {subject}", f"Message-ID: <{own}@x>"]
    if references:
        lines.append("References: " + " ".join(f"<{name}@x>" for name in references.split()))
    return "\r\n".join(lines).encode() + b"\r\n\r\n"


def test_headers_join_what_names_each_other_or_a_common_message():
    links = {
        1: _links_of(_header("Angebot", "a1")),
        2: _links_of(_header("Rechnung", "b1")),
        # Answers to a message that is not in the folder (the user's own, in Sent).
        3: _links_of(_header("AW: Angebot", "a3", "a1 a2")),
        4: _links_of(_header("Re: Angebot", "a4", "a2")),
        # A reply that lost its references, joined by its base subject; a new mail with
        # the same subject that is no reply stays apart.
        5: _links_of(_header("AW: WG: Rechnung", "b2")),
        6: _links_of(_header("Rechnung", "b9")),
    }
    assert links[3][:2] == ("<a3@x>", ("<a1@x>", "<a2@x>"))
    assert links[5][2:] == ("Rechnung", True)
    assert group_by_links(links) == ((6,), (2, 5), (1, 3, 4))
