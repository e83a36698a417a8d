# `make test` runs every check the project has; it installs the Rust components it needs.
CARGO ?= cargo

.PHONY: test toolchain fmt-check clippy rust-test fuzz-check bench

test: toolchain fmt-check clippy rust-test

toolchain:
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

rust-test:
	$(CARGO) test --workspace

# The fuzz crate lives outside the workspace (cargo-fuzz builds it with nightly); this only
# makes sure it still compiles against the library.
fuzz-check:
	cd fuzz && CARGO_TARGET_DIR=../target/fuzz-check $(CARGO) check

bench:
	$(CARGO) bench --bench ed25519
