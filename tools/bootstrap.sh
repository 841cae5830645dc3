#!/usr/bin/env bash
# Sets up whatever is missing for `make demo` and `make test`: Debian packages, the virtual
# environment with Odoo's and our Python requirements, and Odoo on the venv's path.
# Safe to run again: each step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."
ODOO_SRC=${ODOO_SRC:-/opt/odoo}

if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
  cat >&2 <<MSG
No Odoo 18.0 source at $ODOO_SRC (odoo-bin is missing).
Get Odoo 18.0 Community and point ODOO_SRC at it, for example:
  git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git /opt/odoo
MSG
  exit 1
fi

# Debian packages: real servers for the tests and the demo, what psycopg2 builds with, and
# the fonts with which Chromium shows the demo mails' text and emoji (`make screenshots`).
packages=(dovecot-imapd dovecot-lmtpd postgresql-15 postgresql-client-15 libpq-dev chromium
          fonts-noto-core fonts-noto-color-emoji python3-dev gcc make)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages; install them with:" >&2
    echo "  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
# Debian's packages may start their own services; ours run on other ports, so leave them.

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment .venv"
  "$python" -m venv .venv
fi
stamp=.venv/.requirements-stamp
wanted=$(cat "$ODOO_SRC/requirements.txt" requirements.txt requirements-test.txt \
  tools/pip-constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing Python requirements into .venv (Odoo's, the addon's, the tests')"
  # cbor2 5.4.2 (pinned by Odoo) builds only with setuptools<80; python-ldap is not needed.
  grep -v '^python-ldap' "$ODOO_SRC/requirements.txt" > .venv/odoo-requirements.txt
  PIP_CONSTRAINT="$PWD/tools/pip-constraints.txt" .venv/bin/pip install -q \
    -r .venv/odoo-requirements.txt -r requirements.txt -r requirements-test.txt
  echo "$wanted" > "$stamp"
fi
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$ODOO_SRC" > "$site/odoo-src.pth"

# The tests' real-server fixtures and pytest plugin (dynaoffice_mail_testing/), editable so that
# a change there counts at once; installed again when its pyproject.toml or this folder changes.
testing_stamp=.venv/.testing-stamp
testing_wanted=$( (echo "$PWD"; cat dynaoffice_mail_testing/pyproject.toml) | sha256sum)
if [ "$(cat "$testing_stamp" 2>/dev/null)" != "$testing_wanted" ] || ! .venv/bin/python -c \
    'import importlib.metadata as m; m.version("dynaoffice-mail-testing")' 2>/dev/null; then
  echo "Installing the tests' fixtures (dynaoffice_mail_testing) into .venv"
  PIP_CONSTRAINT="$PWD/tools/pip-constraints.txt" .venv/bin/pip install -q \
    -e ./dynaoffice_mail_testing
  echo "$testing_wanted" > "$testing_stamp"
fi

# OCA's document management (dms), for the bridge addon dynaoffice_mail_dms. Without its
# dependencies: its wheel requires odoo==18.0.*, which pip cannot see in the source
# checkout of Odoo that the .pth above puts on the path (dms needs nothing else).
dms_version=18.0.1.2.5
installed=$(.venv/bin/python -c \
  'import importlib.metadata as m; print(m.version("odoo-addon-dms"))' 2>/dev/null || true)
if [ "$installed" != "$dms_version" ]; then
  echo "Installing OCA dms $dms_version into .venv"
  .venv/bin/pip install -q --no-deps "odoo-addon-dms==$dms_version"
fi
