# PyLearn for Jupyter — the two commands a new user needs:
#   make lab    set up everything, then start JupyterLab with PyLearn and a local API
#   make test   set up everything the tests need (Debian packages included), then run them all

VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
APT_PACKAGES := chromium postgresql nodejs

.PHONY: lab test setup system-packages lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"

# Chromium and PostgreSQL serve the browser and database tests; installed only when missing.
system-packages:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

lab: setup
	$(BIN)/pylearn lab

# Pyodide (npm) for running the checker and the course inside Pyodide on Node.js.
tests/pyodide/node_modules/pyodide/package.json: tests/pyodide/package-lock.json
	cd tests/pyodide && npm ci --no-audit --no-fund

test: system-packages setup tests/pyodide/node_modules/pyodide/package.json
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check pylearn_jupyter tests bench

clean:
	rm -rf $(VENV) pylearn_jupyter/labextension labextension/node_modules labextension/lib
