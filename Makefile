# NeedLens: `make run` (install + demo analysis + dashboard) and `make test` (install + browser + tests).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
DB ?= data/workspace.duckdb
RUNTIME_STAMP := $(VENV)/.runtime-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test install install-dev browser fonts demo bench models screenshots clean

run: install fonts demo
	@echo "NeedLens is starting on http://localhost:$(PORT)"
	NEEDLENS_DB=$(DB) $(BIN)/streamlit run app.py --server.port $(PORT)

test: install-dev browser fonts
	$(BIN)/python -m pytest -q tests

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)
install-dev: $(DEV_STAMP)

# Debian chromium for the real-browser tests; installed when we are root, otherwise those tests skip and say why.
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium present"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium could not be installed; browser tests will be skipped"; \
	else echo "not root: install chromium yourself to run the browser tests"; fi

# CJK fonts so Chinese labels render in exported PNG/SVG charts and screenshots (Debian package, as root).
fonts:
	@if fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then echo "CJK fonts present"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null) \
	  || echo "fonts-noto-cjk could not be installed; Chinese text in exported charts may show as boxes"; \
	else echo "not root: install fonts-noto-cjk for Chinese text in exported charts"; fi

screenshots: install-dev
	$(BIN)/python bench/browser.py --db $(DB) --out docs/screenshots

# The first `make run` analyses the bundled demo data with a progress bar; later runs reuse the workspace.
demo: $(DB)
$(DB): data/demo_reviews.csv data/demo_searches.csv | $(RUNTIME_STAMP)
	$(BIN)/python -m core run --reviews data/demo_reviews.csv --searches data/demo_searches.csv --db $(DB) --replace

data/demo_reviews.csv data/demo_searches.csv: data/make_demo.py
	$(BIN)/python data/make_demo.py

models: install-dev
	$(BIN)/python bench/train_models.py
	$(BIN)/python bench/train_sentiment_encoder.py
	$(BIN)/python bench/train_request_model.py

bench: install-dev
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
