# evaljobs: every target bootstraps .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SAMPLES := samples/captures
# The exact versions of development and CI (pyproject.toml declares ranges): pip constraints, which also pin
# the build backend of the editable install.
LOCK := requirements-dev.lock
PIP := $(PY) -m pip --disable-pip-version-check
# Scratch environments: the runtime dependencies at their lowest declared versions; a fresh resolution for the lock.
OLDEST_VENV := .venv-oldest
LOCK_VENV := .venv-lock
# What test-oldest runs: the tests of the generated package at run time (models, validator, scanner, clients,
# mock, watch, command line), not those of the generator or against the official SDKs.
OLDEST_TESTS := tests/test_types.py tests/test_examples.py tests/test_property_roundtrip.py tests/test_validator.py \
	tests/test_native.py tests/test_cli.py tests/test_client_calls.py tests/test_client_faults.py tests/test_mock.py \
	tests/test_wait.py tests/test_client_requests.py tests/test_client_downloads.py

# Redocly CLI lints the hand-written specs as users' tools read them (`redocly lint`), pinned by
# tools/redocly/package-lock.json and installed from the npm registry where npm is (skipped with a word otherwise).
REDOCLY := tools/redocly/node_modules/.bin/redocly

.PHONY: install generate check test test-oldest lock validate bench lint-specs

$(STAMP): pyproject.toml $(LOCK) native/scan.c
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	PIP_CONSTRAINT=$(abspath $(LOCK)) $(PIP) install --quiet -e '.[dev]'
	@# the scanner is optional (pip succeeds without it), but with a C compiler here a failed build of a
	@# changed native/scan.c would leave the previous library in place, unnoticed
	@if command -v cc >/dev/null 2>&1 && [ -z "$$(find generated -maxdepth 1 -name '_evaljobs_scan*' -newer native/scan.c)" ]; then \
		echo "evaljobs: native/scan.c did not build (\`$(PY) -m pip install -v -e .\` shows why)" >&2; exit 1; fi
	@# without a C compiler the package works, more slowly: say so once, here and in `evaljobs --version`
	@$(PY) -c 'import _evaljobs_scan' 2>/dev/null || echo "evaljobs: warning: no C compiler (cc), so the native scanner" \
		"_evaljobs_scan is not built: validation works but is 3-5x slower; install one (e.g. gcc) and run" \
		"\`touch native/scan.c && make install\`" >&2
	$(PY) -m compileall -q generated
	touch $(STAMP)

install: $(STAMP)

# Byte-compiled as pip compiles an installed package: start-up reads no source even where
# PYTHONDONTWRITEBYTECODE is set (git and `make check` ignore __pycache__).
generate: $(STAMP)
	$(PY) -m generator generate
	$(PY) -m compileall -q generated

check: $(STAMP) lint-specs
	$(PY) -m generator check
	$(VENV)/bin/ruff check generator generated tests
	$(VENV)/bin/ruff format --check generator generated tests
	$(VENV)/bin/mypy generated/evaljobs
	$(VENV)/bin/mypy generator --exclude generator/runtime

$(REDOCLY): tools/redocly/package-lock.json
	cd tools/redocly && npm ci --no-audit --no-fund --loglevel=error
	touch $(REDOCLY)

lint-specs:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) -s --no-print-directory $(REDOCLY) && \
		out=$$(REDOCLY_TELEMETRY=off $(REDOCLY) lint --format=summary schemas/*.openapi.yaml 2>&1); status=$$?; \
		printf '%s\n' "$$out" | grep -v '[║╔╚]' | grep .; exit $$status; \
	else echo "evaljobs: npm not found: the specs are not linted by Redocly CLI (install Node.js 20+ and npm)" >&2; fi

# -v on top of the configured -q: a line per test file with its progress; then the slowest tests.
test: $(STAMP)
	$(PY) -m pytest -v --durations=15 --durations-min=2

# The runtime dependencies at the lower bounds pyproject.toml declares, in a scratch venv, with the
# package installed as a user gets it (a wheel, not editable): the bounds are tested, not guessed.
test-oldest: $(STAMP)
	rm -rf $(OLDEST_VENV) && $(PYTHON) -m venv $(OLDEST_VENV)
	$(PY) .ci/oldest_requirements.py > $(OLDEST_VENV)/requirements.txt
	cat $(OLDEST_VENV)/requirements.txt
	$(OLDEST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check . -r $(OLDEST_VENV)/requirements.txt
	cd $(OLDEST_VENV) && bin/python -c 'import evaljobs, pydantic, httpx, orjson; \
		print("testing evaljobs from", evaljobs.__file__, "with pydantic", pydantic.VERSION, "httpx", httpx.__version__, \
		"orjson", orjson.__version__)'
	$(OLDEST_VENV)/bin/python -m pytest -v $(OLDEST_TESTS)

# Rewrite requirements-dev.lock with the newest versions pyproject.toml's ranges allow (a fresh resolution).
lock: $(STAMP)
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check '.[dev]' 'setuptools>=77'
	{ grep '^#' $(LOCK); $(LOCK_VENV)/bin/python -m pip freeze --all --exclude evaljobs --exclude pip | sort -f; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf $(LOCK_VENV)

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
