# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test venv clean help bench java

help:
	@echo "make run    create .venv, install sunset, run it on the bundled OTPIC example"
	@echo "make test   install the test extras and run the whole test suite"
	@echo "make bench  sunset and wget side by side on a generated site (BENCH_ARGS=--pages 500)"
	@echo "make clean  remove .venv and out/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml tests/viewer/package-lock.json
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# ReplayWeb.page's own built files (npm package replaywebpage) for tests/test_replay_viewer.py.
	@# The lock pins warcio 2.4.11 (an unused dependency of the bundle) where the registry lacks 2.4.12.
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -q >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >/dev/null; } || true
	@if command -v npm >/dev/null 2>&1; then cd tests/viewer && npm ci --omit=dev --omit=optional --ignore-scripts \
	  --no-audit --no-fund --loglevel=error || echo "make: npm ci failed; the ReplayWeb.page test will be skipped"; \
	  else echo "make: npm is missing; the ReplayWeb.page test will be skipped"; fi
	@# The served-view tests compare sunset with Debian's Apache httpd on the same files, started by the tests
	@# as their own process (apache2-bin: the server and its modules, no system service).
	@command -v apache2 >/dev/null 2>&1 || [ -x /usr/sbin/apache2 ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q apache2-bin; \
	  else echo "make: apache2 is missing; the served-view tests will be skipped. Install it as root: apt-get install apache2-bin"; fi; }
	@# The browser tests drive Debian's chromium through Playwright (no browser download).
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else echo "make: chromium is missing; the browser tests will be skipped. Install it as root: apt-get install chromium"; fi; }
	touch $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/sunset run examples/otpic/site.toml

test: $(VENV)/.installed-test java
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) out

bench: $(VENV)/.installed   ## sunset vs wget on a generated legacy site (not part of make test)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# The Spark tests need Java 17 (they skip without it). CI machines are Debian and run as root.
# apt-get's own output and exit status are shown: a failed install stops `make test` with its reason.
java:
	@if command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "make: installing Java 17 (openjdk-17-jre-headless) for the Spark tests"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless \
	  || { echo "make: apt-get could not install Java 17 (see above)" >&2; exit 1; }; \
	else echo "make: Java 17 not found; the Spark tests will be skipped (as root: apt-get install openjdk-17-jre-headless)"; fi
