from . import dynaoffice_mail_account
