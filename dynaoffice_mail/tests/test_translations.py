"""Every term of the addon is translated in i18n/de.po, and the German reaches the user.

The product follows a German help page: a German user sees its words ("Kontodaten",
"Empfangen", "weiter", ...). A new string without a translation would show up in English
in the middle of a German form; the first test names each one, so whoever adds a string sees
what to translate (`make i18n` adds it to de.po with an empty msgstr).
"""

import re

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

MODULE = "dynaoffice_mail"
# The addons of this repository installed in the test database (the document storage
# bridge comes with OCA's dms, the calendar bridge with Odoo's Calendar, the Microsoft 365
# and Gmail bridges with microsoft_outlook and google_gmail).
MODULES = (
    MODULE,
    "dynaoffice_mail_dms",
    "dynaoffice_mail_calendar",
    "dynaoffice_mail_outlook",
    "dynaoffice_mail_gmail",
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]")
HTML_TAG = re.compile(r"</?([a-zA-Z][\w-]*)")


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.modules = cls.env["ir.module.module"].search(
            [("name", "in", MODULES), ("state", "=", "installed")]
        )
        cls.german = {
            module: polib.pofile(file_path(f"{module}/i18n/de.po"))
            for module in cls.modules.mapped("name")
        }
        # The test database is installed without German; load it as a user would by
        # activating the language (rolled back with the test's transaction).
        cls.env["res.lang"]._activate_lang("de_DE")
        cls.modules._update_translations(["de_DE"])

    def test_every_term_has_a_german_translation(self):
        self.assertIn(MODULE, self.german)
        for module, german in self.german.items():
            with self.subTest(module=module):
                self._check_translated(module, german)

    def _check_translated(self, module, german):
        # Odoo's own reader, as `odoo-bin --i18n-export` uses it: fields, selections,
        # views, menus, actions, groups, constraints, Python and JS/QWeb strings.
        reader = TranslationModuleReader(self.env.cr, modules=[module], lang="de_DE")
        places = {}
        for _module, kind, name, res_id, source, _value, _comments in reader:
            places.setdefault(source, f"{kind}:{name}" + ("" if kind == "code" else f" {res_id}"))
        self.assertTrue(places, "the reader found no terms at all: is the module installed?")
        translated = {
            entry.msgid
            for entry in german
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
        }
        missing = sorted(set(places) - translated)
        if missing:
            self.fail(
                f"{len(missing)} term(s) of {module} have no German translation in "
                f"{module}/i18n/de.po; run `make i18n` and fill in their msgstr:\n"
                + "\n".join(f"  {source!r}  ({places[source]})" for source in missing)
            )

    def test_every_translation_is_in_the_template(self):
        """Odoo reads de.po together with the addon's .pot and drops what the .pot lacks as
        obsolete: a German text appended to de.po alone would never be shown."""
        for module, german in self.german.items():
            with self.subTest(module=module):
                template = {
                    entry.msgid for entry in polib.pofile(file_path(f"{module}/i18n/{module}.pot"))
                }
                missing = sorted(
                    entry.msgid
                    for entry in german
                    if entry.msgstr and not entry.obsolete and entry.msgid not in template
                )
                self.assertEqual(missing, [], "run `make i18n` to add them to the .pot")

    def test_translations_keep_placeholders_and_markup(self):
        # A lost or renamed %(name)s makes Odoo fall back to English (and log an error);
        # lost markup breaks the help texts' layout.
        broken = []
        for entry in (entry for german in self.german.values() for entry in german):
            if not entry.msgstr:
                continue
            for pattern in (PLACEHOLDER, HTML_TAG):
                if sorted(pattern.findall(entry.msgid)) != sorted(pattern.findall(entry.msgstr)):
                    broken.append(f"  {entry.msgid!r} -> {entry.msgstr!r}")
        if broken:
            self.fail(
                "these German translations change the placeholders or markup of their source:\n"
                + "\n".join(broken)
            )

    def test_setup_form_speaks_the_words_of_the_help_page(self):
        accounts = self.env["dynaoffice.mail.account"].with_context(lang="de_DE")
        arch = accounts.get_views([(False, "form")])["views"]["form"]["arch"]
        for label in ("Kontodaten", "Empfangen", "Senden", "Optionen", "zum Postfach", "Speichern"):
            self.assertIn(label, arch)
        fields = accounts.fields_get(attributes=["string", "selection"])
        labels = {
            "server_type": "Server-Typ",
            "email": "E-Mail-Adresse",
            "name": "Konto-Name",
            "imap_host": "IMAP Hostname",
            "imap_ssl": "IMAP SSL?",
            "imap_port": "IMAP Port",
            "imap_user": "Benutzername",
            "imap_password": "Passwort",
            "smtp_method": "Versandmethode",
            "smtp_host": "SMTP Hostname",
            "smtp_port": "SMTP Port",
            "smtp_encryption": "Verschlüsselung",
            "smtp_auth": "Authentifizierung",
            "sender_name": "Absender-Name",
        }
        self.assertEqual({name: fields[name]["string"] for name in labels}, labels)
        self.assertIn(
            ["none", "keine"], [list(pair) for pair in fields["smtp_encryption"]["selection"]]
        )
        menu = self.env.ref("dynaoffice_mail.dynaoffice_mail_account_menu")
        self.assertEqual(menu.with_context(lang="de_DE").name, "Postfächer")

    def test_messages_and_buttons_of_the_client_are_german(self):
        # Python messages are translated from de.po at run time ...
        action = (
            self.env["dynaoffice.mail.account"]
            .with_context(lang="de_DE")
            ._action_new_account(user=self.env.user)
        )
        self.assertEqual(action["name"], "Neues E-Mail-Konto")
        # ... and the buttons of the OWL widgets get theirs from the web client's bundle.
        translations, _lang = self.env["ir.http"].get_translations_for_webclient([MODULE], "de_DE")
        strings = {message["id"]: message["string"] for message in translations[MODULE]["messages"]}
        self.assertEqual(strings.get("Next"), "weiter")
        self.assertEqual(strings.get("Default port"), "Standard-Port")
        # A count of one reads "1 E-Mail", never "1 E-Mails".
        self.assertEqual(strings.get("1 message selected"), "1 E-Mail ausgewählt")
        self.assertEqual(
            strings.get("1 message assigned to %(record)s."), "1 E-Mail %(record)s zugewiesen."
        )

    def test_account_column_and_compound_words_read_as_german_writes(self):
        # The form's tab is "Kontodaten"; the field shown as a list column is "Konto".
        for model in ("dynaoffice.mail.message", "dynaoffice.mail.outbox"):
            fields = self.env[model].with_context(lang="de_DE").fields_get(["account_id"])
            self.assertEqual(fields["account_id"]["string"], "Konto", model)
        # German hyphenates compounds with "E-Mail": "E-Mail-Konto", "E-Mail-Adresse".
        unhyphenated = [
            f"  {module}: {entry.msgstr!r}"
            for module, german in self.german.items()
            for entry in german
            if re.search(r"E-Mail [A-ZÄÖÜ]", entry.msgstr)
        ]
        self.assertFalse(unhyphenated, "write 'E-Mail-...':\n" + "\n".join(unhyphenated))
        mail_account = (
            self.env["ir.model"].with_context(lang="de_DE")._get("dynaoffice.mail.account")
        )
        self.assertEqual(mail_account.name, "E-Mail-Konto")
