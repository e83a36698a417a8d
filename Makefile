# `make test` runs every check the project has; it installs the Rust components it needs.
CARGO ?= cargo

.PHONY: test toolchain gpu-driver fmt-check clippy rust-test fuzz-check bench

test: toolchain gpu-driver fmt-check clippy rust-test

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

# The fuzz crate lives outside the workspace (cargo-fuzz builds it with nightly); this only
# makes sure it still compiles against the library.
fuzz-check:
	cd fuzz && CARGO_TARGET_DIR=../target/fuzz-check $(CARGO) check

bench:
	$(CARGO) bench --bench ed25519
