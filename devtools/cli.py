"""The project's commands: `python -m devtools.cli test|demo|demo-stop|lint|i18n|bench`."""

import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

from . import i18n
from .odoo import ADDONS, check_odoo_source, throwaway_database
from .system import REPO

# The real-server fixtures of the addons' tests, a package of their own (pytest plugin).
TESTING = "dynaoffice_mail_testing"


def lint(out=None) -> int:
    """ruff, pylint-odoo's mandatory checks and the addons' wheels; non-zero on findings.
    Their output goes to `out` (a file), else to this process' standard output."""
    out = out or sys.stdout
    print("== ruff", file=out, flush=True)
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-fix", *ADDONS, "devtools", TESTING],
        cwd=REPO,
        check=False,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    print("== pylint-odoo (mandatory checks)", file=out, flush=True)
    pylint = subprocess.run(
        [sys.executable, "-m", "pylint", "--rcfile=.pylintrc-mandatory", *ADDONS],
        cwd=REPO,
        check=False,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    status = ruff.returncode or pylint.returncode
    for addon in ADDONS:
        print(f"== packaging (whool builds odoo-addon-{addon})", file=out, flush=True)
        with tempfile.TemporaryDirectory() as wheel_dir:
            wheel = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "wheel",
                    "--quiet",
                    "--no-deps",
                    "--no-build-isolation",
                    "--wheel-dir",
                    wheel_dir,
                    f"./{addon}",
                ],
                cwd=REPO,
                check=False,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            built = [name for name in os.listdir(wheel_dir) if name.endswith(".whl")]
            if wheel.returncode == 0 and not any(
                name.startswith(f"odoo_addon_{addon}-18.0.") for name in built
            ):
                print(f"unexpected wheel name(s): {built}", file=out, flush=True)
                wheel.returncode = 1
        status = status or wheel.returncode
    return status


BROWSER_TESTS = "test_ui_*.py"
# Apps the addon works with but does not depend on, installed in the test database so that
# what it does with them is tested: CRM (leads suggested for assigning mail), and CRM,
# Project, Sales and Invoicing for the context pane's sections. Calendar comes
# with the bridge dynaoffice_mail_calendar (ADDONS), whose tests answer invitations into it.
TEST_APPS = ("crm", "project", "sale_management", "account")


def run_pytest_sessions(
    sessions: list[list[str]], env: dict | None = None, before_tests=None
) -> int:
    """pytest sessions, one after the other, on one fresh database with the addons; the
    first non-zero exit status, else 0. `before_tests()`, if given, is called once the
    database is ready, and its status counts too."""
    status = 0
    with throwaway_database("test", addons=(*ADDONS, *TEST_APPS)) as (config, database):
        if before_tests:
            status = before_tests()
        for session_args in sessions:
            print("== pytest " + " ".join(session_args), flush=True)
            pytest = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    f"--odoo-config={config}",
                    f"--odoo-database={database}",
                    # Serve HTTP, so that HttpCase tests drive headless Chromium against it.
                    "--odoo-http",
                    # The slowest tests, to keep `make test` within its time (README).
                    "--durations=15",
                    *session_args,
                ],
                cwd=REPO,
                check=False,
                env=env,
            )
            status = status or pytest.returncode
    return status


def test(pytest_args: list[str]) -> int:
    """Lint and the suite: services, models and security first, the browser tests after.

    The browser tests run in a pytest session of their own (same database, fresh servers):
    after the long session of everything else, the setup tour's first save sometimes got no
    answer at all, which has not happened in a session of their own. Arguments, if given,
    replace this split and go to pytest as they are.
    """
    check_odoo_source()
    sessions = (
        [pytest_args]
        if pytest_args
        else [
            [f"--ignore-glob=*/{BROWSER_TESTS}", *ADDONS],
            sorted(
                str(path.relative_to(REPO))
                for addon in ADDONS
                for path in (REPO / addon / "tests").glob(BROWSER_TESTS)
            ),
        ]
    )
    # The linters run while the database is installed: they share nothing with it, and on
    # a machine with two CPUs that takes a minute off the run. Their findings are printed
    # before the tests' output.
    with (
        tempfile.TemporaryFile("w+") as lint_output,
        concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor,
    ):
        linting = executor.submit(lint, lint_output)

        def lint_findings():
            lint_status = linting.result()
            lint_output.seek(0)
            print(lint_output.read(), end="", flush=True)
            return lint_status

        status = run_pytest_sessions(sessions, before_tests=lint_findings)
    if status:
        print("FAILED: see the output above (lint findings fail the run too)", flush=True)
    return status


