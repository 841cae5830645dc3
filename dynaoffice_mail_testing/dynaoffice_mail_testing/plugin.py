"""pytest plugin: a real Dovecot, SMTP server and OAuth2 provider per test run, for
dynaoffice_mail's tests.

Installed with this package (entry point `pytest11`), it is active in every pytest run of the
environment; `-p no:dynaoffice_mail_testing` turns it off. The servers keep their files below
`.state/` in pytest's rootdir (or DYNAOFFICE_STATE) and are gone again after the run.

Odoo test cases (unittest classes) cannot take fixtures, so the servers' ports, CA and OAuth2
provider are also published as JSON through the DYNAOFFICE_TEST_SERVERS environment variable, which
`dynaoffice_mail/tests/common.py` reads.
"""

import json
import os
import re
import secrets
import shutil

import pytest

from .servers import MailServers
from .system import state_root


@pytest.fixture(scope="session", autouse=True)
def mail_servers(request):
    base = state_root(request.config.rootpath) / f"test-servers-{os.getpid()}"
    servers = MailServers(base).start()
    description = servers.describe()
    (base / "servers.json").write_text(json.dumps(description))
    os.environ["DYNAOFFICE_TEST_SERVERS"] = str(base / "servers.json")
    print(
        f"\nmail servers: Dovecot IMAP {servers.ports.imap}/IMAPS {servers.ports.imaps}, "
        f"SMTP {servers.ports.smtp_starttls}/{servers.ports.smtp_tls}, "
        f"OAuth2 {servers.oauth.base_url} under {base}"
    )
    try:
        yield servers
    finally:
        log = servers.dovecot.log()
        _server_usage.update(
            imap_logins=log.count("imap-login: Info: Login:"),
            imap_token_logins=len(_TOKEN_LOGIN.findall(log)),
            token_requests=_token_requests(servers),
            lmtp_deliveries=log.count("saved mail to"),
            smtp_messages=sum(1 for _line in _lines(servers.smtp_received_log)),
        )
        servers.stop()
        shutil.rmtree(base, ignore_errors=True)


# The bundles a page of the web client loads in tests, each generated anew by every browser
# test before (found with Odoo's log of "Generating a new asset bundle attachment").
_PAGE_BUNDLES = {
    "web.assets_web": ("css", "js"),
    "web.assets_web_print": ("css",),
    "web.assets_tests": ("js",),
    "bus.websocket_worker_assets": ("js",),
    # Hoot's unit-test page (/web/tests, template web.unit_tests_suite), as Odoo's runner
    # pregenerates it. Left to the page's own requests, under load the suite once ran
    # without its stylesheet (no Bootstrap) and the tests that measure a row failed.
    "web.assets_unit_tests_setup": ("css", "js"),
    "web.assets_unit_tests": ("css", "js"),
}


@pytest.fixture(scope="session", autouse=True)
def pregenerated_assets(request):
    """The web client's asset bundles generated and committed once, before the first test,
    as Odoo's own test runner does before its HttpCase tests (odoo/service/server.py, which
    generates every bundle the views name: a minute more).

    Otherwise each browser test generates them again inside its own transaction, which is
    rolled back after it: seconds per test. Only with an HTTP server (pytest-odoo's
    `--odoo-http`), on the registry its session fixture loads.
    """
    if not request.config.getoption("--odoo-http", default=False):
        return
    request.getfixturevalue("load_registry")
    import odoo  # only in runs with Odoo: the plugin loads in every pytest run

    registry = odoo.modules.registry.Registry(odoo.tests.common.get_db_name())
    with registry.cursor() as cr:
        qweb = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["ir.qweb"]
        for name, kinds in _PAGE_BUNDLES.items():
            for kind in kinds:
                bundle = qweb._get_asset_bundle(name, css=kind == "css", js=kind == "js")
                if kind == "css":
                    bundle.css()
                else:
                    bundle.js()


_server_usage = {}
_TOKEN_LOGIN = re.compile(r"imap-login: Info: Login: user=<[^>]*>, method=(?:XOAUTH2|OAUTHBEARER)")


def _token_requests(servers) -> int | str:
    try:
        return sum(servers.oauth.token_requests().values())
    except OSError:  # the provider died: the summary says so, the servers still stop
        return "no"


def _lines(path):
    return path.read_text().splitlines() if path.exists() else []


def pytest_terminal_summary(terminalreporter):
    """Show that the real servers were used, with figures from their own logs."""
    if _server_usage:
        terminalreporter.write_line(
            "real mail servers used: Dovecot {imap_logins} IMAP logins ({imap_token_logins} "
            "with an OAuth2 token), {lmtp_deliveries} "
            "messages delivered over LMTP; SMTP server accepted {smtp_messages} "
            "messages; the OAuth2 provider answered {token_requests} token requests".format(
                **_server_usage
            )
        )


@pytest.fixture
def mailbox(mail_servers):
    """A fresh IMAP/SMTP user: (address, password)."""
    address = f"user-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    mail_servers.add_user(address, password)
    return address, password


@pytest.fixture
def oauth_client(mail_servers):
    """A fresh client at the OAuth2 provider: (client_id, client_secret, redirect_uri)."""
    client_id = f"client-{secrets.token_hex(4)}"
    client_secret = secrets.token_urlsafe(16)
    redirect_uri = f"https://odoo.dynaoffice.test/{client_id}/confirm"
    mail_servers.oauth.register_client(client_id, client_secret, [redirect_uri])
    return client_id, client_secret, redirect_uri


_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(f"{report.nodeid}: {report.longrepr[2] if report.longrepr else ''}")


def pytest_sessionfinish(session, exitstatus):
    """A skipped test hides a missing dependency: here it fails the run instead."""
    if _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nskipped tests fail this suite (a dependency is missing?):")
        for line in _skipped:
            print(f"  {line}")
