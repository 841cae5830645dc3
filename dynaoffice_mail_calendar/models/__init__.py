from . import calendar_attendee, calendar_event, dynaoffice_mail_account
