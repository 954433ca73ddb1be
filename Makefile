# 衔接终端 — the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test system-deps lint typecheck pytest bench clean dist dist-buildroot dist-bundle dist-deb dist-wheelhouse

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

system-deps:
	@bash scripts/install-system-deps.sh

run: system-deps $(BIN)/.installed
	$(BIN)/lianjie demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(BIN)/.installed
	$(BIN)/mypy

pytest: $(BIN)/.installed
	bash scripts/with-postgres.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

test: system-deps lint typecheck pytest

bench: $(BIN)/.installed
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

# Offline installers (docs/install.md): the PyInstaller bundle, the .deb for UOS/Kylin and the wheelhouse, in dist/.
# Built in the Debian bullseye build root for glibc >= 2.28 (as root; the root is created on first use, see
# scripts/buildroot.sh); LIANJIE_NATIVE_BUILD=1 builds with this machine's Python and glibc instead.
dist: dist-bundle dist-deb dist-wheelhouse
	@du -sh dist/lianjie dist/*.deb dist/wheelhouse

dist-buildroot:
	bash scripts/buildroot.sh

dist-bundle: $(BIN)/.installed
	bash installer/build-bundle.sh dist

dist-deb: dist-bundle
	bash installer/build-deb.sh dist

dist-wheelhouse: $(BIN)/.installed
	bash installer/build-wheelhouse.sh dist

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache dist build
