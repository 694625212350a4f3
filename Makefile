# servicedesk-operator Makefile (kubebuilder style). `make help` lists the targets.

# VERSION is git describe of the newest v* tag; between releases (or with no
# tag) it is RELEASE-dev-<commit>, with -dirty for uncommitted changes. It
# names the image and the plugin archives,
# and what `manager --version` and `kubectl desk version` print.
RELEASE ?= v0.1.0
ifeq ($(origin VERSION),undefined)
VERSION := $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo $(RELEASE)-dev-$$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$$(git diff --quiet HEAD -- 2>/dev/null || echo -dirty))
endif
ifeq ($(origin REVISION),undefined)
REVISION := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
endif
VERSION_PKG := github.com/servicedesk-operator/servicedesk-operator/internal/version
LDFLAGS ?= -s -w -X $(VERSION_PKG).Version=$(VERSION) -X $(VERSION_PKG).Revision=$(REVISION)
IMG ?= servicedesk-operator:$(VERSION)
# The image the committed dist/install.yaml names: the release, so the file
# does not change with every commit. `make build-installer IMG=<image>`
# (IMG on the command line) names yours instead.
RELEASE_IMG ?= servicedesk-operator:$(RELEASE)
INSTALLER_IMG = $(if $(filter command line,$(origin IMG)),$(IMG),$(RELEASE_IMG))
K8S_VERSION ?= 1.37.2
ETCD_VERSION ?= 3.6.16
# setup-envtest (downloads the envtest release binaries): the tag of
# controller-runtime's release branch of go.mod's controller-runtime (v0.25).
SETUP_ENVTEST_VERSION ?= v0.25.1
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.8.1
PROMTOOL_VERSION ?= v0.316.0
GOLANGCI_LINT_VERSION ?= v2.15.0
GINKGO_ARGS ?=

GOOS := $(shell go env GOOS)
GOARCH := $(shell go env GOARCH)

LOCALBIN ?= $(shell pwd)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
PROMTOOL ?= $(LOCALBIN)/promtool-$(PROMTOOL_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
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

.PHONY: lint
lint: golangci-lint ## Run golangci-lint with .golangci.yml (vet, staticcheck, errcheck, funlen, the injected clock, gofmt/goimports; builds it the first time).
	$(GOLANGCI_LINT) run ./...

.PHONY: test
test: manifests generate fmt vet envtest test-rules ## Run all tests against a real API server (builds it the first time).
	go test ./... -coverprofile cover.out $(GINKGO_ARGS)

.PHONY: test-faults
test-faults: envtest ## Fault suite (test/faults, build tag faults; not part of make test): SIGKILLs, API server restart, leader failover, hostile receivers, conflicting writers (FAULTS_COMPLAINTS, FAULTS_KILLS, ...; docs/guarantees.md).
	@rm -f $(LOCALBIN)/faults-problems.txt
	FAULTS_PROBLEMS=$(LOCALBIN)/faults-problems.txt go test ./test/faults/... -tags faults -timeout 20m -v $(GINKGO_ARGS) || \
		{ if [ -s $(LOCALBIN)/faults-problems.txt ]; then echo "--- the fault suite's problems:"; cat $(LOCALBIN)/faults-problems.txt; fi; exit 1; }

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
	go test ./controllers/delivery/webhook -run '^$$' -fuzz '^FuzzBuildEvent$$' -fuzztime $(FUZZTIME)

##@ Sandbox

SANDBOX_FLAGS ?=

.PHONY: sandbox
sandbox: envtest ## Run the operator on a local control plane with the samples and a demo (state in bin/sandbox; Ctrl-C stops it).
	go run -ldflags "$(LDFLAGS)" ./cmd/sandbox $(SANDBOX_FLAGS)

.PHONY: sandbox-reset
sandbox-reset: ## Wipe the sandbox's state (bin/sandbox); stop the sandbox first.
	@if [ -f bin/sandbox/lock ] && command -v flock >/dev/null && ! flock -n bin/sandbox/lock true; then \
		echo "a sandbox is running on bin/sandbox: stop it (Ctrl-C) first" >&2; exit 1; fi
	rm -rf bin/sandbox

.PHONY: test-fresh-clone
test-fresh-clone: ## make sandbox on a fresh clone of HEAD (no bin/) until the demo's first escalation (FRESH_CLONE_SOURCE=worktree copies the work tree instead; FRESH_CLONE_EMPTY_CACHE=true: no user cache).
	hack/test-fresh-clone.sh

.PHONY: install-plugin
install-plugin: ## Build the kubectl plugin kubectl-desk into bin/ (with completion through kubectl).
	go build -trimpath -ldflags "$(LDFLAGS)" -o $(LOCALBIN)/kubectl-desk ./cmd/kubectl-desk
	ln -sf kubectl-desk $(LOCALBIN)/kubectl_complete-desk
	@echo 'kubectl-desk is in $(LOCALBIN); add it to PATH:  export PATH="$(LOCALBIN):$$PATH"   then: kubectl desk --help'

##@ kubectl plugin release (krew)

PLUGIN_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
PLUGIN_DIST ?= dist/plugin
KREW_VERSION ?= v0.4.3
KREW ?= $(LOCALBIN)/krew-$(KREW_VERSION)

.PHONY: dist-plugin
dist-plugin: ## Cross-build kubectl-desk (PLUGIN_PLATFORMS) into dist/plugin/: archives, sha256sums.txt and the krew manifest desk.yaml for VERSION.
	rm -rf $(PLUGIN_DIST) $(LOCALBIN)/plugin
	@for p in $(PLUGIN_PLATFORMS); do os=$${p%/*}; arch=$${p#*/}; exe=; [ "$$os" != windows ] || exe=.exe; \
		echo "go build kubectl-desk $(VERSION) for $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags "$(LDFLAGS)" -o $(LOCALBIN)/plugin/$${os}_$${arch}/kubectl-desk$$exe ./cmd/kubectl-desk; \
	done
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || echo 946684800) \
		go run ./hack/krew-plugin -version $(VERSION) -build $(LOCALBIN)/plugin -template plugins/krew/desk.yaml -license LICENSE -out $(PLUGIN_DIST)
	rm -rf $(LOCALBIN)/plugin

