# landkit: the two commands of the README's quickstart are `make demo` and `make test`.
# Each creates its own virtual environment (.venv) and installs everything it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.landkit-installed
OUT    ?= out/demo

.PHONY: setup demo test lint lab app bench clean sample

$(STAMP): pyproject.toml scripts/setup_system.sh
	bash scripts/setup_system.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -c "from landkit.select.chains import warm_up; print(f'compiled the annealing kernels in {warm_up():.1f} s')"
	touch $(STAMP)

setup: $(STAMP)

demo: setup        ## run the main job on the bundled 探沂镇 sample town
	$(BIN)/landkit demo --out $(OUT)

test: setup        ## lint, type check, the whole test suite
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite must never be empty" >&2; exit 1; fi; \
	exit $$rc

lab: setup         ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks

app: setup         ## the panels as a web app on http://127.0.0.1:8866 (compares $(OUT)/scenarios after make demo)
	$(BIN)/landkit app $(if $(wildcard $(OUT)/scenarios),--runs $(OUT)/scenarios,)

bench: setup       ## print benchmark figures (see docs/performance.md)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

sample: setup      ## regenerate the committed sample town in data/tanyi
	$(BIN)/python -m landkit.sample data/tanyi

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
