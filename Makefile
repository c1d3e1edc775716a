# permsym: the book and its package.
#   make book     set up .venv and build the HTML book into _build/html
#   make test     set up .venv and run everything CI checks
#   make lint     ruff on the Python files (configured in pyproject.toml)
#   make lab      JupyterLab on the notebooks
#   make execute  re-run notebooks in place in full mode (NB=book/x.ipynb for one)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.permsym-installed
VENDOR := _extra/vendor/.stamp
NB ?= book
JB_FLAGS := --all -W -n --keep-going
# One BLAS/OpenMP thread for `make unit` and `make nbval`: floating-point results (and the
# stored outputs nbval compares) then do not depend on the core count of the machine.
ONE_THREAD := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
NBVAL_FLAGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900 -p no:cacheprovider

.PHONY: book test lint unit nbval html browser lab execute sync-url clean

# One virtual environment with exact pins (requirements/dev.txt) and permsym editable.
$(STAMP): pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements/dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

# MathJax, require.js and the widget manager, from the npm registry, for offline pages.
$(VENDOR): tools/vendor-js.sh
	bash tools/vendor-js.sh _extra/vendor

book: $(STAMP) $(VENDOR) html
	@echo "The book is built: open $(CURDIR)/_build/html/index.html"

html: $(STAMP) $(VENDOR)
	$(BIN)/jupyter-book build $(JB_FLAGS) .

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(ONE_THREAD) $(BIN)/python -m pytest permsym tests --ignore=tests/browser

nbval: $(STAMP)
	PERMSYM_QUICK=1 $(ONE_THREAD) $(BIN)/python -m pytest $(NBVAL_FLAGS) book

browser: $(STAMP) $(VENDOR)
	bash tools/ensure-chromium.sh
	$(BIN)/python -m pytest tests/browser

# Everything CI checks, in order: ruff, unit tests and doctests (one thread), nbval on
# every notebook (quick mode, one thread: the stored outputs do not depend on the core
# count), the book build (no warning tolerated), the browser check.
test: $(STAMP) $(VENDOR)
	$(MAKE) lint
	$(MAKE) unit
	$(MAKE) nbval
	$(MAKE) html
	$(MAKE) browser

lab: $(STAMP)
	$(BIN)/jupyter lab book/

execute: $(STAMP)
	PERMSYM_FULL=1 $(BIN)/python tools/execute.py $(NB)

# Copy repository.url of _config.yml into the set-up cell (the %pip install line) of every notebook.
sync-url: $(STAMP)
	$(BIN)/python tools/sync_repo_url.py

clean:
	rm -rf _build test-artifacts