.PHONY: test-plugin
test-plugin: dist-plugin krew ## Install dist/plugin/ with krew (KREW_ROOT in a temp dir) for every platform, and run the installed kubectl desk version.
	KREW=$(KREW) VERSION=$(VERSION) PLUGIN_DIST=$(PLUGIN_DIST) hack/test-krew.sh

.PHONY: krew
krew: $(KREW) ## Build krew (sigs.k8s.io/krew) into bin/.
$(KREW): | $(LOCALBIN)
	$(call go-install-tool,$(KREW),sigs.k8s.io/krew/cmd/krew,$(KREW_VERSION))

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager binary.
	go build -trimpath -ldflags "$(LDFLAGS)" -o bin/manager ./cmd

# The image: the static manager alone FROM scratch, user 65532, CA roots
# and time zones compiled in; labelled with VERSION, REVISION, IMAGE_SOURCE.
IMAGE_SOURCE ?= https://github.com/servicedesk-operator/servicedesk-operator
IMAGE_ARCHIVE ?= $(LOCALBIN)/servicedesk-operator-$(VERSION).tar
IMAGE_ENV = IMG=$(IMG) VERSION=$(VERSION) REVISION=$(REVISION) LDFLAGS="$(LDFLAGS)" SOURCE=$(IMAGE_SOURCE)

.PHONY: image
image: ## Build the manager image IMG into the local container storage with buildah (no Docker daemon, no base image pulled).
	$(IMAGE_ENV) hack/build-image.sh

.PHONY: image-archive
image-archive: ## Build the image IMG and write it to IMAGE_ARCHIVE (docker-archive) for kind load image-archive.
	$(IMAGE_ENV) ARCHIVE=$(IMAGE_ARCHIVE) hack/build-image.sh

.PHONY: image-push
image-push: ## Push the image IMG (built by make image) to its registry, e.g. IMG=<registry>/servicedesk-operator:v0.1.0.
	buildah push $(IMG) docker://$(IMG)

# Extra flags of podman run in image-test. crun refuses hybrid cgroup hosts
# and podman's default rlimits exceed what some hosts allow: runc and these
# limits work everywhere; PODMAN_RUN_FLAGS= runs podman's defaults.
PODMAN_RUN_FLAGS ?= --runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096

