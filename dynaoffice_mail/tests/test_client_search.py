"""The search box over RPC: the query language on a folder's list, its errors as messages
for the user, the search in every folder of every mailbox a user may use, and saved
searches, each user's own."""

import datetime
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from ..roles import searcher
from ..roles.query import SearchQueryError
from .common import MailServerCase, build_message


def _message(subject, sender, day, body="Hallo\n"):
    return build_message(
        subject,
        sender=sender,
        date=datetime.datetime(2026, 3, day, 9, 0, tzinfo=datetime.timezone.utc),
        body=body,
    )


@tagged("post_install", "-at_install")
class TestClientSearch(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        received = datetime.datetime(2026, 3, 20, tzinfo=datetime.timezone.utc)
        anna = "Anna Schmidt <anna@example.com>"
        cls.servers.dovecot.write_messages(
            cls.personal_address,
            [
                ("INBOX", _message("Angebot Dach", anna, 3), set(), received),
                ("INBOX", _message("Rechnung März", "billing@shop.example", 5), set(), received),
                ("INBOX", _message("Termin", anna, 4), {"\\Seen"}, received),
                ("Archive", _message("Altes Angebot", anna, 1), set(), received),
                ("Trash", _message("Gelöschtes Angebot", anna, 2), set(), received),
            ],
        )
        cls.servers.dovecot.write_messages(
            cls.shared_address,
            [("INBOX", _message("Angebot Vertrieb", anna, 6), set(), received)],
        )
        cls.Account = cls.env["dynaoffice.mail.account"]
        cls.Saved = cls.env["dynaoffice.mail.saved.search"]

    def _subjects(self, page):
        return [message["subject"] for message in page["messages"]]

    # -- the query on a folder's list --------------------------------------------------------

    def test_the_box_speaks_the_query_language(self):
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX", search={"text": "from:anna is:unread"})
        self.assertEqual(self._subjects(page), ["Angebot Dach"])
        page = account.client_page("INBOX", search={"text": "-von:anna"})
        self.assertEqual(self._subjects(page), ["Rechnung März"])
        # The fields below the box still work, with the box and alone.
        page = account.client_page("INBOX", search={"text": "angebot", "unseen": True})
        self.assertEqual(self._subjects(page), ["Angebot Dach"])
        page = account.client_page("INBOX", search={"subject": "termin"})
        self.assertEqual(self._subjects(page), ["Termin"])
        # "Select all" takes the same search.
        matching = account.client_matching_uids("INBOX", {"text": "from:anna"})
        self.assertEqual(len(matching["uids"]), 2)

    def test_an_internationalised_domain_is_found_as_typed(self):
        """Mail from hans@müller-bau.example carries the domain in punycode
        (xn--mller-bau-q9a.example); the user types it as it is written, in the box and in
        the From field below it, and finds the mail."""
        received = datetime.datetime(2026, 3, 20, tzinfo=datetime.timezone.utc)
        wire = "hans@" + "müller-bau.example".encode("idna").decode()
        self.servers.dovecot.write_messages(
            self.shared_address,
            [
                ("Lieferanten", _message("Lieferschein", f"Hans <{wire}>", 7), set(), received),
                (
                    "Lieferanten",
                    _message("Mahnung", "Bücher <info@buecher.example>", 8),
                    set(),
                    received,
                ),
            ],
        )
        account = self.shared.with_user(self.member)
        for search in (
            {"text": "from:hans@müller-bau.example"},
            {"text": "von:Müller-Bau.example"},
            {"from_": "hans@müller-bau.example"},
        ):
            with self.subTest(search=search):
                page = account.client_page("Lieferanten", search=search)
                self.assertEqual(self._subjects(page), ["Lieferschein"])
        page = account.client_page("Lieferanten", search={"text": "-from:müller-bau.example"})
        self.assertEqual(self._subjects(page), ["Mahnung"])
        page = account.client_page("Lieferanten", search={"text": "from:Bücher"})
        self.assertEqual(self._subjects(page), ["Mahnung"])

    def test_malformed_queries_are_user_errors(self):
        account = self.personal.with_user(self.owner)
        for query, expected in (
            ("foo:bar", "foo:"),
            ("before:yesterday", "before:yesterday"),
            ("larger:huge", "larger:huge"),
            ("is:someday", "is:someday"),
            ("x\r\nA1 LOGOUT", "line breaks"),
        ):
            with self.subTest(query=query), self.assertRaises(SearchQueryError) as caught:
                account.client_page("INBOX", search={"text": query})
            self.assertIsInstance(caught.exception, UserError)
            self.assertIn(expected, str(caught.exception))
        with self.assertRaises(SearchQueryError):
            self.Account.with_user(self.owner).client_search_everywhere("foo:bar")
        # The connection is none the worse.
        self.assertEqual(account.client_page("INBOX")["total"], 3)

    def test_or_finds_mail_of_either_in_the_list_everywhere_and_saved(self):
        """`termin OR from:billing` (Gmail's OR, German ODER) finds mail matching either
        term, in a folder's list, its "select all", the search in all folders and a saved
        search; an OR without a term on each side is said under the box in the user's
        language."""
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX", search={"text": "termin OR from:billing"})
        self.assertEqual(self._subjects(page), ["Rechnung März", "Termin"])
        page = account.client_page("INBOX", search={"text": "from:billing ODER von:anna is:unread"})
        self.assertEqual(self._subjects(page), ["Rechnung März", "Angebot Dach"])
        matching = account.client_matching_uids("INBOX", {"text": "termin OR from:billing"})
        self.assertEqual(len(matching["uids"]), 2)
        answer = self.Account.with_user(self.owner).client_search_everywhere(
            "altes OR rechnung", account_id=self.personal.id
        )
        self.assertEqual(
            self._found(answer),
            {
                (self.personal.id, "INBOX", "Rechnung März"),
                (self.personal.id, "Archive", "Altes Angebot"),
            },
        )
        saved = self.Saved.with_user(self.owner).create(
            {"name": "Anna oder Rechnungen", "query": "from:anna OR rechnung"}
        )
        self.assertEqual(saved.query, "from:anna OR rechnung")

        self.env["res.lang"]._activate_lang("de_DE")
        addon = self.env["ir.module.module"].search([("name", "=", "dynaoffice_mail")])
        addon._update_translations(["de_DE"])
        self.owner.lang = "de_DE"
        german = self.personal.with_user(self.owner).with_context(lang="de_DE")
        for query, word in (("von:anna ODER", "ODER"), ("OR rechnung", "OR"), ("a OR OR b", "OR")):
            with self.subTest(query=query), self.assertRaises(SearchQueryError) as caught:
                german.client_page("INBOX", search={"text": query})
            self.assertEqual(
                str(caught.exception),
                f"„{word}“ braucht auf beiden Seiten einen Suchbegriff, zum Beispiel von:anna "
                "ODER von:bert.",
            )
        with self.assertRaises(UserError):
            self.Saved.with_user(self.owner).create({"name": "Halb", "query": "from:anna OR"})

    def test_dates_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("de_DE")
        self.owner.lang = "de_DE"
        account = self.personal.with_user(self.owner).with_context(lang="de_DE")
        page = account.client_page("INBOX", search={"text": "vor:05.03.2026"})
        self.assertEqual(self._subjects(page), ["Termin", "Angebot Dach"])
        page = account.client_page("INBOX", search={"text": "after:2026-03-04"})
        self.assertEqual(self._subjects(page), ["Rechnung März", "Termin"])
        with self.assertRaises(SearchQueryError) as caught:
            account.client_page("INBOX", search={"text": "before:03/05/2026"})
        self.assertIn("before:03/05/2026", str(caught.exception))

    def test_the_fields_below_the_box_are_refused_as_the_box_is(self):
        """A line break or an overlong text in From, To or Subject is said under the box, in
        the user's language, as in the box itself; nothing goes to the server."""
        self.env["res.lang"]._activate_lang("de_DE")
        addon = self.env["ir.module.module"].search([("name", "=", "dynaoffice_mail")])
        addon._update_translations(["de_DE"])
        self.owner.lang = "de_DE"
        account = self.personal.with_user(self.owner).with_context(lang="de_DE")
        for search in (
            {"text": "x\r\nA1 LOGOUT"},
            {"from_": "anna\r\nA1 LOGOUT"},
            {"to": "x" * 1001},
            {"subject": "Angebot\nA1 DELETE INBOX"},
            {"text": "angebot", "subject": "ü" * 1001},
        ):
            with self.subTest(search=search), self.assertRaises(SearchQueryError) as caught:
                account.client_page("INBOX", search=search)
            self.assertEqual(
                str(caught.exception),
                "Die Suche darf keine Zeilenumbrüche enthalten und höchstens 1000 Zeichen lang "
                "sein.",
            )
        with self.assertRaises(SearchQueryError) as caught:
            account.client_matching_uids("INBOX", {"subject": ["Angebot"]})
        self.assertEqual(str(caught.exception), "Die Suche muss Text sein.")
        # The connection is none the worse.
        self.assertEqual(account.client_page("INBOX", search={"subject": "termin"})["total"], 1)

    # -- everywhere -------------------------------------------------------------------------

    def _found(self, answer):
        return {
            (result["account_id"], result["folder"], message["subject"])
            for result in answer["results"]
            for message in result["messages"]
        }

    def test_everywhere_searches_every_folder_of_the_users_mailboxes(self):
        answer = self.Account.with_user(self.owner).client_search_everywhere("angebot")
        found = self._found(answer)
        self.assertEqual(
            {item for item in found if item[0] in (self.personal.id, self.shared.id)},
            {
                (self.personal.id, "INBOX", "Angebot Dach"),
                (self.personal.id, "Archive", "Altes Angebot"),
            },
        )  # Trash is left out; the group mailbox is not the owner's
        result = next(each for each in answer["results"] if each["folder"] == "Archive")
        self.assertEqual(result["account_name"], self.personal.name)
        self.assertEqual(result["path_folders"][-1]["special_use"], "\\Archive")
        ref = result["messages"][0]["ref"]
        self.assertEqual((ref["account"], ref["folder"]), (self.personal.id, "Archive"))

        answer = self.Account.with_user(self.member).client_search_everywhere("from:anna")
        self.assertEqual(
            {item for item in self._found(answer) if item[0] in (self.personal.id, self.shared.id)},
            {(self.shared.id, "INBOX", "Angebot Vertrieb")},
        )

    def test_everywhere_says_of_a_mailbox_that_not_all_its_folders_were_searched(self):
        """At most MAX_SEARCH_FOLDERS folders of a mailbox are searched: beyond them, the
        answer says so of that mailbox (the client shows it above the results) rather than
        letting "nothing found" stand for folders that were never looked at."""
        Account = self.Account.with_user(self.owner)
        answer = Account.client_search_everywhere("angebot", account_id=self.personal.id)
        self.assertEqual(answer["errors"], [])
        with patch.object(searcher, "MAX_SEARCH_FOLDERS", 1):
            answer = Account.client_search_everywhere("angebot", account_id=self.personal.id)
        self.assertEqual(self._found(answer), {(self.personal.id, "INBOX", "Angebot Dach")})
        (note,) = answer["errors"]
        self.assertEqual(
            (note["account_id"], note["account_name"]), (self.personal.id, self.personal.name)
        )
        self.assertRegex(
            note["error"],
            r"^Only 1 of its [2-9] folders were searched\. Open a folder to search in it\.$",
        )

    def test_everywhere_in_one_mailbox_only_for_its_users(self):
        answer = self.Account.with_user(self.owner).client_search_everywhere(
            "angebot", account_id=self.personal.id, limit=1
        )
        inbox = next(each for each in answer["results"] if each["folder"] == "INBOX")
        self.assertEqual((inbox["total"], len(inbox["messages"])), (1, 1))
        for user, account in (
            (self.other, self.personal),
            (self.member, self.personal),
            (self.admin, self.personal),
            (self.owner, self.shared),
        ):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Account.with_user(user).client_search_everywhere(
                    "angebot", account_id=account.id
                )
        answer = self.Account.with_user(self.other).client_search_everywhere("angebot")
        self.assertFalse(
            {item for item in self._found(answer) if item[0] in (self.personal.id, self.shared.id)}
        )

    def test_everywhere_shows_a_folders_newest_and_its_list_all_of_them(self):
        """A folder with more matches than the search in all folders shows says how many it
        has; its list with the same query ("Show all in this folder") pages through them
        all, the newest first as there."""
        received = datetime.datetime(2026, 3, 28, tzinfo=datetime.timezone.utc)
        count = searcher.EVERYWHERE_LIMIT + 5
        self.servers.dovecot.write_messages(
            self.shared_address,
            [
                (
                    "INBOX",
                    _message(f"Kostenvoranschlag {day}", "bernd@example.com", day),
                    set(),
                    received,
                )
                for day in range(1, count + 1)
            ],
        )
        newest_first = [f"Kostenvoranschlag {day}" for day in range(count, 0, -1)]
        answer = self.Account.with_user(self.member).client_search_everywhere(
            "kostenvoranschlag", account_id=self.shared.id
        )
        (result,) = answer["results"]
        self.assertEqual((result["folder"], result["total"]), ("INBOX", count))
        self.assertEqual(self._subjects(result), newest_first[: searcher.EVERYWHERE_LIMIT])
        account = self.shared.with_user(self.member)
        listed = []
        for offset in (0, searcher.EVERYWHERE_LIMIT):
            page = account.client_page(
                result["folder"],
                offset=offset,
                limit=searcher.EVERYWHERE_LIMIT,
                search={"text": "kostenvoranschlag"},
            )
            self.assertEqual(page["total"], count)
            listed += self._subjects(page)
        self.assertEqual(listed, newest_first)

    # -- saved searches ---------------------------------------------------------------------

    def test_saved_searches_are_each_users_own(self):
        mine = self.Saved.with_user(self.owner).create(
            {"name": "Anna", "query": "from:anna is:unread", "account_id": self.personal.id}
        )
        self.assertEqual(mine.user_id, self.owner)
        everywhere = self.Saved.with_user(self.owner).create({"name": "Alle", "query": "angebot"})
        self.assertEqual(self.Saved.with_user(self.owner).search([]), mine | everywhere)
        for user in (self.other, self.member, self.admin):
            with self.subTest(user=user.login):
                Saved = self.Saved.with_user(user)
                self.assertFalse(Saved.search([]))
                with self.assertRaises(AccessError):
                    mine.with_user(user).read(["query"])
                with self.assertRaises(AccessError):
                    mine.with_user(user).write({"query": "x"})
                with self.assertRaises(AccessError):
                    mine.with_user(user).unlink()
                with self.assertRaises(AccessError):
                    Saved.create({"name": "Planted", "query": "x", "user_id": self.owner.id})
                own = Saved.create({"name": "Own", "query": "x"})
                with self.assertRaises(AccessError):
                    own.write({"user_id": self.owner.id})
        self.assertEqual(mine.with_user(self.owner).query, "from:anna is:unread")
        mine.with_user(self.owner).unlink()
        self.assertFalse(mine.exists())

    def test_saved_searches_of_a_deleted_folder_search_the_whole_mailbox(self):
        """A member deletes a folder of the group mailbox: a colleague's saved search of it
        searches the whole mailbox from then on (kept, it opened a folder that is gone);
        a search of a folder of that name in another mailbox stays as it was."""
        colleague = mail_new_test_user(
            self.env, login="mail_colleague", groups="base.group_user", name="Carla Colleague"
        )
        self.sales.users = [(4, colleague.id)]
        shared = self.shared.with_user(self.member)
        shared.client_create_folder("Projekt Dach")
        theirs = self.Saved.with_user(colleague).create(
            {
                "name": "Dach",
                "query": "angebot",
                "account_id": self.shared.id,
                "folder": "Projekt Dach",
            }
        )
        mine = self.Saved.with_user(self.owner).create(
            {
                "name": "Dach",
                "query": "angebot",
                "account_id": self.personal.id,
                "folder": "Projekt Dach",
            }
        )
        shared.client_delete_folder("Projekt Dach")
        self.assertNotIn("Projekt Dach", [f["name"] for f in shared.client_folders()])
        listed = self.Saved.with_user(colleague).search_read([], ["account_id", "folder"])
        self.assertEqual(
            [(row["account_id"][0], row["folder"]) for row in listed], [(self.shared.id, False)]
        )
        self.assertEqual(theirs.with_user(colleague).query, "angebot")
        self.assertEqual(mine.with_user(self.owner).folder, "Projekt Dach")

    def test_saved_searches_refuse_line_breaks_and_nul_in_every_text(self):
        """A saved search is one line of the list under the folders, and its query and
        folder go to the server: a line break or NUL in any of its texts is refused with a
        message, on create and on write, and nothing of it is saved (a NUL was a server
        error: PostgreSQL stores none)."""
        Saved = self.Saved.with_user(self.owner)
        good = {
            "name": "Anna",
            "query": "from:anna",
            "account_id": self.personal.id,
            "folder": "INBOX",
        }
        saved = Saved.create(good)
        for field_name in ("name", "query", "folder"):
            for character in ("\r", "\n", "\0"):
                bad = f"{good[field_name]}{character}A1 DELETE INBOX"
                with self.subTest(field=field_name, character=repr(character)):
                    with self.assertRaises(UserError) as caught:
                        Saved.create({**good, field_name: bad})
                    self.assertIn("line breaks", str(caught.exception))
                    with self.assertRaises(UserError) as caught:
                        saved.write({field_name: bad})
                    self.assertIn("line breaks", str(caught.exception))
        self.assertEqual(Saved.search([]), saved)
        self.assertEqual((saved.name, saved.query, saved.folder), ("Anna", "from:anna", "INBOX"))

    def test_saved_searches_only_of_usable_mailboxes_and_readable_queries(self):
        Saved = self.Saved.with_user(self.owner)
        # Refused as an access error where the user cannot even read the mailbox (the
        # owner, the group's), else by the check that the user may use it (an administrator).
        for user, account in ((self.owner, self.shared), (self.admin, self.personal)):
            with self.subTest(user=user.login), self.assertRaises(UserError):
                self.Saved.with_user(user).create(
                    {"name": "Theirs", "query": "x", "account_id": account.id}
                )
        self.assertFalse(self.Saved.sudo().search([("name", "=", "Theirs")]))
        with self.assertRaises(ValidationError):
            Saved.create({"name": "Folder alone", "query": "x", "folder": "INBOX"})
        with self.assertRaises(UserError) as caught:
            Saved.create({"name": "Broken", "query": "foo:bar"})
        self.assertIn("foo:", str(caught.exception))
        with self.assertRaises(ValidationError):
            Saved.create({"name": "Empty", "query": "  "})
