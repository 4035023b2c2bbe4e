# Two commands matter: `make run` (set up everything, run the bot) and `make test` (set up
# everything, run the whole suite). Both work on a fresh machine with Python 3.11+.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
KEYWORDS := -k _:1,1t -k _:1,2 -k __ -k N_ -k lazy_gettext

.PHONY: setup run test lint format catalogs compile bench clean

setup: $(VENV)/.installed compile

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

compile: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d locales -D messages

# Without a BOT_TOKEN (neither in the environment nor in .env) this runs the local sandbox:
# the bot against its own Bot API emulator, with a web chat page on 127.0.0.1.
run: setup
	@if [ -n "$$BOT_TOKEN" ] || grep -qsiE '^[[:space:]]*(export[[:space:]]+)?BOT_TOKEN[[:space:]]*=[[:space:]]*["'"'"']?[^"'"'"'[:space:]#]' .env; then \
	  $(PY) -m bot run; \
	else \
	  echo "No BOT_TOKEN in the environment or .env: starting the local sandbox (no Telegram needed)."; \
	  $(PY) -m bot sandbox; \
	fi

test: setup
	$(VENV)/bin/ruff check bot devkit db scheduler tests benchmarks
	$(VENV)/bin/ruff format --check bot devkit db scheduler tests benchmarks
	$(PY) -m pytest -q $(PYTEST_ARGS)
	@echo "== the conversation tests again, every inline button tapped twice at once (SQLite)"
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL TAP_TWICE=1 \
	  $(PY) -m pytest -q -p no:cacheprovider tests/conversation

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix bot devkit db scheduler tests benchmarks
	$(VENV)/bin/ruff format bot devkit db scheduler tests benchmarks

# Re-extract the strings from the code and merge them into the three catalogs.
catalogs: $(VENV)/.installed
	$(VENV)/bin/pybabel extract --no-location --sort-output $(KEYWORDS) \
	  -o locales/messages.pot bot scheduler
	$(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -w 100 -i locales/messages.pot \
	  -d locales -D messages

clean:
	rm -rf $(VENV) .pytest_cache
