# Set-up and everyday commands. `make run` and `make test` install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Port of `make run`, e.g. `make run PORT=8001` when 8000 is taken.
PORT ?= 8000

CHROMIUM := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver
# Debian's Noto CJK fonts, so screenshots of the Chinese pages show characters, not boxes.
CJK_FONT_PACKAGE := fonts-noto-cjk
# CI runs as root; elsewhere apt-get needs sudo.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: install browsers run test lint bench clean eval

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian's Chromium, ChromeDriver and a CJK font for the browser tests in tests/web; apt-get
# runs when one of them is missing.
browsers:
	@if [ ! -x $(CHROMIUM) ] || [ ! -x $(CHROMEDRIVER) ] || \
		! dpkg-query -W -f='$${Status}' $(CJK_FONT_PACKAGE) 2>/dev/null | grep -q 'ok installed'; then \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y chromium chromium-driver $(CJK_FONT_PACKAGE); \
	fi

# Ingest the sample KB as tenant default's KB `default` (unchanged files are skipped), create
# a widget and an agent key on the first start, and serve the API, chat page and console.
run: install
	$(BIN)/assistant ingest samples/kb --kb default.default
	$(BIN)/assistant keys bootstrap --tenant default
	$(BIN)/assistant serve --host 127.0.0.1 --port $(PORT)

chat: install
	$(BIN)/assistant ingest samples/kb --kb default.default
	$(BIN)/assistant chat

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# The eval gate runs every case of evals/datasets on the embedded engine over samples/kb, with
# the semantic reranker on as by default (about 20 s on 2 cores), and fails when a metric drops
# below evals/baselines/embedded.json. pytest runs with the reranker off (tests/conftest.py).
test: install lint browsers
	$(BIN)/pytest
	$(BIN)/assistant eval --gate

eval: install
	$(BIN)/assistant eval --report reports/eval

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
