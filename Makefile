GO      ?= go
BIN     ?= bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: all build build-lambda demo test generate check-generated bench lint clean k8s-smoke

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/baton-miro ./cmd/baton-miro
	$(GO) build -o $(BIN)/miro-sim ./cmd/miro-sim
	$(GO) build -o $(BIN)/c1z-summary ./internal/tools/c1z-summary

## build-lambda: the AWS Lambda build ConductorOne hosts (serves `baton-miro lambda`).
build-lambda:
	CGO_ENABLED=0 GOOS=linux $(GO) build -tags baton_lambda_support -ldflags "$(LDFLAGS)" -o $(BIN)/lambda/baton-miro ./cmd/baton-miro

## demo: sync a simulated Miro org into sync.c1z with the real binary and summarize it.
demo: build
	BIN=$(BIN) ./scripts/demo.sh

## test: vet, generated files up to date, and every test with the race detector. The last line says whether the
## contract tests ran against Miro's OpenAPI document or were SKIPPED (scripts/ci/openapi-spec.sh).
test: check-generated
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...
	@./scripts/ci/openapi-spec.sh status

## generate: regenerate pkg/config/conf.gen.go from the schema and README.md's command-line reference from --help.
generate:
	$(GO) generate ./pkg/config
	gofmt -w pkg/config/conf.gen.go
	./scripts/gen-cli-reference.sh

check-generated:
	./scripts/check-generated.sh
	./scripts/check-schemas.sh

## bench: scale runs against the simulator (slow; not part of make test).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./bench/...

lint:
	./scripts/ci/lint.sh

## k8s-smoke: the container image in service mode as docs/kubernetes/deployment.yaml runs it, against the stand-ins (root, podman).
k8s-smoke:
	./scripts/ci/k8s-smoke.sh

clean:
	rm -rf $(BIN) dist sync.c1z
