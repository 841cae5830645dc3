"""Filing mail into document storage (OCA dms): the .eml source and/or attachments become
dms.file records of a directory the user may add files to, each content once per
directory (the same SHA-1, as dms.file keeps it in `checksum`).

A filing destination as dynaoffice_mail/roles/filer.py describes them; the account's
`_filing_destinations()` hook offers it, and the JS registry
"dynaoffice_mail.filing_destinations" holds its part of the filing dialog
(static/src/dms_directory_destination.js).
"""

import base64

from odoo.exceptions import AccessError, UserError

from odoo.addons.dms.tools.file import unique_name
from odoo.addons.dynaoffice_mail.services.exceptions import InvalidInputError
from odoo.addons.dynaoffice_mail.services.refs import parse_id


class DmsDirectoryDestination:
    """A directory of the document storage the user may add files to."""

    kind = "dms_directory"

    def __init__(self, directory):
        self.directory = directory

    @classmethod
    def available(cls, env):
        # Users who do not work with the documents file into records only.
        return env.user.has_group("dms.group_dms_user")

    @classmethod
    def describe(cls, env):
        """The directories the user may add files to, by path: {"kind", "directories":
        [{id, name, storage}]}."""
        # The same domain dms puts on dms.file's directory field.
        directories = env["dms.directory"].search([("permission_create", "=", True)])
        return {
            "kind": cls.kind,
            "directories": [
                {
                    "id": directory.id,
                    "name": directory.complete_name,
                    "storage": directory.storage_id.name,
                }
                for directory in directories
            ],
        }

    @classmethod
    def resolve(cls, env, target):
        """The directory of `target` {"directory_id"}, once the user is known to be
        allowed to add files to it."""
        try:
            directory_id = parse_id(target.get("directory_id"))
        except InvalidInputError:
            raise UserError(env._("Choose where to file the mail.")) from None
        directory = env["dms.directory"].browse(directory_id).exists()
        if not directory:
            raise UserError(env._("The record no longer exists."))
        directory.check_access("read")
        if not directory.permission_create:
            raise AccessError(
                env._("You may not add files to %(directory)s.", directory=directory.complete_name)
            )
        return cls(directory)

    def holds(self, checksum):
        return bool(
            self.directory.env["dms.file"].search_count(
                [("directory_id", "=", self.directory.id), ("checksum", "=", checksum)], limit=1
            )
        )

    def store(self, name, mimetype, content):
        """Store the file; a name the directory holds already gets a suffix."""
        directory = self.directory
        # sudo: only the names taken in the directory (dms itself looks them up so when
        # copying); file names must be unique there.
        taken = directory.sudo().with_context(active_test=False).file_ids.mapped("name")
        stored_name = unique_name(name, taken, escape_suffix=True)
        # dms.file's create checks the user's right to add files to the directory.
        directory.env["dms.file"].create(
            {
                "name": stored_name,
                "directory_id": directory.id,
                "content": base64.b64encode(content),
            }
        )
        return stored_name
