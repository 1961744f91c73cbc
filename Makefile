# The two commands: `make demo` and `make test`. Each sets up what it needs from nothing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test test-fast test-torch bench lint lint-js typecheck unit docs images clean graphviz chromium wheel kernels

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "autograd-mini needs Python 3.10 or newer; $(PYTHON) is $$($(PYTHON) --version)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		rm -rf $(VENV); \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing python3-venv (Debian)"; \
			apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv >/dev/null && \
			$(PYTHON) -m venv $(VENV); \
		else \
			echo "cannot create a virtual environment: run  sudo apt-get install python3-venv  and retry"; exit 1; \
		fi; }

$(VENV)/.dev: pyproject.toml | $(PY)
	$(PIP) install -e '.[dev]'
	@touch $@

$(VENV)/.demos: pyproject.toml | $(PY)
	$(PIP) install -e '.[demos]'
	@touch $@

$(VENV)/.bench: pyproject.toml | $(PY)
	$(PIP) install -e '.[bench]'
	@touch $@

demo: graphviz $(VENV)/.demos
	@mkdir -p out
	$(PY) -m autograd_mini.demos

# Graphviz's `dot` program renders the drawings; the tests render real SVG with it.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Graphviz (Debian package graphviz)"; \
			apt-get update -qq && apt-get install -y -qq --no-install-recommends graphviz >/dev/null; \
		else \
			echo "Graphviz's dot program is missing. Install it, then run make test again:"; \
			echo "  Debian/Ubuntu: sudo apt-get install -y --no-install-recommends graphviz"; \
			echo "  macOS: brew install graphviz    conda: conda install -c conda-forge graphviz"; \
			exit 1; \
		fi; }
	@dot -V

# Debian's Chromium: the explorer's browser tests drive it headless (browsers are never downloaded).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Chromium (Debian package chromium)"; \
			apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
		else \
			echo "Chromium is missing; the explorer's browser tests need it. Install it, then run make test again:"; \
			echo "  Debian/Ubuntu: sudo apt-get install -y chromium   (the command must be named chromium)"; \
			exit 1; \
		fi; }
	@chromium --version

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The explorer page's hand-written JavaScript, linted by ESLint (eslint.config.mjs). package-lock.json
# pins ESLint; npm installs it into node_modules/ the first time (Node.js and npm: Debian's, as root).
lint-js:
	@command -v npm >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Node.js and npm (Debian packages nodejs npm)"; \
			apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
		else \
			echo "npm is missing; lint-js needs Node.js and npm (Debian/Ubuntu: sudo apt-get install nodejs npm)"; \
			exit 1; \
		fi; }
	@[ -d node_modules ] || npm ci --no-audit --no-fund
	node_modules/.bin/eslint autograd_mini/explorer_assets autograd_mini/training_assets

typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy --strict autograd_mini

unit: $(VENV)/.dev
	$(VENV)/bin/pytest -q

test: graphviz chromium lint lint-js typecheck unit docs

# The quick loop while editing: leaves out the browser, notebook, wheel and slow tests (make test runs all).
test-fast: $(VENV)/.dev
	$(VENV)/bin/pytest -q -m "not browser and not slow and not notebook and not wheel"

# The documentation site (mkdocs.yml) in site/, the notebooks executed (their drawings need dot);
# --strict fails on any warning, a broken link included.
docs: graphviz $(VENV)/.dev
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

# A wheel in dist/ (pip install dist/autograd_mini-*.whl anywhere). No network: setuptools
# comes from the dev extra. make test checks such a wheel in a fresh venv (tests/package/test_wheel.py).
wheel: $(VENV)/.dev
	$(PY) -m build --wheel --no-isolation --outdir dist .

# Every op against PyTorch float64 alone (make test runs these too: torch is in the dev extra).
test-torch: $(VENV)/.dev
	$(VENV)/bin/pytest -q tests/torch

# Value's arithmetic, generated from the op table (autograd_mini/ops.py) into a checked-in file;
# run after changing the table. A test fails while the file is out of date.
kernels: | $(PY)
	$(PY) tools/generate_kernels.py

# Speed and memory, side by side with micrograd and hand-written code. PyTorch and JAX rows
# appear when they are importable; WITH_TORCH=1 installs torch==2.13.0 (a large download
# elsewhere), WITH_JAX=1 installs jax and jaxlib (CPU). BENCH_ARGS=--quick for a smoke run.
bench: $(VENV)/.bench
	@if [ -n "$(WITH_TORCH)" ]; then $(PIP) install torch==2.13.0; fi
	@if [ -n "$(WITH_JAX)" ]; then $(PIP) install jax jaxlib; fi
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

# The pictures the README shows, regenerated from the demos. Each drawing's DOT source is kept
# next to its PNG, so `make images-check` can tell whether docs/images is current.
README_DRAWINGS := chain_rule_graph neuron_graph folded_mlp_graph cheatsheet_network four_layer_network \
	newton_gradient_graph
README_IMAGES := $(addsuffix .png,$(README_DRAWINGS)) $(addsuffix .dot,$(README_DRAWINGS)) \
	moons_boundary.png moons_training.png newton_paths.png

images: graphviz chromium $(VENV)/.demos $(VENV)/.dev
	$(PY) -m autograd_mini.demos
	$(VENV)/bin/pytest -q tests/explorer/test_in_browser.py -k readme_screenshot  # writes out/explorer.png
	@mkdir -p docs/images
	cd out && cp $(README_IMAGES) explorer.png ../docs/images/
	@echo "updated docs/images/: $(README_IMAGES) explorer.png"

# Fails when docs/images differs from what the code draws (drawings by DOT source, plots by pixels).
images-check: $(VENV)/.demos
	$(PY) -m autograd_mini.demos.check_images --plots

clean:
	rm -rf $(VENV) out site .cache .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
