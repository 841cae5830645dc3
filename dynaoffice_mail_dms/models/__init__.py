from . import dynaoffice_mail_account, dynaoffice_mail_message
