VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: install demo test bench bench-long lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP)

# The demo needs the project alone, not the test tools of the dev extra (a dev install,
# when there is a current one, already holds everything).
$(DEMO_STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	if [ -f $(STAMP) ] && [ $(STAMP) -nt pyproject.toml ]; then :; else \
		$(PIP) install --quiet --upgrade pip && $(PIP) install --quiet -e . ; fi
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(VENV)/bin/negsim analyze scenarios/alaska_summit.yaml
	$(VENV)/bin/negsim run scenarios/alaska_summit.yaml --seed 1
	$(VENV)/bin/negsim sweep experiments/demo.yaml --out results/demo --overwrite
	$(VENV)/bin/negsim reachable results/demo
	$(VENV)/bin/negsim report results/demo

test: lint
	$(PY) -m pytest -q

bench: install
	$(PY) benchmarks/run.py

# A 1,000,000-run sweep and `reachable` on it, with their peak memory (not part of
# `make test`; long). Figures: benchmarks/_work/results_long.json, shown by `make bench`.
bench-long: install
	$(PY) benchmarks/bench_long.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
