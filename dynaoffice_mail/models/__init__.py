from . import dynaoffice_mail_server_preset
from . import dynaoffice_mail_account
from . import res_users
from . import res_groups
