from . import calendar_event, dynaoffice_mail_account
