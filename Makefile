# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make figures   create .venv, install the package, regenerate every figure
#   make test      create .venv, install with test extras, run pytest and `fsq-theory check`
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: figures figures-quick test check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'
	touch $@ $(VENV)/.installed

figures: $(VENV)/.installed
	$(BIN)/fsq-theory figures --outdir figures

figures-quick: $(VENV)/.installed
	$(BIN)/fsq-theory figures --quick --outdir figures

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q
	$(BIN)/fsq-theory check

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_quantize.py

clean:
	rm -rf $(VENV) build *.egg-info
