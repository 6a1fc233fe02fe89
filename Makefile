# Xiaokang: every task a fresh clone needs. `make run` and `make test` are the two that matter.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PERSONS ?= 5000
DEMO_EMPLOYERS ?= 200
DEMO_APPLICATIONS ?= 150

.PHONY: install run test test-unit test-browser test-postgres bench lint messages clean chromium fonts

install: $(VENV)/.installed

# The lock file pins every package; uv installs exactly it (uv itself is pinned and lives in the venv).
$(VENV)/.installed: pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# uv lives in the venv (it is in the lock's dev group); uv sync removes pip, so bootstrap only once.
	test -x $(BIN)/uv || { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip -q; \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"; }
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --quiet --python $(BIN)/python
	touch $@

run: install fonts
	$(BIN)/xiaokang migrate
	$(BIN)/xiaokang seed --persons $(DEMO_PERSONS) --employers $(DEMO_EMPLOYERS) --interpreting-days 14 \
		--applications $(DEMO_APPLICATIONS) --if-empty --demo-accounts
	# Today's eligibility for every demo person, stored, so the policy pages show counts (P2, P3).
	$(BIN)/xiaokang evaluate
	@echo "Open http://$(HOST):$(PORT)/ (staff area: http://$(HOST):$(PORT)/staff/)"
	$(BIN)/xiaokang serve --host $(HOST) --port $(PORT)

# The whole suite: unit, integration and browser tests (Debian's Chromium is installed if missing), on
# two processes (pytest-xdist; each has its own test database and live server).
test: install chromium fonts
	$(BIN)/pytest -q -n 2

test-unit: install fonts
	$(BIN)/pytest -q -m "not browser"

test-browser: install chromium fonts
	$(BIN)/pytest -q -m browser

# The same suite against PostgreSQL (started by .ci/run if it is not running).
test-postgres: install chromium fonts
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -q -n 2

chromium:
	@test -x /usr/bin/chromium || scripts/install-chromium

# What WeasyPrint needs from the system for the PDF notices and receipts: Pango and a Chinese font.
fonts:
	@scripts/install-fonts

bench: install
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var/test bench/out
