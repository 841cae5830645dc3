from . import test_install
from . import test_account_setup
from . import test_account_access
from . import test_client_rpc
from . import test_client_actions
from . import test_client_reading
from . import test_ui_account_setup
from . import test_translations
