# One command for each thing a newcomer wants; each sets itself up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_ADDR ?= 127.0.0.1:8000

.PHONY: help install demo test lint docs bench messages clean

help:
	@echo "make demo   serve the example project at http://$(DEMO_ADDR)/"
	@echo "make test   run the whole test suite"
	@echo "make lint   run ruff"
	@echo "make docs   build the documentation (warnings are errors)"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make messages  add new texts to the translation catalogues and compile them"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python setup.py
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,docs,celery,metrics]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	@$(BIN)/python example/check_port.py $(DEMO_ADDR)
	cd example && ../$(BIN)/python manage.py migrate --noinput
	cd example && ../$(BIN)/python manage.py demo_setup --url http://$(DEMO_ADDR)/
	cd example && ../$(BIN)/python manage.py demo_traffic
	cd example && ../$(BIN)/python manage.py runserver $(DEMO_ADDR)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check rapidsms tests bench example docs

docs: install
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

bench: install
	$(BIN)/python bench/router.py

messages: install
	$(BIN)/python -m tests.i18n.catalogues

clean:
	rm -rf $(VENV) docs/_build build *.egg-info
