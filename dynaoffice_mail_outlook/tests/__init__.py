from . import test_outlook_connect, test_ui_outlook_connect
