# Passerelle: common tasks. `make run` and `make test` are the README's two commands.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run install install-dev screenshots test test-sqlite test-postgres lint format translations bench bench-load bench-writes bench-documents bench-finder clean

$(BIN)/activate: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(BIN)/activate

install: $(BIN)/activate

# Tests, lint and benchmarks: the app's pins plus requirements-dev.txt.
DEV := $(VENV)/.dev-installed
$(DEV): $(BIN)/activate requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV)

install-dev: $(DEV)

# axe-core for the browser tests' accessibility checks (from npm, never a CDN).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --silent --no-audit --no-fund
	touch $(AXE)

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo ""
	@echo "Passerelle starts at http://127.0.0.1:5000  (web, worker, beat, broker, mailbox; Ctrl-C stops all)"
	@echo ""
	$(BIN)/honcho start -f Procfile

test: install-dev $(AXE)
	$(BIN)/ruff check .
	TEST_DB=sqlite $(BIN)/python -m pytest -n 2 --dist loadgroup
	TEST_DB=postgresql $(BIN)/python -m pytest -n 2 --dist loadgroup -m "not browser"

# The README's screenshots (French, desktop and phone), retaken by the every-page browser test.
screenshots: install-dev $(AXE)
	SCREENSHOT_DIR=docs/screenshots TEST_DB=sqlite $(BIN)/python -m pytest -q tests/browser/test_every_page.py -k fr

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o referral_app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i referral_app/translations/messages.pot -d referral_app/translations -l fr --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d referral_app/translations -l fr

bench: install-dev
	$(BIN)/python -m bench.run

# Under load (wrk, 8 connections; installs wrk with apt-get when missing): bench/results/load.md
bench-load: install-dev
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.load

# One API create-and-submit, timed and profiled (cProfile), on a throw-away database
bench-writes: install-dev
	$(BIN)/python -m bench.writes

# The trial finder: recall@10 on bench/vignettes.json and p50/p95 over 2,000 trials: bench/results/finder.md
bench-finder: install-dev
	$(BIN)/python -m bench.finder

# Sealing cost of clinical documents against plain file writes and reads: bench/results/documents.md
bench-documents: install-dev
	$(BIN)/python -m bench.documents

clean:
	rm -rf $(VENV) instance
