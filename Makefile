# servicedesk-operator Makefile (kubebuilder style). `make help` lists the targets.

IMG ?= servicedesk-operator:latest
K8S_VERSION ?= 1.37.2
ETCD_VERSION ?= 3.6.16
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.8.1
PROMTOOL_VERSION ?= v0.316.0
GINKGO_ARGS ?=

GOOS := $(shell go env GOOS)
GOARCH := $(shell go env GOARCH)

LOCALBIN ?= $(shell pwd)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
PROMTOOL ?= $(LOCALBIN)/promtool-$(PROMTOOL_VERSION)
ENVTEST_DIR ?= $(LOCALBIN)/k8s/$(K8S_VERSION)-$(GOOS)-$(GOARCH)
# A user who already has envtest binaries (setup-envtest) keeps them.
KUBEBUILDER_ASSETS ?= $(ENVTEST_DIR)
export KUBEBUILDER_ASSETS

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate CRDs and RBAC into config/.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods into api/.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: test
test: manifests generate fmt vet envtest test-rules ## Run all tests against a real API server (builds it the first time).
	go test ./... -coverprofile cover.out $(GINKGO_ARGS)

.PHONY: test-faults
test-faults: envtest ## Fault suite (test/faults, build tag faults; not part of make test): SIGKILLs, API server restart, leader failover, hostile receivers, conflicting writers (FAULTS_COMPLAINTS, FAULTS_KILLS, ...; docs/guarantees.md).
	go test ./test/faults/... -tags faults -timeout 20m -v $(GINKGO_ARGS)

.PHONY: test-rules
test-rules: promtool kustomize ## Check the Prometheus rules of config/prometheus and run their unit tests (promtool).
	go run ./hack/promrules -o $(LOCALBIN)/prometheus-rules
	$(PROMTOOL) check rules $(LOCALBIN)/prometheus-rules/rules.yaml
	$(PROMTOOL) test rules $(LOCALBIN)/prometheus-rules/*_test.yaml
	$(KUSTOMIZE) build config/prometheus > /dev/null

.PHONY: bench
bench: envtest ## Go micro-benchmarks, then the end-to-end harness test/bench (table; JSON in bin/bench/; BENCH_N, BENCH_RATES, BENCH_SECONDS, BENCH_SCENARIOS; docs/performance.md).
	@started=$$(date +%s); \
	go test ./... -run '^$$' -bench . -benchmem; \
	BENCH_STARTED_AT=$$started go run ./test/bench

FUZZTIME ?= 10s

.PHONY: fuzz
fuzz: ## Run each fuzz target for FUZZTIME (default 10s); `go test` alone runs their seed corpora.
	go test ./controllers/sla/calendar -run '^$$' -fuzz '^FuzzCalendar$$' -fuzztime $(FUZZTIME)
	go test ./controllers/sla -run '^$$' -fuzz '^FuzzEvaluate$$' -fuzztime $(FUZZTIME)
	go test ./controllers/ladder -run '^$$' -fuzz '^FuzzDecide$$' -fuzztime $(FUZZTIME)
	go test ./controllers/delivery -run '^$$' -fuzz '^FuzzBuildEvent$$' -fuzztime $(FUZZTIME)

##@ Sandbox

SANDBOX_FLAGS ?=

.PHONY: sandbox
sandbox: ## Run the operator on a local control plane with the samples and a demo (state in bin/sandbox; Ctrl-C stops it).
	go run ./cmd/sandbox $(SANDBOX_FLAGS)

.PHONY: sandbox-reset
sandbox-reset: ## Wipe the sandbox's state (bin/sandbox); stop the sandbox first.
	@if [ -f bin/sandbox/lock ] && command -v flock >/dev/null && ! flock -n bin/sandbox/lock true; then \
		echo "a sandbox is running on bin/sandbox: stop it (Ctrl-C) first" >&2; exit 1; fi
	rm -rf bin/sandbox

.PHONY: install-plugin
install-plugin: ## Build the kubectl plugin kubectl-desk into bin/ (with completion through kubectl).
	go build -o $(LOCALBIN)/kubectl-desk ./cmd/kubectl-desk
	ln -sf kubectl-desk $(LOCALBIN)/kubectl_complete-desk
	@echo 'kubectl-desk is in $(LOCALBIN); add it to PATH:  export PATH="$(LOCALBIN):$$PATH"   then: kubectl desk --help'

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager binary.
	go build -o bin/manager ./cmd

.PHONY: docker-build
docker-build: ## Build the manager image IMG (needs a container engine).
	docker build -t $(IMG) .

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the current kubeconfig.
	go run ./cmd

.PHONY: build-installer
build-installer: manifests generate kustomize ## Write dist/install.yaml (CRDs, RBAC, Deployment with image IMG): one file to kubectl apply.
	mkdir -p dist
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default > dist/install.yaml

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | kubectl apply --server-side -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Remove the CRDs (and every object of them) from the cluster.
	$(KUSTOMIZE) build config/crd | kubectl delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: manifests kustomize ## Deploy the operator (image IMG) into the cluster.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | kubectl apply --server-side -f -

.PHONY: undeploy
undeploy: kustomize ## Remove the operator from the cluster.
	$(KUSTOMIZE) build config/default | kubectl delete --ignore-not-found=$(ignore-not-found) -f -

##@ Dependencies

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Install controller-gen into bin/.
$(CONTROLLER_GEN): | $(LOCALBIN)
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Install kustomize into bin/.
$(KUSTOMIZE): | $(LOCALBIN)
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION))

.PHONY: promtool
promtool: $(PROMTOOL) ## Install promtool into bin/ (builds Prometheus's promtool; a few minutes the first time).
# Built without the service-discovery plugins (Prometheus's remove_all_sd
# tag): rule checks and tests need none, and the cloud SDKs would triple
# the build time.
$(PROMTOOL): | $(LOCALBIN)
	@[ -f "$@" ] || { set -e; echo "Installing github.com/prometheus/prometheus/cmd/promtool@$(PROMTOOL_VERSION) (tags remove_all_sd)"; \
		GOBIN=$(LOCALBIN) GOFLAGS= go install -tags remove_all_sd github.com/prometheus/prometheus/cmd/promtool@$(PROMTOOL_VERSION); \
		mv $(LOCALBIN)/promtool $@; }

.PHONY: envtest
envtest: ## Build kube-apiserver, etcd and kubectl for tests into bin/k8s/ (skipped when present).
	@if [ "$(KUBEBUILDER_ASSETS)" = "$(ENVTEST_DIR)" ]; then \
		K8S_VERSION=$(K8S_VERSION) ETCD_VERSION=$(ETCD_VERSION) ENVTEST_DIR=$(ENVTEST_DIR) hack/build-envtest.sh >/dev/null; \
	else echo "using KUBEBUILDER_ASSETS=$(KUBEBUILDER_ASSETS)"; fi

# go-install-tool installs a Go tool at a pinned version into bin/, named with its version.
define go-install-tool
@[ -f "$(1)" ] || { \
set -e; \
package=$(2)@$(3) ;\
echo "Installing $${package}" ;\
rm -f $(1) || true ;\
GOBIN=$(LOCALBIN) GOFLAGS= go install $${package} ;\
mv $(LOCALBIN)/$$(basename $(1) | sed 's/-$(3)$$//') $(1) ;\
}
endef
