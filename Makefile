# chatemu: two commands do everything.
#   make run    start the emulator on 127.0.0.1:8080 with the embedded default fixtures
#               (make run ADDR=:8080 listens on every interface)
#   make test   vet, race-enabled tests and a short fuzz run of every fuzz target
#               (the dashboard's browser tests need Chromium: apt-get install -y chromium)

GO      ?= go
ADDR    ?= 127.0.0.1:8080
FUZZTIME ?= 10s

.PHONY: run test vet fuzz bench load build image screenshot

run:
	$(GO) run ./cmd/chatemu --addr $(ADDR)

test: vet
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME)

vet:
	$(GO) vet ./...

# Every Fuzz* target for FUZZTIME each (CI keeps it short; run longer with
# make fuzz FUZZTIME=10m).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The load benchmark against a bare net/http server (docs/performance.md);
# on demand only, never in CI.
load:
	$(GO) run ./bench/load

# The README's picture of the dashboard, taken in headless Chromium.
screenshot:
	CHATEMU_SCREENSHOT=$(CURDIR)/docs/dashboard.png $(GO) test -count=1 -run '^TestScreenshot$$' ./tests/browser

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o chatemu ./cmd/chatemu

image:
	bash .ci/container-smoke
