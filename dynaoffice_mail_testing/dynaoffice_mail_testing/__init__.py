"""Real servers for dynaoffice_mail's tests: a per-run CA, Dovecot, an SMTP server, a second
Odoo process, and the pytest plugin (`plugin.py`) that starts the mail servers once per run.

Install it beside pytest-odoo (`pip install ./dynaoffice_mail_testing`) and run pytest.
"""
