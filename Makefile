# `make test` runs every check the project has; it installs the Rust components and the
# Python packages it needs (the latter into .venv).
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
CARGO_TARGET := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)

.PHONY: test vectors toolchain gpu-driver fmt-check clippy rust-test python-env python-tools python-lint \
	python-test wheel readme-test fuzz-build fuzz fuzz-smoke soak bench gpu-bench gpu-bench-run

test: vectors toolchain gpu-driver fmt-check clippy rust-test python-lint python-test readme-test

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
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p batchverify --no-default-features --all-targets -- -D warnings

rust-test:
	$(CARGO) test --workspace
	$(CARGO) test -p batchverify --no-default-features --lib
	# Batches again on the portable Ed25519 path, the one CPUs without IFMA take.
	BATCHVERIFY_ED25519_LANES=portable $(CARGO) test -p batchverify --test ed25519_conformance \
		--test ed25519_properties

# The Python module, built by maturin through pip (as `pip install ./python` does) into a local
# virtual environment together with the test suite's own dependencies.
python-env: python-tools
	$(VENV_PYTHON) -m pip install -q --no-build-isolation './python[test]'

python-tools:
	@test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install -q --upgrade pip 'maturin>=1.9,<2'

# One abi3 wheel for CPython >= 3.11, tagged with the oldest manylinux policy its symbols allow
# (maturin checks them), installable where there is no Rust toolchain.
WHEEL_DIR := target/wheels
wheel: python-tools
	rm -f $(WHEEL_DIR)/batchverify-*.whl
	$(VENV)/bin/maturin build --release --manifest-path python/Cargo.toml --out $(WHEEL_DIR)

# The README as a new user follows it (python/tests/readme_doctest.py): the wheel installed into
# a fresh virtual environment with no Rust toolchain on PATH, its Python example run against
# that install, and its CLI lines run as printed.
readme-test: wheel
	$(CARGO) build --release -p batchverify-cli
	$(PYTHON) python/tests/readme_doctest.py $(WHEEL_DIR) $(CARGO_TARGET)/release

python-lint: python-env
	cd python && ../$(VENV)/bin/ruff check . && ../$(VENV)/bin/ruff format --check .
	cd python && ../$(VENV_PYTHON) -m mypy
	# Run outside python/ so that the installed package (with its extension) is the one checked.
	cd $(VENV) && ./bin/python -m mypy.stubtest --mypy-config-file ../python/pyproject.toml \
		batchverify._native

python-test: python-env
	cd python && ../$(VENV)/bin/pytest -q

# The fuzz targets (fuzz/, outside the workspace) built for libFuzzer on the stable toolchain
# with what cargo-fuzz's default build asks for: coverage instrumentation, AddressSanitizer
# (a -Z flag, which RUSTC_BOOTSTRAP=1 lets the stable compiler take), debug assertions and
# overflow checks. `make fuzz` runs each target for
# FUZZ_SECONDS (10 minutes by default), keeping its corpus in target/fuzz/corpus and starting
# from fuzz/seeds/<target> where there is one; CI runs `make fuzz-smoke`, 20 s each (it keeps CI under its 30 minutes).
FUZZ_TARGETS := ed25519_batch bls_batch secp256k1_batch sm2_batch field_arithmetic merkle_proofs \
	cli_record python_columns
FUZZ_SECONDS ?= 600
FUZZ_DIR := $(CURDIR)/target/fuzz
# Naming the target keeps the instrumentation out of build scripts and proc macros.
# Evaluated when a fuzz target runs, so that other targets work where there is no rustc.
FUZZ_TRIPLE = $(shell rustc -vV | sed -n 's/^host: //p')
FUZZ_BIN := $(FUZZ_DIR)/$(FUZZ_TRIPLE)/release
FUZZ_RUSTFLAGS := --cfg fuzzing -Zsanitizer=address -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
	-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
	-Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares \
	-Cdebug-assertions -Coverflow-checks --cfg curve25519_dalek_backend="avx512"

