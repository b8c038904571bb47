# pnn — build, test and demo recipes for a Debian 12 machine with Swift 6 on PATH.
#
#   make demo    install missing system packages, build release, run the physics demo
#   make test    install missing system packages, build everything, run the whole test suite
#
# Extra flags for swift build/test/run go in SWIFT_BUILD_FLAGS, e.g.
#   make test SWIFT_BUILD_FLAGS="--scratch-path .build-ci"

SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=
SWIFT_TEST_FLAGS ?=
OUT ?= out

# Debian packages the build needs (system libraries found through pkg-config).
# Never add libsystemd-dev here.
APT_PACKAGES := libusb-1.0-0-dev libgpiod-dev pkg-config

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: all deps build release test demo bench clean

all: build

## deps: install those of APT_PACKAGES that are missing (nothing happens when all are present)
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg -s "$$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing missing packages:$$missing"; \
	  $(APT_GET) update && $(APT_GET) install -y $$missing; \
	else \
	  echo "system packages present: $(APT_PACKAGES)"; \
	fi

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

## test: build all targets and test bundles, then run every test (exits non-zero on any failure)
test: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test --disable-xctest $(SWIFT_BUILD_FLAGS) $(SWIFT_TEST_FLAGS)

## demo: release build, then physics checks and a simulate round trip; results land in $(OUT)/
demo: release
	@set -e; \
	pnn="$$($(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)/pnn"; \
	mkdir -p "$(OUT)"; \
	echo "== pnn physics models"; \
	"$$pnn" physics models; \
	echo "== pnn physics gradcheck"; \
	"$$pnn" physics gradcheck; \
	echo "== pnn physics conv --svg $(OUT)/conv.svg"; \
	"$$pnn" physics conv --svg "$(OUT)/conv.svg"; \
	echo "== pnn physics sample-input + simulate (mechanical, default reality gap)"; \
	"$$pnn" physics sample-input mechanical --batch 4 --seed 7 \
	  --output "$(OUT)/x.npy" --params-output "$(OUT)/theta.npy"; \
	"$$pnn" physics simulate mechanical --input "$(OUT)/x.npy" --params "$(OUT)/theta.npy" \
	  --output "$(OUT)/y.npy" --gap default --seed 1 --json; \
	echo; \
	echo "demo outputs:"; \
	printf '  %-24s %s\n' \
	  "$(OUT)/conv.svg"  "controllable-convolution figure" \
	  "$(OUT)/x.npy"     "input batch X [4×196], float32" \
	  "$(OUT)/theta.npy" "parameters θ [196], float32" \
	  "$(OUT)/y.npy"     "simulated measurement Y [4×196], float32"

bench:
	$(SWIFT) run -c release $(SWIFT_BUILD_FLAGS) pnn-bench physics

clean:
	$(SWIFT) package clean
	rm -rf "$(OUT)"
