# Two commands on a fresh machine: `make demo` (the main job) and `make test` (the suite).
# Each creates .venv and installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The pinned CPU build of torch lies on this workplace's disk; an index would serve a CUDA build
FIND_LINKS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)

.PHONY: demo test bench coverage clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-core: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

# Graphviz's `dot` renders torchviz graphs in the tests (a Debian package, not on PyPI)
GRAPHVIZ := $(shell command -v dot 2>/dev/null)

$(VENV)/.installed-test: $(VENV)/.installed-core
	$(if $(GRAPHVIZ),,apt-get install -y -q graphviz >/dev/null || \
	    (apt-get update -q >/dev/null && apt-get install -y -q graphviz >/dev/null))
	$(BIN)/pip install -q $(FIND_LINKS) --build-constraint build-constraints.txt -e ".[test]"
	# the real d2l package is an oracle of glasstorch.d2l; its pinned dependencies (old numpy,
	# pandas, jupyter ...) are not wanted, so it is installed alone
	$(BIN)/pip install -q --no-deps d2l==1.0.3
	touch $@

$(VENV)/.installed-demo: $(VENV)/.installed-core
	$(BIN)/pip install -q -e ".[demo]"
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/python -m glasstorch.demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q tests

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py

coverage: $(VENV)/.installed-test
	$(BIN)/python tools/coverage_report.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
