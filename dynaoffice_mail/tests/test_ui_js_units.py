"""The JS models' Hoot unit tests (static/tests/*.test.js), run in headless Chromium the way
Odoo runs its own (addons/web/tests/test_js.py), limited to this addon's suite."""

import logging
import re
from pathlib import Path

from odoo.tests import HttpCase, no_retry, tagged

UNIT_TESTS = Path(__file__).resolve().parent.parent / "static" / "tests"
# Hoot names each test file's suite after its module: "@dynaoffice_mail/<file>".
SUITE = "@dynaoffice_mail"
SUCCESS = "[HOOT] Test suite succeeded"


def hoot_job_id(name):
    """Hoot's id of a suite or test (its `&id=` URL filter), as test_js.py computes it."""
    value = 0
    for char in name:
        value = ((value << 5) - value + ord(char)) & 0xFFFFFFFF
    return f"{value:08x}"


def unit_test_error_checker(message):
    # A failed test logs "[HOOT] ..." and the run goes on; the run's own verdict
    # ("Some tests failed...") has no prefix and ends it.
    return "[HOOT]" not in message


def written_tests():
    return sum(
        len(re.findall(r"^\s*test\(", path.read_text(), re.MULTILINE))
        for path in UNIT_TESTS.glob("*.test.js")
    )


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@tagged("post_install", "-at_install")
class TestUiJsUnits(HttpCase):
    def test_unit_test_page_styles_exist_before_it_opens(self):
        """The stylesheets /web/tests links to are generated before a browser asks for them.

        Left to the page's own requests, under load the suite once ran without them (no
        Bootstrap), and the tests that measure a message row failed."""
        self.authenticate("admin", "admin")
        page = self.url_open("/web/tests")
        self.assertEqual(page.status_code, 200)
        stylesheets = re.findall(
            r'<link[^>]*rel="stylesheet"[^>]*href="(/web/assets/[^"]+)"', page.text
        )
        self.assertTrue(stylesheets, "the unit-test page links no stylesheet bundle")
        for url in stylesheets:
            generated = self.env["ir.attachment"].sudo().search_count([("url", "=", url)])
            self.assertTrue(generated, f"{url} is generated only while the page loads")

    @no_retry
    def test_js_unit_tests(self):
        expected = written_tests()
        self.assertGreater(expected, 0, "no *.test.js found")
        # The browser's console goes to this logger (the "Passed n tests" line at RUNBOT
        # level, between INFO and WARNING).
        browser_logger = logging.getLogger(f"{self._logger.name}.browser")
        collect = _Collect()
        level = browser_logger.level
        browser_logger.addHandler(collect)
        browser_logger.setLevel(logging.DEBUG)
        try:
            self.browser_js(
                "/web/tests?headless&loglevel=2&preset=desktop&timeout=15000"
                f"&id={hoot_job_id(SUITE)}",
                "",
                "",
                login="admin",
                timeout=600,
                success_signal=SUCCESS,
                error_checker=unit_test_error_checker,
            )
        finally:
            browser_logger.removeHandler(collect)
            browser_logger.setLevel(level)
        passed = [
            int(found.group(1))
            for message in collect.messages
            if (found := re.search(r"Passed (\d+) tests", message))
        ]
        self.assertEqual(
            passed, [expected], "every test written in static/tests/*.test.js ran, and no other"
        )
