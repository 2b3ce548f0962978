# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make figures   create .venv, install the package, regenerate every figure
#   make test      create .venv, install with test extras, run pytest and `fsq-theory check`
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# numba kernels already use both cores; a multithreaded BLAS on top oversubscribes them
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: figures figures-quick test check bench clean paper

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
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules fsq_theory -o addopts=""
	$(BIN)/fsq-theory check

# the issue-13 ratio table (references in the same process), then every benchmarks/bench_*.py
bench: $(VENV)/.installed
	$(BIN)/fsq-theory bench --quick
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) build *.egg-info

# The paper needs TeX, installed from Debian packages only here (not by `make test`/`make figures`).
# It is built from the committed figures; `make figures paper` regenerates them first.
# The build fails on an overfull box wider than 5 pt (text running into the margin).
paper: $(VENV)/.installed
	command -v pdflatex >/dev/null || (apt-get update && apt-get install -y --no-install-recommends \
	    texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended \
	    lmodern)
	$(BIN)/python scripts/make_paper_tables.py
	cd paper && pdflatex -interaction=nonstopmode -halt-on-error main.tex >/dev/null && \
	    bibtex main && \
	    pdflatex -interaction=nonstopmode -halt-on-error main.tex >/dev/null && \
	    pdflatex -interaction=nonstopmode -halt-on-error main.tex >/dev/null
	@awk '/^Overfull \\hbox/ { w = $$3; gsub(/[(pt]/, "", w); if (w + 0 > 5) { print; bad = 1 } } \
	    END { if (bad) { print "paper/main.log: overfull boxes wider than 5pt"; exit 1 } }' paper/main.log
	@echo "paper/main.pdf built"
