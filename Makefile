# `make test` runs every check the project has; it installs the Rust components and the
# Python packages it needs (the latter into .venv).
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python

.PHONY: test vectors toolchain gpu-driver fmt-check clippy rust-test python-env python-lint \
	python-test fuzz-check bench

test: vectors toolchain gpu-driver fmt-check clippy rust-test python-lint python-test

# The conformance vectors are the ground truth: without them the run fails, unless
# BATCHVERIFY_SKIP_VECTORS=1 says it knowingly runs without them (their tests then skip).
VECTORS ?= $(or $(BATCHVERIFY_VECTORS),$(CURDIR)/../shared/vectors)
vectors:
	@test -d "$(VECTORS)" || [ "$(BATCHVERIFY_SKIP_VECTORS)" = 1 ] || { \
		echo "conformance vectors not found at $(VECTORS): set BATCHVERIFY_VECTORS," \
			"or BATCHVERIFY_SKIP_VECTORS=1 to run without them" >&2; exit 1; }

toolchain:
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

# The GPU tests need a Vulkan adapter; where there is none, Mesa's lavapipe (a software one)
# is installed when this runs as root on Debian. Elsewhere the GPU tests skip with a message.
gpu-driver:
	@if ! ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
		&& command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends mesa-vulkan-drivers libvulkan1; \
	fi

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p batchverify --no-default-features --all-targets -- -D warnings

rust-test:
	$(CARGO) test --workspace
	$(CARGO) test -p batchverify --no-default-features --lib

# The Python module, built by maturin through pip (as `pip install ./python` does) into a local
# virtual environment together with the test suite's own dependencies.
python-env:
	@test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install -q --upgrade pip 'maturin>=1.9,<2'
	$(VENV_PYTHON) -m pip install -q --no-build-isolation './python[test]'

python-lint: python-env
	cd python && ../$(VENV)/bin/ruff check . && ../$(VENV)/bin/ruff format --check .
	cd python && ../$(VENV_PYTHON) -m mypy
	# Run outside python/ so that the installed package (with its extension) is the one checked.
	cd $(VENV) && ./bin/python -m mypy.stubtest --mypy-config-file ../python/pyproject.toml \
		batchverify._native

python-test: python-env
	cd python && ../$(VENV)/bin/pytest -q

# The fuzz crate lives outside the workspace (cargo-fuzz builds it with nightly); this only
# makes sure it still compiles against the library.
fuzz-check:
	cd fuzz && CARGO_TARGET_DIR=../target/fuzz-check $(CARGO) check

bench:
	$(CARGO) bench --bench ed25519
