"""The project's commands: `python -m devtools.cli test|demo|demo-stop|lint`."""

import argparse
import os
import subprocess
import sys

from .odoo import check_odoo_source, odoo_bin, write_config
from .pg import ensure_server
from .system import REPO, free_port, state_root

ADDON = "dynaoffice_mail"


def lint() -> int:
    """ruff (lint and import order) and pylint-odoo's mandatory checks; non-zero on findings."""
    print("== ruff", flush=True)
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-fix", ADDON, "devtools", "conftest.py"],
        cwd=REPO,
        check=False,
    )
    print("== pylint-odoo (mandatory checks)", flush=True)
    pylint = subprocess.run(
        [sys.executable, "-m", "pylint", "--rcfile=.pylintrc-mandatory", ADDON],
        cwd=REPO,
        check=False,
    )
    return ruff.returncode or pylint.returncode


def test(pytest_args: list[str]) -> int:
    check_odoo_source()
    status = lint()
    state = state_root()
    pg = ensure_server(state / "pg-test", free_port())
    database = f"dynaoffice_test_{os.getpid()}"
    run_dir = state / f"test-odoo-{os.getpid()}"
    config = write_config(
        run_dir / "odoo.conf",
        pg,
        http_port=free_port(),
        data_dir=run_dir / "data",
        key_file=run_dir / "key",
        extra={"without_demo": "all", "log_level": "warn", "max_cron_threads": "0"},
    )
    try:
        print(f"== installing {ADDON} in a fresh database {database}", flush=True)
        odoo_bin(config, "-d", database, "-i", ADDON, "--stop-after-init")
        print("== pytest", flush=True)
        pytest = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                f"--odoo-config={config}",
                f"--odoo-database={database}",
                *pytest_args,
            ],
            cwd=REPO,
            check=False,
        )
        status = status or pytest.returncode
    finally:
        pg.drop_database(database)
        pg.stop()
        subprocess.run(["rm", "-rf", str(run_dir)], check=False)
    if status:
        print("FAILED: see the output above (lint findings fail the run too)", flush=True)
    return status


def main():
    parser = argparse.ArgumentParser(prog="devtools.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("lint")
    commands.add_parser("demo")
    commands.add_parser("demo-stop")
    run_tests = commands.add_parser("test")
    run_tests.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command == "lint":
        sys.exit(lint())
    if args.command == "test":
        sys.exit(test(args.pytest_args))
    from . import demo

    if args.command == "demo":
        demo.start()
    elif args.command == "demo-stop":
        demo.stop()


if __name__ == "__main__":
    main()
