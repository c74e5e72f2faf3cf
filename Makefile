# evaljobs: every target bootstraps .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SAMPLES := samples/captures

.PHONY: install generate check test validate bench

$(STAMP): pyproject.toml native/scan.c
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@# the scanner is optional (pip succeeds without it), but with a C compiler here a failed build of a
	@# changed native/scan.c would leave the previous library in place, unnoticed
	@if command -v cc >/dev/null 2>&1 && [ -z "$$(find generated -maxdepth 1 -name '_evaljobs_scan*' -newer native/scan.c)" ]; then \
		echo "evaljobs: native/scan.c did not build (\`$(PY) -m pip install -v -e .\` shows why)" >&2; exit 1; fi
	$(PY) -m compileall -q generated
	touch $(STAMP)

install: $(STAMP)

# Byte-compiled as pip compiles an installed package: start-up reads no source even where
# PYTHONDONTWRITEBYTECODE is set (git and `make check` ignore __pycache__).
generate: $(STAMP)
	$(PY) -m generator generate
	$(PY) -m compileall -q generated

check: $(STAMP)
	$(PY) -m generator check
	$(VENV)/bin/ruff check generator generated tests
	$(VENV)/bin/ruff format --check generator generated tests
	$(VENV)/bin/mypy generated/evaljobs
	$(VENV)/bin/mypy generator --exclude generator/runtime

test: $(STAMP)
	$(PY) -m pytest

# Without PAYLOADS: the bundled sample captures, which contain drifted and broken payloads on
# purpose; their report is the point, so findings (exit 1) do not fail the target, usage errors do.
validate: $(STAMP)
ifeq ($(origin PAYLOADS),undefined)
	@$(VENV)/bin/evaljobs validate $(SAMPLES); status=$$?; \
	if [ $$status -eq 1 ]; then echo "(the sample captures include drifted and broken payloads on purpose)"; exit 0; fi; \
	exit $$status
else
	$(VENV)/bin/evaljobs validate $(PAYLOADS)
endif

bench: $(STAMP)
	$(PY) bench/run.py
