"""IMAP, SMTP and MIME for dynaoffice_mail, with no Odoo imports.

Everything here takes small dataclasses of settings and returns plain data, so it can be
tested against real servers without an Odoo database.
"""

from . import exceptions
from .config import ImapSettings, Security, SmtpSettings
