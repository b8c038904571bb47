# pnn — build, test and demo recipes for a Debian 12 machine with Swift 6 on PATH.
#
#   make demo    install missing system packages, build release, run pnnd (simulated) + PAT on vowels-shg
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
APT_PACKAGES := libusb-1.0-0-dev libgpiod-dev pkg-config libopenblas-dev zlib1g-dev

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: all deps build release test demo daemon-demo physics-demo bench install clean

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

## demo: release build, pnnd in simulator mode on a private socket, and a physics-aware training run of
## vowels-shg on its shg0 device through the pnn CLI; prints the test accuracy and where the plots are.
demo: release
	@set -e; \
	bin="$$($(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"; \
	out="$$(mkdir -p "$(OUT)" && cd "$(OUT)" && pwd)"; \
	sock="$$out/pnnd.sock"; state="$$out/state"; \
	echo "== pnnd --simulate --socket $$sock"; \
	"$$bin/pnnd" --simulate --socket "$$sock" --state-dir "$$state" --log-level notice 2> "$$out/pnnd.log" & \
	pid=$$!; trap 'kill $$pid 2>/dev/null || true' EXIT; \
	for i in $$(seq 1 100); do "$$bin/pnn" --socket "$$sock" status > /dev/null 2>&1 && break; sleep 0.1; done; \
	echo "== pnn devices"; "$$bin/pnn" --socket "$$sock" devices; \
	echo "== pnn train vowels-shg --mode pat --device shg0 (physics-aware training through pnnd)"; \
	"$$bin/pnn" train vowels-shg --mode pat --socket "$$sock" --device shg0 --out "$$out/vowels-shg-pat"; \
	echo "== SIGTERM: pnnd drains and exits"; kill -TERM $$pid; wait $$pid; trap - EXIT; \
	echo; echo "plots: $$out/vowels-shg-pat/curves.svg, confusion.svg, response.svg (metrics.csv, checkpoint.json beside them)"

## daemon-demo: pnnd in simulator mode on a private socket and a short batch session through the pnn
## CLI (run, calibrate, status, metrics, SIGTERM, records export); results land in $(OUT)/.
daemon-demo: release
	@set -e; \
	bin="$$($(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"; \
	out="$$(mkdir -p "$(OUT)" && cd "$(OUT)" && pwd)"; \
	sock="$$out/pnnd.sock"; state="$$out/state"; \
	echo "== pnnd --simulate --socket $$sock"; \
	"$$bin/pnnd" --simulate --socket "$$sock" --state-dir "$$state" --log-level notice 2> "$$out/pnnd.log" & \
	pid=$$!; trap 'kill $$pid 2>/dev/null || true' EXIT; \
	for i in $$(seq 1 100); do "$$bin/pnn" --socket "$$sock" status > /dev/null 2>&1 && break; sleep 0.1; done; \
	pnn() { "$$bin/pnn" --socket "$$sock" "$$@"; }; \
	echo "== pnn devices"; pnn devices; \
	echo "== pnn describe mech0"; pnn describe mech0; \
	echo "== pnn run mech0 (4 samples, default reality gap)"; \
	"$$bin/pnn" physics sample-input mechanical --batch 4 --seed 7 --output "$$out/x.npy" --params-output "$$out/theta.npy" > /dev/null; \
	pnn run mech0 --input "$$out/x.npy" --params "$$out/theta.npy" --output "$$out/y.npy"; \
	echo "== pnn run shg0 (8 samples)"; \
	"$$bin/pnn" physics sample-input shg --batch 8 --seed 8 --output "$$out/x-shg.npy" > /dev/null; \
	pnn run shg0 --input "$$out/x-shg.npy" --output "$$out/y-shg.npy"; \
	echo "== pnn calibrate elec0 --samples 64"; \
	pnn calibrate elec0 --samples 64 --seed 1 --output-dir "$$out/calibration"; \
	echo "== pnn status"; pnn status; \
	echo "== pnn metrics (excerpt)"; pnn metrics | grep '^pnn_requests_total' | head -5; \
	echo "== SIGTERM: pnnd drains and exits"; kill -TERM $$pid; wait $$pid; trap - EXIT; \
	echo "== pnn records export mech0"; \
	"$$bin/pnn" records export mech0 --state-dir "$$state" --output "$$out/records-mech0"; \
	echo; echo "demo outputs in $$out: y.npy, y-shg.npy, calibration/, records-mech0/, pnnd.log"

## physics-demo: the physics checks of the models alone (no daemon)
physics-demo: release
	@set -e; \
	pnn="$$($(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)/pnn"; \
	mkdir -p "$(OUT)"; \
	"$$pnn" physics gradcheck; \
	"$$pnn" physics conv --svg "$(OUT)/conv.svg"

bench:
	$(SWIFT) run -c release $(SWIFT_BUILD_FLAGS) pnn-bench physics
	$(SWIFT) run -c release $(SWIFT_BUILD_FLAGS) pnn-bench protocol
	$(SWIFT) run -c release $(SWIFT_BUILD_FLAGS) pnn-bench train

## install: pnn and pnnd into $(PREFIX)/bin (then `systemd-analyze verify systemd/pnnd.service
## systemd/pnnd.socket` finds ExecStart=/usr/local/bin/pnnd); units and udev rules: docs/operations.md
PREFIX ?= /usr/local
install: release
	@bin="$$($(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)"; \
	install -d "$(DESTDIR)$(PREFIX)/bin"; \
	install -m 0755 "$$bin/pnnd" "$$bin/pnn" "$(DESTDIR)$(PREFIX)/bin/"; \
	echo "installed pnn and pnnd into $(DESTDIR)$(PREFIX)/bin"

clean:
	$(SWIFT) package clean
	rm -rf "$(OUT)"
