# PyLearn for Jupyter — the two commands a new user needs:
#   make lab    set up everything, then start JupyterLab with PyLearn and a local API
#   make test   set up everything the tests need (Debian packages included), then run them all

VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin

.PHONY: lab lite test setup setup-test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installing the package builds the JupyterLab extension (Node.js, through jlpm).
setup: $(BIN)/python
	scripts/system-packages.sh lab
	$(BIN)/pip install --quiet -e ".[lab]"

setup-test: $(BIN)/python
	scripts/system-packages.sh test
	$(BIN)/pip install --quiet -e ".[test]"
	cd tests/pyodide && npm ci --no-audit --no-fund --silent

# Options for `pylearn lab` / JupyterLab: make lab ARGS="--port 8890 --no-browser"
ARGS    ?=

lab: setup
	$(BIN)/pylearn lab $(ARGS)

# The browser-only site: build it, then serve it on http://127.0.0.1:8000
lite: $(BIN)/python
	scripts/system-packages.sh lab
	$(BIN)/pip install --quiet -e ".[lab,lite]"
	$(BIN)/pylearn lite build
	$(BIN)/pylearn lite serve

test: setup-test
	$(BIN)/ruff check pylearn_jupyter tests bench
	cd labextension && export PATH="$(abspath $(BIN)):$$PATH" && \
	    jlpm install --immutable && jlpm lint:check && jlpm test
	$(BIN)/python -m pytest

lint: setup-test
	$(BIN)/ruff check pylearn_jupyter tests bench
	cd labextension && export PATH="$(abspath $(BIN)):$$PATH" && \
	    jlpm install --immutable && jlpm lint:check

clean:
	rm -rf $(VENV) pylearn_jupyter/labextension labextension/node_modules labextension/lib \
	       labextension/.yarn
