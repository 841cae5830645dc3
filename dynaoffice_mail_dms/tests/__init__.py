from . import test_client_file_dms, test_ui_file_dms