.PHONY: image-test
image-test: image envtest ## Run the image IMG with podman against a local control plane: a complaint gets its due times and is escalated.
	go run ./test/image -image $(IMG) -version $(VERSION) -revision $(REVISION) -podman-run-flags "$(PODMAN_RUN_FLAGS)"

.PHONY: docker-build
docker-build: ## Build the manager image IMG with Docker (the same image as make image).
	docker build --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) --build-arg SOURCE=$(IMAGE_SOURCE) -t $(IMG) .

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the current kubeconfig.
	go run -ldflags "$(LDFLAGS)" ./cmd

.PHONY: build-installer
build-installer: manifests generate kustomize ## Write dist/install.yaml (CRDs, RBAC, Deployment with image RELEASE_IMG, or IMG given on the command line): one file to kubectl apply.
	mkdir -p dist
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(INSTALLER_IMG)
	$(KUSTOMIZE) build config/default > dist/install.yaml

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | kubectl apply --server-side -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Remove the CRDs and with them EVERY Complaint, ServicePolicy and Escalation of the cluster (asks first on a terminal; CONFIRM=yes does not).
	@if [ -t 0 ] && [ "$(CONFIRM)" != yes ]; then \
		read -r -p "make uninstall deletes the CRDs and every Complaint, ServicePolicy and Escalation in $$(kubectl config current-context 2>/dev/null || echo 'the cluster of the current kubeconfig'). Type yes to go on: " answer; \
		[ "$$answer" = yes ] || { echo "make uninstall: nothing deleted" >&2; exit 1; }; \
	fi
	$(KUSTOMIZE) build config/crd | kubectl delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: manifests kustomize ## Deploy the operator (image IMG) into the cluster.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | kubectl apply --server-side -f -

# DELETE_CRDS=true makes undeploy delete the CRDs too, and so every record.
DELETE_CRDS ?= false

.PHONY: undeploy
undeploy: kustomize ## Remove the operator from the cluster, keeping the CRDs and every Complaint, ServicePolicy and Escalation (DELETE_CRDS=true deletes those too).
ifeq ($(DELETE_CRDS),true)
	$(KUSTOMIZE) build config/default | kubectl delete --ignore-not-found=$(ignore-not-found) -f -
else
	$(KUSTOMIZE) build config/without-crds | kubectl delete --ignore-not-found=$(ignore-not-found) -f -
	@echo "make undeploy: the CRDs, every Complaint, ServicePolicy and Escalation, and the namespace are kept (make undeploy DELETE_CRDS=true deletes them)"
endif

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

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT) ## Build golangci-lint into bin/ (a minute or two the first time).
$(GOLANGCI_LINT): | $(LOCALBIN)
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

.PHONY: envtest
envtest: ## Get kube-apiserver, etcd and kubectl for tests into bin/k8s/: from the user cache, else downloaded (setup-envtest, ~1 min), else built from source (15-25 min).
	@if [ "$(KUBEBUILDER_ASSETS)" = "$(ENVTEST_DIR)" ]; then \
		K8S_VERSION=$(K8S_VERSION) ETCD_VERSION=$(ETCD_VERSION) SETUP_ENVTEST_VERSION=$(SETUP_ENVTEST_VERSION) ENVTEST_DIR=$(ENVTEST_DIR) hack/build-envtest.sh >/dev/null; \
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

##@ Helm chart (dist/chart)

HELM_VERSION ?= v4.3.2
HELM ?= $(LOCALBIN)/helm-$(HELM_VERSION)

.PHONY: helm
helm: manifests ## Regenerate the generated parts of the Helm chart dist/chart from config/ (CRDs, RBAC rules, alert rules, dashboard); version RELEASE.
	go run ./hack/helmchart -config config -chart dist/chart -version $(RELEASE)

.PHONY: test-helm
test-helm: helm-tool envtest ## Helm chart tests (test/helm, build tag helm): lint, template per toggle, install/upgrade/uninstall against envtest.
	HELM=$(HELM) go test ./test/helm/... -tags helm -count=1 -timeout 15m -v $(GINKGO_ARGS)

.PHONY: helm-tool
helm-tool: $(HELM) ## Build helm (helm.sh/helm/v4) into bin/.
$(HELM): | $(LOCALBIN)
	$(call go-install-tool,$(HELM),helm.sh/helm/v4/cmd/helm,$(HELM_VERSION))