def main():
    parser = argparse.ArgumentParser(prog="devtools.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("lint")
    commands.add_parser("demo")
    commands.add_parser("demo-stop")
    commands.add_parser("i18n", help="export each addon's i18n/<addon>.pot and i18n/de.po")
    commands.add_parser(
        "hostile-report",
        help="run the hostile-input tests and print their figures (corpus, browser, fuzzing, "
        "faults, credentials)",
    )
    commands.add_parser(
        "screenshots",
        help="the README's pictures of the client from the demo (docs/screenshots/<lang>/)",
    )
    run_tests = commands.add_parser("test")
    run_tests.add_argument("pytest_args", nargs="*", help="passed on to pytest as they are")
    run_bench = commands.add_parser(
        "bench", help="what a page of the message list and an attachment download cost"
    )
    run_bench.add_argument(
        "--sizes", help="folder sizes, comma-separated (default 10000,100000,200000)"
    )
    run_bench.add_argument("--repeat", type=int, help="timed requests per figure (default 20)")
    run_bench.add_argument("--quick", action="store_true", help="sizes 1000,10000, 5 requests")
    run_bench.add_argument(
        "--no-attachment", action="store_true", help="skip the 25 MiB download through Odoo"
    )
    run_bench.add_argument(
        "--no-imap", action="store_true", help="skip the IMAP figures (the folders are written)"
    )
    run_bench.add_argument(
        "--only-conversations",
        action="store_true",
        help="of the IMAP figures, the pages of conversations only (no flat list's pages)",
    )
    run_bench.add_argument(
        "--no-end-to-end", action="store_true", help="skip client_page/client_message over RPC"
    )
    run_bench.add_argument(
        "--no-push-screen",
        action="store_true",
        help="skip push from delivery to screen (prefork Odoo, headless Chromium)",
    )
    run_bench.add_argument(
        "--no-context-pane",
        action="store_true",
        help="skip the context pane (10,000 contacts, 50,000 orders and invoices)",
    )
    run_bench.add_argument(
        "--link-ms",
        type=float,
        help="the round trip of the link for the figures of the first size over it "
        "(default 10; 0 skips them)",
    )
    run_bench.add_argument(
        "--users",
        help="simulated users of the concurrency figures, comma-separated (default 1,4,8,16; "
        "0 skips them)",
    )
    if sys.argv[1:2] == ["test"]:
        # Everything after "test" belongs to pytest, options included.
        sys.exit(test(sys.argv[2:]))
    args = parser.parse_args()
    if args.command == "lint":
        sys.exit(lint())
    if args.command == "test":
        sys.exit(test(args.pytest_args))
    if args.command == "i18n":
        sys.exit(i18n.export())
    if args.command == "hostile-report":
        from . import hostile_report

        sys.exit(hostile_report.run())
    if args.command == "screenshots":
        from . import screenshots

        sys.exit(screenshots.run())
    if args.command == "bench":
        from . import bench

        sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else None
        users = bench.CONCURRENT_USERS
        if args.users is not None:
            users = tuple(int(count) for count in args.users.split(",") if int(count) > 0)
        sys.exit(
            bench.run(
                sizes,
                args.repeat,
                args.quick,
                attachment=not args.no_attachment,
                imap=not args.no_imap,
                conversations_only=args.only_conversations,
                end_to_end=not args.no_end_to_end,
                users=users,
                push_screen=not args.no_push_screen,
                context_pane=not args.no_context_pane,
                link_ms=bench.LINK_ROUND_TRIP_MS if args.link_ms is None else args.link_ms,
            )
        )
    from . import demo

    if args.command == "demo":
        demo.start()
    elif args.command == "demo-stop":
        demo.stop()


if __name__ == "__main__":
    main()
