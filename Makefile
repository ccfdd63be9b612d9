# Knowledge Park LMS: the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
# links for other people (certificate QR codes, set-password links) point where make run serves
LMS_PUBLIC_URL ?= http://$(HOST):$(PORT)
export LMS_PUBLIC_URL

.PHONY: install install-dev run init test lint bench mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@# axe-core for the browser suite's accessibility checks (npm registry; no CDN at run time)
	@if command -v npm >/dev/null; then npm ci --prefix tests/e2e --no-audit --no-fund --silent; \
	else echo "npm not found: the browser suite will skip (it needs axe-core)"; fi

init: install
	LMS_ENV=development $(FLASK) lms init
	@if [ ! -f instance/.demo-seeded ]; then \
		LMS_ENV=development $(FLASK) lms seed-demo && touch instance/.demo-seeded; \
	fi

run: init
	LMS_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/ruff check lms tests bench tools config.py wsgi.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check lms tests bench tools config.py wsgi.py

bench: install-dev
	$(BIN)/python -m bench.run

# Mutation testing of every lms/*/rules.py (slow: not part of `make test` or CI).
# MUTATION_ARGS="accounts attendance" measures some modules; MUTATION_JOBS=2 runs two mutants at once.
mutation: install-dev
	$(BIN)/python -m tools.mutation $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
