from . import test_client_invitation_calendar
