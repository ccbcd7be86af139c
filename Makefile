# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo demo-stop test lint bench clean system-deps tools release fuzz screenshot

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Leaves the demo server running in the background (pid in .demo/server.pid): `make demo-stop`
demo: $(STAMP)
	$(PY) -m signoff.demo

demo-stop: $(STAMP)
	$(PY) -m signoff.demo --stop

lint: $(STAMP)
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench
	$(PY) -m mypy
	$(VENV)/bin/lint-imports --no-cache --no-logo

# What the tests need beyond Python, from Debian: chromium (the audit report is opened in a real
# headless browser), shellcheck (actionlint checks the workflows' shell with it), npm (for
# `make tools`), postgresql (the server's tests start a throwaway cluster of their own) and
# strace (a concurrency test stalls one git process's ref update by fault injection).
# Installed when missing and we may; otherwise those tests say why they skip
# (and fail in CI).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="chromium"; \
	command -v shellcheck >/dev/null 2>&1 || missing="$$missing shellcheck"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	command -v strace >/dev/null 2>&1 || missing="$$missing strace"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "note: missing $$missing and cannot install here; the tests that need them skip"; fi; \
	fi

# Tools published on npm (the SARIF multitool ships a self-contained binary; axe-core checks the
# server's pages for accessibility in Chromium): pinned by
# tools/package-lock.json, installed without running package scripts.
TOOLS_STAMP := tools/node_modules/.installed
$(TOOLS_STAMP): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	chmod u+x tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
	touch $(TOOLS_STAMP)

tools: system-deps $(TOOLS_STAMP)

test: $(STAMP) tools lint
	$(PY) -m pytest -n 2 -q

# A long fuzzing run of every parser (tests/test_fuzz.py): fixed seed, FUZZ_EXAMPLES examples
# per target in rounds of 1,000, on two processes; the FUZZ_SECONDS budget is shared out between
# the targets, and a target whose share is spent starts no further round. The report says how
# many examples each target ran. CI runs the same targets with a few examples each.
FUZZ_EXAMPLES ?= 20000
FUZZ_SECONDS ?= 2400
FUZZ_REPORT := build/fuzz-report.txt
fuzz: $(STAMP)
	@mkdir -p build && rm -f $(FUZZ_REPORT)
	SIGNOFF_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) SIGNOFF_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  SIGNOFF_FUZZ_REPORT=$(CURDIR)/$(FUZZ_REPORT) timeout $$(( $(FUZZ_SECONDS) + 600 )) \
	  $(PY) -m pytest -n 2 -q -p no:cacheprovider --hypothesis-seed=0 tests/test_fuzz.py
	@echo "examples per target ($(FUZZ_REPORT)):" && cat $(FUZZ_REPORT)

# The dashboard's overview on the demo repository, for docs/server.md (headless Chromium).
screenshot: $(STAMP) system-deps
	$(PY) tools/overview_screenshot.py

bench: $(STAMP)
	$(PY) bench/run.py

# A release: sdist and wheel in dist/, checked by twine and pyroma (see RELEASING.md).
release: $(STAMP)
	rm -rf dist
	$(PY) -m build --sdist --wheel --outdir dist .
	$(PY) -m twine check --strict dist/*
	$(VENV)/bin/pyroma --min 10 dist/*.tar.gz
	@echo "built: $$(ls dist)"; echo "next: git tag -s v$$($(PY) -c 'import signoff; print(signoff.__version__)') && git push origin --tags"

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache tools/node_modules
