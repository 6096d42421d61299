# CRM Lab: `make lab` opens the workbook, `make test` runs every test.
# Both create the virtual environment (.venv) and install the project the
# first time, and make sure the default datasets (and their SQLite files) exist.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.crmlab-installed
LAB_ARGS ?=
# JupyterLab settings that live inside the virtual environment only
LABCONFIG := $(VENV)/etc/jupyter/labconfig/page_config.json
ANNOUNCEMENTS := @jupyterlab/apputils-extension:announcements

# `make lab LANG=zh` (or zh_CN, zh-CN) opens the Chinese edition (中文版). Only a LANG given
# on the command line counts: the LANG of the environment is a locale (C.UTF-8, zh_CN.UTF-8,
# ...) and keeps the English edition. With LANG=zh the programs get a locale the system has
# instead (the first UTF-8 one of C, en_US, zh_CN that `locale -a` lists; LAB_LOCALE=... sets
# it), never the bare "zh", which is not a locale.
LAB_NOTEBOOK := notebooks/00_welcome.ipynb
ifeq ($(origin LANG),command line)
ifneq ($(filter zh zh_CN zh-CN,$(LANG)),)
LAB_NOTEBOOK := notebooks/zh/00_welcome.ipynb
LAB_LOCALE ?= $(firstword $(filter C.UTF-8 C.utf8 en_US.UTF-8 en_US.utf8 zh_CN.UTF-8 zh_CN.utf8,\
                                   $(shell locale -a 2>/dev/null)))
ifeq ($(strip $(LAB_LOCALE)),)
unexport LANG
else
override LANG := $(LAB_LOCALE)
endif
endif
endif

.PHONY: lab test install datasets benchmark lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	@# build matplotlib's font cache once, so its notice never shows in a notebook
	$(BIN)/python -c "import matplotlib.font_manager"
	@touch $(STAMP)

# no "get notified about Jupyter news?" pop-up (Binder's postBuild does the same)
$(LABCONFIG): $(STAMP)
	$(BIN)/jupyter labextension disable --level=sys_prefix "$(ANNOUNCEMENTS)"
	@touch $@

install: $(STAMP) $(LABCONFIG)

datasets: $(STAMP)
	$(BIN)/crmlab datasets

# the server runs "in" the virtual environment, so that JupyterLab's terminal finds crmlab
lab: datasets $(LABCONFIG)
	PATH="$(abspath $(BIN)):$$PATH" VIRTUAL_ENV="$(abspath $(VENV))" \
		$(BIN)/jupyter lab $(LAB_NOTEBOOK) $(LAB_ARGS)

test: datasets
	$(BIN)/python -m pytest

benchmark: $(STAMP)
	$(BIN)/python benchmarks/generate.py
	$(BIN)/python benchmarks/lifecycle.py
	$(BIN)/python benchmarks/models.py
	$(BIN)/python benchmarks/grade.py
	$(BIN)/python benchmarks/linkage.py

lint: $(STAMP)
	$(BIN)/ruff check crmlab tests benchmarks

clean:
	rm -rf $(VENV) datasets/*/crm.sqlite .pytest_cache
