"""Figures of the hostile-input suite, for the report that `make hostile-report` prints.

Tests call `record()` with what they measured; each test also asserts its own figure, so
a figure out of bounds fails `make test` whether or not a report is being collected. When
`DYNAOFFICE_HOSTILE_REPORT` names a file, every figure is appended to it as a JSON line and
`devtools.hostile_report` adds them up into the table.
"""

import json
import os

# key: (label, how figures add up, bound). The bound is checked by the report command; the
# tests check the same bound themselves.
FIGURES = {
    "corpus_messages": ("messages in the corpus", "max", ">= 60"),
    "scripts_executed": ("scripts of mail executed", "sum", "== 0"),
    "outbound_requests": ("outbound requests", "sum", "== 0"),
    "fuzz_cases": ("fuzz cases run", "sum", "> 0"),
    "unhandled_exceptions": ("unhandled exceptions", "sum", "== 0"),
    "wire_violations": ("wire violations (CR/LF/NUL)", "sum", "== 0"),
    "slowest_parse_ms": ("slowest parse (ms)", "max", "<= 2000"),
    "largest_parse_kib": ("largest parse memory (KiB)", "max", "<= 65536"),
    "faults_tried": ("faults tried", "sum", "> 0"),
    "faults_survived": ("faults survived", "sum", "== faults_tried"),
    "dump_passwords": ("passwords found in the dump", "sum", "== 0"),
    "rpc_passwords": ("passwords found in RPC responses", "sum", "== 0"),
    "reach_refused": ("forbidden addresses refused", "sum", "== reach_tried"),
    "reach_tried": ("forbidden addresses tried", "sum", "> 0"),
    # Trust (issue #12): calls forged over JSON-RPC as a normal user, a mail administrator
    # who is not a group's member, a portal user.
    "forged_tried": ("forged calls tried", "sum", "> 0"),
    "forged_refused": ("forged calls refused", "sum", "== forged_tried"),
    "forged_changed": ("forged calls that changed state", "sum", "== 0"),
    # Faults (issue #19): a server restart under pooled connections, and two sessions
    # moving or deleting the same message at once.
    "restart_tried": ("changes tried first after a server restart", "sum", "> 0"),
    "restart_ok": ("of those, done on the first try", "sum", "== restart_tried"),
    "race_trials": ("races of two sessions for one message", "sum", "> 0"),
    "race_duplicates": ("messages left in two places", "sum", "== 0"),
    "race_lost": ("messages lost", "sum", "== 0"),
    "race_false_success": ("losing sessions told success", "sum", "== 0"),
    # ... and sending through the outbox: a request retried after a serialization failure,
    # the same message sent again, the Sent copy refused by a broken mailbox.
    "send_faults_tried": ("sends under a fault", "sum", "> 0"),
    "sent_twice": ("mails delivered twice", "sum", "== 0"),
    "sent_copies_lost": ("Sent copies lost", "sum", "== 0"),
}
# The report's sections, in order: {title: the first key of the section}.
SECTIONS = {
    "hostile input": "corpus_messages",
    "trust": "forged_tried",
    "faults": "restart_tried",
}

# Bounds the tests assert: one place for the figures and the tests.
SLOWEST_PARSE_MS = 2000
LARGEST_PARSE_KIB = 65536
CORPUS_MINIMUM = 60


def record(key, value):
    """Append one measured figure; does nothing unless a report is being collected."""
    if key not in FIGURES:
        raise KeyError(f"unknown report figure {key!r}")
    path = os.environ.get("DYNAOFFICE_HOSTILE_REPORT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as report:
        report.write(json.dumps({"key": key, "value": value}) + "\n")
