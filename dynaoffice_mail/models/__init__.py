from . import dynaoffice_mail_server_preset
from . import dynaoffice_mail_account
from . import dynaoffice_mail_account_compose
from . import res_users
from . import res_groups
from . import res_partner
