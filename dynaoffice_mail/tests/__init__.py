# The Odoo test cases (Odoo's own test runner imports these); the services' tests are plain
# pytest functions that `make test` collects by path.
from . import test_install
from . import test_account_setup
from . import test_account_access
from . import test_client_rpc
from . import test_client_actions
from . import test_client_reading
from . import test_client_compose
from . import test_client_assign
from . import test_client_file
from . import test_credentials_rpc
from . import test_hostile_corpus
from . import test_hostile_faults
from . import test_ui_account_setup
from . import test_ui_mail_client
from . import test_ui_mail_compose
from . import test_ui_mail_assign
from . import test_ui_hostile
from . import test_translations
