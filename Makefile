# Set-up is two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= small
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/shequ

.PHONY: demo test test-sqlite test-postgres install browser serve worker bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/shequ migrate --no-input -v0
	$(BIN)/shequ collectstatic --no-input -v0
	$(BIN)/shequ demo --scale $(SCALE)
	$(BIN)/shequ demo_logins --url http://$(HOST):$(PORT)/
	@echo "Starting the background workers, the scheduler and the server at http://$(HOST):$(PORT)/ (Ctrl-C stops all)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/shequ db_worker --queue-name '*' --no-reload >var/worker.log 2>&1 & \
	  $(BIN)/shequ db_worker --queue-name notify --no-reload >var/worker-notify.log 2>&1 & \
	  $(BIN)/shequ scheduler >var/scheduler.log 2>&1 & \
	  $(BIN)/shequ runserver $(HOST):$(PORT) --noreload

# The browser for the Playwright tests is Debian's chromium (never a browser download).
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-noto-cjk >/dev/null)) || \
	  echo "chromium could not be installed: browser tests will be skipped"; fi

test: install browser
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$SHEQU_TEST_POSTGRES" ]; then $(MAKE) --no-print-directory test-postgres; fi

test-sqlite:
	$(BIN)/pytest -n 2 -p no:cacheprovider --durations=20

test-postgres:
	SHEQU_TEST_DB=postgres SHEQU_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 -p no:cacheprovider --durations=20

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var/*.sqlite3*
