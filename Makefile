# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test venv clean help

help:
	@echo "make run    create .venv, install sunset, run it on the bundled OTPIC example"
	@echo "make test   install the test extras and run the whole test suite"
	@echo "make clean  remove .venv and out/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# The browser tests drive Debian's chromium through Playwright (no browser download).
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else echo "make: chromium is missing; the browser tests will be skipped. Install it as root: apt-get install chromium"; fi; }
	touch $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/sunset run examples/otpic/site.toml

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) out