fuzz-build:
	cd fuzz && RUSTC_BOOTSTRAP=1 RUSTFLAGS='$(FUZZ_RUSTFLAGS)' CARGO_TARGET_DIR=$(FUZZ_DIR) \
		$(CARGO) build --release --bins --target $(FUZZ_TRIPLE)

fuzz: fuzz-build
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$target $(FUZZ_DIR)/artifacts/$$target; \
		echo "fuzzing $$target for $(FUZZ_SECONDS) s"; \
		$(FUZZ_BIN)/$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$target/ $(FUZZ_DIR)/corpus/$$target \
			$$(test -d fuzz/seeds/$$target && echo fuzz/seeds/$$target) \
			> $(FUZZ_DIR)/$$target.log 2>&1; \
		status=$$?; \
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' $(FUZZ_DIR)/$$target.log; \
		if [ $$status -ne 0 ]; then tail -n 40 $(FUZZ_DIR)/$$target.log; exit 1; fi; \
	done

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=20

# Long runs that check every verdict: the Ed25519 lanes' subgroup test against
# curve25519-dalek on a million points in all eight cosets (an ignored unit test); 10 million
# Ed25519 records through the release CLI, 1% corrupted, with its peak memory; a million
# mutated items per Ed25519 policy, ECDSA rule set, BIP-340, SM2 and BLS against another
# implementation (examples/soak.rs; BLS alone takes about 45 minutes on two cores). Not part
# of `make test`.
SOAK_RECORDS ?= 10000000
SOAK_MUTATIONS ?= 1000000
soak:
	$(CARGO) test --release -p batchverify --lib -- --ignored --nocapture soak_
	$(CARGO) build --release -p batchverify-cli
	$(CARGO) run --release --example soak -- target/release/batchverify $(SOAK_RECORDS) \
		$(SOAK_MUTATIONS)

# The default run with its report (report.md, SVG plots, bench.json) in BENCH_REPORT; the
# criterion form of the same suites is `cargo bench -p batchverify-bench`.
BENCH_REPORT ?= $(CARGO_TARGET)/bench-report
bench:
	$(CARGO) run --release -p batchverify-cli -- bench --report $(BENCH_REPORT)

# The GPU rows, on the adapter wgpu finds (check that `batchverify info` names a hardware one,
# not llvmpipe): Merkle roots and trees from 2^12 to 2^26 leaves, end to end and kernel-only,
# beside the CPU and sha2 in the same run, with the measured `Auto` crossover; then batch
# hashing. Their reports (report.md with the GPU plot, SVGs, bench.json) go under GPU_BENCH_OUT.
# `gpu-bench-run BATCHVERIFY=path` measures with a binary built elsewhere, on a machine without
# a Rust toolchain (BENCHMARKS.md says how).
GPU_BENCH_LEAVES := 4096,16384,65536,131072,262144,524288,1048576,2097152,4194304,8388608,16777216,33554432,67108864
GPU_BENCH_OUT ?= $(CARGO_TARGET)/gpu-bench
BATCHVERIFY ?= $(CARGO_TARGET)/release/batchverify
gpu-bench:
	$(CARGO) build --release -p batchverify-cli
	$(MAKE) gpu-bench-run

gpu-bench-run:
	mkdir -p $(GPU_BENCH_OUT)
	$(BATCHVERIFY) info
	$(BATCHVERIFY) bench --suite merkle --sweep batch-size --backend gpu \
		--sizes $(GPU_BENCH_LEAVES) --min-time-ms 400 --report $(GPU_BENCH_OUT)/merkle
	$(BATCHVERIFY) bench --suite sha256 --sweep batch-size --backend gpu --sizes 64,1024 \
		--min-time-ms 300 --report $(GPU_BENCH_OUT)/sha256
