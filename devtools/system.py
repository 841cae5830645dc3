"""Where this checkout is, and where the demo's and the tests' servers keep their files."""

from pathlib import Path

from dynaoffice_mail_testing import system

REPO = Path(__file__).resolve().parent.parent


def state_root() -> Path:
    """`.state/` in this checkout unless DYNAOFFICE_STATE says else (see the package's)."""
    return system.state_root(REPO)
