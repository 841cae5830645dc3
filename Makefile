# The two commands a newcomer needs: `make demo` and `make test`.
.PHONY: demo demo-stop test lint i18n bench hostile-report screenshots bootstrap

PYTHON := .venv/bin/python

bootstrap:
	@tools/bootstrap.sh

demo: bootstrap
	@$(PYTHON) -m devtools.cli demo

demo-stop:
	@$(PYTHON) -m devtools.cli demo-stop

test: bootstrap
	@$(PYTHON) -m devtools.cli test

lint: bootstrap
	@$(PYTHON) -m devtools.cli lint

i18n: bootstrap
	@$(PYTHON) -m devtools.cli i18n

bench: bootstrap
	@$(PYTHON) -m devtools.cli bench

screenshots: bootstrap
	@$(PYTHON) -m devtools.cli screenshots

hostile-report: bootstrap
	@$(PYTHON) -m devtools.cli hostile-report
