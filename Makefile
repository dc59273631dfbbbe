# newswatch — the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
TRAIN_LIBS := $(VENV)/train-libs
# scikit-learn for `newswatch demands train` and its tests, kept off the run's import path:
# with numpy installed, pyarrow imports it in every run (0.1 s and 15 MB more per process).

.PHONY: install train-libs demo ui run test lint format bench soak e2e clean deploy-prefect

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("newswatch needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,dask]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install newswatch with its dev tools

$(TRAIN_LIBS)/.stamp: pyproject.toml | $(STAMP)
	$(PY) -m pip install --quiet --upgrade --target $(TRAIN_LIBS) 'scikit-learn>=1.5,<2' 'scipy>=1.10,<2'
	@touch $@

train-libs: $(TRAIN_LIBS)/.stamp ## scikit-learn beside .venv, for `PYTHONPATH=.venv/train-libs newswatch demands train`

demo: $(STAMP) ## run the monitor once on the offline demo corpus
	$(VENV)/bin/newswatch demo

UI_DB ?= data/demo.sqlite
ui: $(STAMP) ## the read-only dashboard on the demo database (UI_DB=path for another)
	$(VENV)/bin/newswatch ui --db $(UI_DB)

run: $(STAMP) ## one monitoring run on config/ (real feeds)
	$(VENV)/bin/newswatch run

test: $(STAMP) $(TRAIN_LIBS)/.stamp ## the whole test suite
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP) ## benchmarks; print JSON figures
	$(PY) -m bench.run

soak: $(STAMP) ## long reliability variants
	$(PY) -m pytest -m soak tests/reliability

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache

deploy-prefect: $(STAMP) ## create the work pool, deploy; the build step creates the write limit (needs PREFECT_API_URL)
	-$(VENV)/bin/prefect work-pool create newswatch --type process
	NEWSWATCH_HOME=$(CURDIR) $(VENV)/bin/prefect --no-prompt deploy --all --prefect-file deploy/prefect.yaml
