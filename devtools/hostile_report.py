"""`make hostile-report`: the hostile-input tests (issue #7) and a table of their figures.

Runs the tests that measure our defences (the hostile corpus through the model and the
routes, the same corpus in headless Chromium, fuzzing, faults, credentials and reach), with
DYNAOFFICE_HOSTILE_REPORT naming a file the tests append their figures to, then adds the
figures up and prints them against their bounds. The same tests assert the same bounds in
`make test`; this command shows the numbers.
"""

import collections
import importlib.util
import json
import os
import tempfile
from pathlib import Path

from .cli import run_pytest_sessions
from .odoo import ADDON, check_odoo_source
from .system import REPO

TESTS = REPO / ADDON / "tests"
# The figures' names, bounds and how they add up: one list for the tests and this table.
_spec = importlib.util.spec_from_file_location("hostile_figures", TESTS / "hostile_report.py")
FIGURES_MODULE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(FIGURES_MODULE)
FIGURES = FIGURES_MODULE.FIGURES
SECTIONS = {first: title for title, first in FIGURES_MODULE.SECTIONS.items()}

SERVER_SIDE = [
    "test_hostile_corpus.py",
    "test_hostile_fuzz_mime.py",
    "test_hostile_fuzz_wire.py",
    "test_hostile_faults.py",
    "test_services_faults.py",
    "test_credentials_at_rest.py",
    "test_credentials_rpc.py",
    "test_services_connect.py",
    # Trust (issue #12): forged calls over JSON-RPC, one module per hole.
    *sorted(path.name for path in TESTS.glob("test_trust_*.py")),
    # Faults (issue #19): server restarts and racing sessions.
    "test_services_pool.py",
    "test_services_concurrency.py",
    "test_pool_restart.py",
    "test_client_concurrency.py",
    "test_outbox.py",
    "test_outbox_retry.py",
]
BROWSER = [
    "test_ui_hostile.py",
    *sorted(path.name for path in TESTS.glob("test_ui_trust_*.py")),
    "test_ui_outbox.py",
]


def run() -> int:
    check_odoo_source()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "figures.jsonl"
        report.touch()
        env = dict(os.environ, DYNAOFFICE_HOSTILE_REPORT=str(report))
        sessions = [
            [str((TESTS / name).relative_to(REPO)) for name in names if (TESTS / name).exists()]
            for names in (SERVER_SIDE, BROWSER)
        ]
        status = run_pytest_sessions([session for session in sessions if session], env=env)
        figures = totals(report.read_text().splitlines())
    failed = print_table(figures)
    if status:
        print("FAILED: some of the tests above failed", flush=True)
    return status or int(bool(failed))


def totals(lines: list[str]) -> dict:
    """{key: value} of the recorded figures: summed or the largest, as FIGURES says."""
    values = collections.defaultdict(list)
    for line in lines:
        if line.strip():
            entry = json.loads(line)
            values[entry["key"]].append(entry["value"])
    result = {}
    for key, recorded in values.items():
        how = FIGURES[key][1]
        result[key] = sum(recorded) if how == "sum" else max(recorded)
    return result


def within(value, bound: str, figures: dict) -> bool:
    """Whether `value` keeps `bound` (">= 60", "== 0", "== faults_tried" ...)."""
    operator, other = bound.split()
    limit = figures.get(other, 0) if other in FIGURES else float(other)
    return {
        "==": value == limit,
        "<=": value <= limit,
        ">=": value >= limit,
        ">": value > limit,
    }[operator]


def print_table(figures: dict) -> list[str]:
    """Prints the table; returns the keys out of bounds (or never measured)."""
    failed = []
    width = max(len(label) for label, _how, _bound in FIGURES.values()) + 2
    print(f"\n{'figure':<{width}}  {'value':>12}  {'bound':<18}  ok", flush=True)
    print(f"{'-' * width}  {'-' * 12}  {'-' * 18}  --")
    for key, (label, _how, bound) in FIGURES.items():
        if key in SECTIONS:
            print(f"{SECTIONS[key]}:")
        label = f"  {label}"
        if key not in figures:
            failed.append(key)
            print(f"{label:<{width}}  {'not measured':>12}  {bound:<18}  NO")
            continue
        value = figures[key]
        ok = within(value, bound, figures)
        if not ok:
            failed.append(key)
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        print(f"{label:<{width}}  {shown:>12}  {bound:<18}  {'yes' if ok else 'NO'}")
    print(flush=True)
    return failed
