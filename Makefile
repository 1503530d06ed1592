# runts: `make demo` sets up, builds and runs the example bundle;
# `make test` builds and runs every test. Both work on a fresh Debian 12
# machine with Node 20, as root, installing what is missing.

PREFIX ?= /usr/local
NODE := $(shell command -v node)
NPM ?= npm
TSC := node_modules/.bin/tsc
SRC := $(shell find src -name '*.ts')
SCHEMAS := $(wildcard schemas/*.json)

.PHONY: all build deps native arm64 install uninstall deb deb-arm64 demo test test-v2 check-schemas fields-doc bench bench-systemd bench-cri demo-k8s clean

all: build

build: bin/runts bin/runts-init bin/runts-addon.node build/validators.cjs build/version.json build/full.js build/.api build/.docs

# npm ci only when the lock file changed since the last install.
node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed
	@command -v busybox >/dev/null 2>&1 && [ -x /bin/busybox ] || { \
	  echo "installing busybox-static (the example rootfs)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static; }

build/.tsc: node_modules/.installed $(SRC) tsconfig.json
	$(TSC) -p tsconfig.json
	@touch $@

# The API's declarations (docs/api.md); its JavaScript is build/.tsc's.
build/.api: build/.tsc tsconfig.api.json
	$(TSC) -p tsconfig.api.json
	@touch $@

build/validators.cjs: node_modules/.installed scripts/build-validators.mjs $(SCHEMAS)
	@mkdir -p build
	node scripts/build-validators.mjs $@

build/version.json: package.json $(SRC)
	@mkdir -p build
	@printf '{"version":"%s","commit":"%s"}\n' \
	  "$$(node -p 'require("./package.json").version')" \
	  "$$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" > $@

# The two bundles, light.js and full.js, each compiled from its code cache:
# the modules ready to run (docs/performance.md). full.js is written last.
build/full.js: build/.tsc build/validators.cjs build/version.json scripts/bundle.mjs
	$(NODE) scripts/bundle.mjs build src

# The man pages (build/man/*.8) and the bash completion
# (build/completion/runts.bash), from the CLI's own command definitions.
build/.docs: build/.tsc scripts/gen-docs.mjs package.json
	$(NODE) scripts/gen-docs.mjs build
	@touch $@

# bin/runts (native/launcher.c) starts Node with the bundle that suits the command.
native: bin/runts-init bin/runts bin/runts-addon.node
bin/runts bin/runts-init bin/runts-addon.node: $(wildcard native/*.c native/*.h native/*/*.c native/*/*.h) native/Makefile
	$(MAKE) -C native NODE=$(NODE)

# runts-init, the launcher and the addon for arm64 (aarch64) in bin/arm64,
# cross-compiled with Debian's gcc-aarch64-linux-gnu (static, as the native
# ones), and koffi's arm64 build beside the x86-64 one (docs/packaging.md,
# "arm64"). make test builds them, and runs the init's protocol tests on
# them under qemu-user.
ARM64_CC ?= aarch64-linux-gnu-gcc
arm64: bin/arm64/runts-init node_modules/@koromix/koffi-linux-arm64/package.json
bin/arm64/runts bin/arm64/runts-init bin/arm64/runts-addon.node: $(wildcard native/*.c native/*.h native/*/*.c native/*/*.h) native/Makefile
	$(MAKE) -C native CC=$(ARM64_CC) BIN=$(CURDIR)/bin/arm64 NODE=$(NODE)
node_modules/@koromix/koffi-linux-arm64/package.json: node_modules/.installed scripts/fetch-koffi-arch.sh
	scripts/fetch-koffi-arch.sh arm64

install: build
	rm -rf $(DESTDIR)$(PREFIX)/lib/runts
	mkdir -p $(DESTDIR)$(PREFIX)/lib/runts $(DESTDIR)$(PREFIX)/bin
	cp -r bin build package.json $(DESTDIR)$(PREFIX)/lib/runts/
	cd $(DESTDIR)$(PREFIX)/lib/runts && mkdir node_modules && \
	  for m in $$(node -e 'const l=require("$(CURDIR)/package-lock.json").packages; for (const [k,v] of Object.entries(l)) if (k && !v.dev) console.log(k)'); do \
	    if [ -e $(CURDIR)/$$m ]; then mkdir -p $$m && cp -rT $(CURDIR)/$$m $$m; fi; done
	ln -sf $(PREFIX)/lib/runts/bin/runts $(DESTDIR)$(PREFIX)/bin/runts

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/lib/runts $(DESTDIR)$(PREFIX)/bin/runts

# The Debian package, dist/runts_<version>_<arch>.deb (docs/packaging.md).
# make deb-arm64: the arm64 package, cross-built from an amd64 host.
deb: build
	scripts/make-deb.sh dist
deb-arm64: build arm64
	scripts/make-deb.sh dist arm64

bundles/busybox/config.json: bin/runts scripts/make-bundle.sh
	rm -rf bundles/busybox/rootfs bundles/busybox/config.json
	scripts/make-bundle.sh bundles/busybox

demo: deps build bundles/busybox/config.json
	@echo "== runts run demo (bundles/busybox)"
	bin/runts run --bundle bundles/busybox runts-demo-$$$$

# Every package any test needs is installed first (scripts/test-deps.sh).
# The host's suite, then the stock-host VM (scripts/v2-host: systemd as PID
# 1, pure cgroup v2, AppArmor) booted for the stock-host suite
# (STOCK_HOST_TESTS in scripts/run-tests.mjs), then booted again as a hybrid
# host with SELinux (RUNTS_V2_MODE=hybrid RUNTS_V2_SELINUX=1) for
# STOCK_HOST_HYBRID_SELINUX_TESTS (lsm.test.ts, systemd.test.ts); one summary line for all.
# RUNTS_SKIP_VM=1 leaves the VM out (never when CI=true).
test: deps build
	scripts/test-deps.sh
	$(MAKE) arm64
	node scripts/run-tests.mjs

# Only the stock-host VM: the v2 cgroup tests, checkpoint/restore (criu
# works on its 6.1 kernel, not on this host's; docs/checkpoint.md), the
# rootless tests (a cgroup delegated to a user) and the systemd cgroup
# driver (docs/cgroups.md). See scripts/v2-host/README.md.
# V2_TESTS=... for other files.
V2_TESTS ?= test/e2e/cgroups.test.ts test/e2e/checkpoint.test.ts test/e2e/rootless.test.ts test/e2e/systemd.test.ts
test-v2: deps build
	scripts/test-deps.sh
	scripts/v2-host/run.sh $(V2_TESTS)

check-schemas: node_modules/.installed
	node scripts/check-schemas.mjs

# docs/fields.md from the field table (test/unit/fields.test.ts checks it is current).
fields-doc: build
	node scripts/fields-doc.mjs

# runc and crun to compare with, from Debian's packages when missing.
bench: deps build
	@command -v runc >/dev/null 2>&1 && command -v crun >/dev/null 2>&1 || { \
	  echo "installing runc and crun (the benchmark's comparison)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q runc crun; }
	$(NODE) bench/bench.mjs

# What create --systemd-cgroup adds over cgroupfs, runts beside runc
# (bench/systemd.mjs): only where systemd is PID 1, so in the stock-host VM:
#   RUNTS_V2_CMD='make bench-systemd' scripts/v2-host/run.sh
bench-systemd: deps build
	$(NODE) bench/systemd.mjs $(BENCH_ARGS)

# The Kubernetes rows (bench/cri.ts): pod start and ExecSync through
# containerd's CRI, runts against runc as runtime handlers. TypeScript, run
# with the test runner's loader (transpile only), as the tests are.
TS_RUN := TS_NODE_TRANSPILE_ONLY=1 $(NODE) --import=file://$(CURDIR)/node_modules/@tapjs/typescript/dist/esm/import.mjs
bench-cri: deps build
	scripts/test-deps.sh
	$(TS_RUN) bench/cri.ts

# A Kubernetes pod under runts on a throwaway node (scripts/demo-k8s.ts).
demo-k8s: deps build
	scripts/test-deps.sh
	$(TS_RUN) scripts/demo-k8s.ts

clean:
	rm -rf build dist bin/arm64 bin/runts bin/runts-init bin/runts-addon.node
