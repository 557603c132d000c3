# jobtraject: `make run` to use it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INSTANCE := instance
export DATABASE_URL ?= sqlite:///$(CURDIR)/$(INSTANCE)/jobtraject.db

.PHONY: run test test-fast lint bench bench-pg install assets browser libmagic pdflibs poppler wrk migration-reset clean

# Web assets from the npm registry (pinned in package-lock.json; never a CDN, never committed):
# NL Design System (Utrecht) CSS and tokens for the look, axe-core for the accessibility test.
NODE_STAMP := node_modules/.installed
VENDOR     := webui/static/vendor

$(STAMP): pyproject.toml | libmagic pdflibs
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js 20 (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Copy the third-party files the pages load into the static folder (git-ignored).
$(VENDOR)/.copied: $(NODE_STAMP)
	mkdir -p $(VENDOR)
	cp node_modules/@utrecht/component-library-css/dist/index.css $(VENDOR)/utrecht-components.css
	cp node_modules/@utrecht/component-library-css/dist/html.css $(VENDOR)/utrecht-html.css
	cp node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css $(VENDOR)/nlds-voorbeeld-tokens.css
	touch $(VENDOR)/.copied

assets: $(VENDOR)/.copied

install: $(STAMP) assets

run: $(STAMP) assets
	mkdir -p $(INSTANCE)
	$(BIN)/jobtraject migrate
	$(BIN)/jobtraject demo-data --if-empty
	$(BIN)/jobtraject serve --host 127.0.0.1 --port 5000

# Debian's chromium for the end-to-end tests (never a downloaded browser).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# Debian's libmagic1: python-magic finds uploaded files' types with it (never from the name).
libmagic:
	@dpkg -s libmagic1 >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq libmagic1 >/dev/null)

# Debian's Pango: WeasyPrint lays out the PDFs (trajectplan, hours statements) with it.
pdflibs:
	@dpkg -s libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null)

# Debian's poppler-utils: the tests read the PDFs back with pdftotext (and pdftoppm to look at them).
poppler:
	@command -v pdftotext >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null)

# Debian's wrk for the benchmark's requests-per-second run.
wrk:
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The browser tests need Debian's chromium, the PDF tests poppler's pdftotext: installed when missing.
test: $(STAMP) assets lint browser poppler
	$(BIN)/pytest -q

# The inner loop: SQLite only, no browser, no multi-process fault tests.
test-fast: $(STAMP) assets poppler
	JOBTRAJECT_SKIP_POSTGRES=1 $(BIN)/pytest -q -x -m "not e2e and not slow"

bench: $(STAMP) wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

# The same on PostgreSQL: throwaway databases on BENCH_PG_URL's server (never its own database).
BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench-pg: $(STAMP) wrk
	$(BIN)/python -m bench --db $(BENCH_PG_URL) $(BENCH_ARGS)

# Developers: rebuild the single initial migration from the models (nothing is deployed yet).
# Later, hand-written migrations (0002: the case counters and their triggers) are kept aside meanwhile.
migration-reset: $(STAMP)
	rm -rf webui/migrations/versions/0001_initial_schema.py /tmp/jobtraject-migration.db /tmp/jobtraject-later-migrations
	mkdir /tmp/jobtraject-later-migrations && mv webui/migrations/versions/0002_*.py /tmp/jobtraject-later-migrations/
	$(BIN)/python -c "from alembic import command; from webui.migrate import alembic_config; \
command.revision(alembic_config('sqlite:////tmp/jobtraject-migration.db'), message='initial schema', autogenerate=True, rev_id='0001')"
	sed -i 's/astext_type=Text()/astext_type=sa.Text()/g' webui/migrations/versions/0001_initial_schema.py
	mv /tmp/jobtraject-later-migrations/*.py webui/migrations/versions/

clean:
	rm -rf $(VENV) .pytest_cache node_modules $(VENDOR)
