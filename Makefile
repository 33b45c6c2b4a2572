# Two commands a new user types: `make run` and `make test`. Both bootstrap .venv idempotently.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# CPU torch keeps the venv small (~1.4 GB against ~6 GB for a CUDA build). On Linux x86_64 the
# CPU build is the "+cpu" wheel: from pip's configured indexes if one has it, else from
# TORCH_INDEX. Ask for another build with e.g. TORCH_SPEC=torch==2.13.0 TORCH_INDEX=.
TORCH_VERSION := $(shell sed -n 's/^torch==//p' constraints.txt)
ifeq ($(shell uname -sm),Linux x86_64)
TORCH_SPEC ?= torch==$(TORCH_VERSION)+cpu
else
TORCH_SPEC ?= torch==$(TORCH_VERSION)
endif
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# constraints.txt pins every package to the versions the suite passed with (make lock renews it)
PIN := -c constraints.txt
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint lock bench package package-test demo clean qt-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -c "import torch" 2>/dev/null || $(PIP) install -q "$(TORCH_SPEC)" 2>/dev/null \
	  || $(PIP) install -q --extra-index-url "$(TORCH_INDEX)" "$(TORCH_SPEC)"
	$(PIP) install -q $(PIN) -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PIP) install -q $(PIN) -e ".[test]"
	touch $@

# Re-resolve the newest releases pyproject.toml allows into a scratch venv, run the suite there,
# and only then rewrite constraints.txt (README "Upgrading").
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install -q --upgrade pip "$(TORCH_SPEC)"
	.venv-lock/bin/python -m pip install -q -e ".[test]"
	HF_HUB_OFFLINE=1 QT_QPA_PLATFORM=offscreen .venv-lock/bin/python -m pytest -q -x
	{ sed -n '1,2p' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable \
	  | grep -v '^#' | sed 's/+cpu$$//' | sort -f; } > constraints.new && mv constraints.new constraints.txt
	rm -rf .venv-lock

# Qt's display plugins link against system libraries a bare Debian/Ubuntu lacks (libxcb-icccm4,
# libxcb-cursor0, …). inspector.sysdeps asks ldd which are missing and installs them with apt-get
# when it can (root); otherwise it prints the one command that does and `make run` stops there.
qt-deps: $(STAMP)
	@$(PY) -m inspector.sysdeps --install xcb

run: $(STAMP) qt-deps
	$(VENV)/bin/inspector

# Tests run offscreen; the xcb libraries are only for the test that opens a real window under Xvfb.
# lint-imports checks the layer contracts in pyproject.toml first: a broken one fails the target.
test: $(TEST_STAMP)
	@$(PY) -m inspector.sysdeps --install offscreen xcb || echo "note: the Xvfb window test will be skipped"
	$(VENV)/bin/lint-imports --no-cache
	HF_HUB_OFFLINE=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check inspector tests benchmarks
	$(VENV)/bin/ruff format --check inspector tests benchmarks

bench: $(STAMP)
	$(PIP) install -q -e ".[bench]"
	HF_HUB_OFFLINE=1 $(PY) benchmarks/sweep.py
	HF_HUB_OFFLINE=1 $(PY) benchmarks/sweep.py --question-first
	HF_HUB_OFFLINE=1 $(PY) benchmarks/stall.py

# A onedir bundle with CPU torch in dist/inspector/ (~11 min on 2 busy cores, 1.0 GB; not in `make test`).
PACKAGE_STAMP := $(VENV)/.installed-package

$(PACKAGE_STAMP): $(STAMP)
	$(PIP) install -q -e ".[package]"
	touch $@

package: $(PACKAGE_STAMP)
	HF_HUB_OFFLINE=1 $(VENV)/bin/pyinstaller --noconfirm --log-level WARN \
	  --distpath dist --workpath build/pyinstaller packaging/inspector.spec

# Runs the bundled `inspector --version` and `inspector analyze` on a tiny checkpoint built here.
package-test: $(STAMP)
	@test -x dist/inspector/inspector || $(MAKE) package
	QT_QPA_PLATFORM=offscreen $(PY) packaging/smoke.py dist/inspector/inspector

demo: $(STAMP)
	$(VENV)/bin/inspector demo

clean:
	rm -rf $(VENV) build dist .pytest_cache
