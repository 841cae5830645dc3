from . import test_outlook_connect
