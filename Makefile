# runts: `make demo` sets up, builds and runs the example bundle;
# `make test` builds and runs every test. Both work on a fresh Debian 12
# machine with Node 20, as root, installing what is missing.

PREFIX ?= /usr/local
NODE := $(shell command -v node)
NPM ?= npm
TSC := node_modules/.bin/tsc
SRC := $(shell find src -name '*.ts')
SCHEMAS := $(wildcard schemas/*.json)

.PHONY: all build deps native install uninstall demo test test-v2 check-schemas bench clean

all: build

build: bin/runts bin/runts-init bin/runts-addon.node build/validators.cjs build/version.json build/full.js build/.api

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

# bin/runts (native/launcher.c) starts Node with the bundle that suits the command.
native: bin/runts-init bin/runts bin/runts-addon.node
bin/runts bin/runts-init bin/runts-addon.node: $(wildcard native/*.c native/*.h) native/Makefile
	$(MAKE) -C native NODE=$(NODE)

install: build
	rm -rf $(DESTDIR)$(PREFIX)/lib/runts
	mkdir -p $(DESTDIR)$(PREFIX)/lib/runts $(DESTDIR)$(PREFIX)/bin
	cp -r bin build package.json $(DESTDIR)$(PREFIX)/lib/runts/
	cd $(DESTDIR)$(PREFIX)/lib/runts && mkdir node_modules && \
	  for m in $$(node -e 'const l=require("$(CURDIR)/package-lock.json").packages; for (const [k,v] of Object.entries(l)) if (k && !v.dev) console.log(k)'); do \
	    if [ -e $(CURDIR)/$$m ]; then mkdir -p $$(dirname $$m) && cp -r $(CURDIR)/$$m $$m; fi; done
	ln -sf $(PREFIX)/lib/runts/bin/runts $(DESTDIR)$(PREFIX)/bin/runts

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/lib/runts $(DESTDIR)$(PREFIX)/bin/runts

bundles/busybox/config.json: bin/runts scripts/make-bundle.sh
	rm -rf bundles/busybox/rootfs bundles/busybox/config.json
	scripts/make-bundle.sh bundles/busybox

demo: deps build bundles/busybox/config.json
	@echo "== runts run demo (bundles/busybox)"
	bin/runts run --bundle bundles/busybox runts-demo-$$$$

# Every package any test needs is installed first (scripts/test-deps.sh).
# The host's suite, then the stock-host VM (scripts/v2-host: systemd as PID
# 1, pure cgroup v2, AppArmor) booted once for the stock-host suite
# (STOCK_HOST_TESTS in scripts/run-tests.mjs); one summary line for both.
# RUNTS_SKIP_VM=1 leaves the VM out (never when CI=true).
test: deps build
	scripts/test-deps.sh
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

# runc and crun to compare with, from Debian's packages when missing.
bench: deps build
	@command -v runc >/dev/null 2>&1 && command -v crun >/dev/null 2>&1 || { \
	  echo "installing runc and crun (the benchmark's comparison)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q runc crun; }
	$(NODE) bench/bench.mjs

clean:
	rm -rf build bin/runts bin/runts-init bin/runts-addon.node
