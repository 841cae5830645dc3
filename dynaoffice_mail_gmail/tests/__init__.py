from . import test_gmail_connect
