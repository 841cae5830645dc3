from . import test_client_file_dms
