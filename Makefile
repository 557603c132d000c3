# jobtraject: `make run` to use it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INSTANCE := instance
export DATABASE_URL ?= sqlite:///$(CURDIR)/$(INSTANCE)/jobtraject.db

.PHONY: run test test-fast lint bench bench-pg install browser libmagic wrk migration-reset clean

$(STAMP): pyproject.toml | libmagic
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
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

# Debian's wrk for the benchmark's requests-per-second run.
wrk:
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The browser tests need Debian's chromium: `browser` installs it when missing.
test: $(STAMP) lint browser
	$(BIN)/pytest -q

# The inner loop: SQLite only, no browser, no multi-process fault tests.
test-fast: $(STAMP)
	JOBTRAJECT_SKIP_POSTGRES=1 $(BIN)/pytest -q -x -m "not e2e and not slow"

bench: $(STAMP) wrk
	$(BIN)/python -m bench

# The same on PostgreSQL: throwaway databases on BENCH_PG_URL's server (never its own database).
BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench-pg: $(STAMP) wrk
	$(BIN)/python -m bench --db $(BENCH_PG_URL)

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
	rm -rf $(VENV) .pytest_cache
