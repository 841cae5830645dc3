"""`make i18n`: export each addon's terms to its i18n/<addon>.pot and i18n/de.po.

Odoo itself extracts the terms (odoo-bin --i18n-export) from a throwaway database in which the
addon is installed with German loaded, so the export holds exactly what Odoo will translate
and de.po keeps the translations it already has; new terms come with an empty msgstr.
"""

import re
import tempfile
import time
from pathlib import Path

import polib

from .odoo import ADDONS, check_odoo_source, odoo_bin, throwaway_database
from .system import REPO

# Odoo language code: file name in i18n/.
LANGUAGES = {"de_DE": "de.po"}
# Odoo stamps every export with the current time; without these lines an export of
# unchanged terms is byte for byte the file that is already there.
EXPORT_DATES = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): [^"]*"\n', re.MULTILINE)


def export() -> int:
    check_odoo_source()
    started = time.monotonic()
    load = ",".join(LANGUAGES)
    with (
        throwaway_database("i18n", f"--load-language={load}", addons=ADDONS) as (
            config,
            database,
        ),
        tempfile.TemporaryDirectory() as scratch,
    ):
        for addon in ADDONS:
            _export_addon(config, database, addon, Path(scratch))
    print(f"== {time.monotonic() - started:.0f}s", flush=True)
    return 0


def _export_addon(config: Path, database: str, addon: str, scratch: Path):
    i18n = REPO / addon / "i18n"
    template = f"{addon}.pot"
    i18n.mkdir(exist_ok=True)
    exports = {template: None, **{name: code for code, name in LANGUAGES.items()}}
    for name, language in exports.items():
        print(f"== exporting {addon}: {name}", flush=True)
        target = scratch / f"{addon}-{name}"
        odoo_bin(
            config,
            "-d",
            database,
            f"--modules={addon}",
            f"--i18n-export={target}",
            *([f"--language={language}"] if language else []),
        )
        if language:
            _keep_translations_equal_to_source(target, i18n / name)
        _write_if_changed(i18n / name, EXPORT_DATES.sub("", target.read_text()))
    entries = polib.pofile(str(i18n / template))
    print(f"== {addon}: {len(entries)} terms", flush=True)
    for code, name in LANGUAGES.items():
        missing = polib.pofile(str(i18n / name)).untranslated_entries()
        if missing:
            print(f"   {name}: {len(missing)} terms still to translate ({code})", flush=True)


def _keep_translations_equal_to_source(exported: Path, existing: Path):
    """Put back the translations the export left empty although `existing` had them.

    Odoo exports a translation that reads the same as its source ("SMTP", "IMAP Port") as
    an empty msgstr, which would make a translated term look untranslated again.
    """
    if not existing.exists():
        return
    known = {entry.msgid: entry.msgstr for entry in polib.pofile(str(existing)) if entry.msgstr}
    po = polib.pofile(str(exported))
    for entry in po:
        if not entry.msgstr and entry.msgid in known:
            entry.msgstr = known[entry.msgid]
    po.save(str(exported))


def _write_if_changed(path: Path, text: str):
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
        print(f"   wrote {path.relative_to(REPO)}", flush=True)
    else:
        print(f"   {path.relative_to(REPO)} unchanged", flush=True)
