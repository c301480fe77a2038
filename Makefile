# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: install run test ui serve replay lint format bench clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --progress-bar off -c constraints.txt -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

run: install
	$(PY) -m mlops_assets.cli run

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q -p no:cacheprovider

ui: install
	$(PY) -m mlops_assets.cli ui $(UI_ARGS)

serve: install
	$(PY) -m mlops_assets.cli serve $(SERVE_ARGS)

DAYS ?= 1
replay: install
	$(PY) -m mlops_assets.cli replay --days $(DAYS) $(REPLAY_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) benchmarks/training_data.py
	$(PY) benchmarks/insert.py
	$(PY) benchmarks/validation.py
	$(PY) benchmarks/serving.py
	$(PY) benchmarks/refresh.py
	$(PY) benchmarks/make_run.py

clean:
	rm -rf .store
