# BrokerCluster: every target installs what it needs first (npm packages from the lock file,
# Node 24 among them), so each works on a fresh checkout.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM_STAMP := node_modules/.install-stamp
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help deps proto build lint test test-unit test-raft fuzz-raft test-sim test-cluster test-k8s test-operator sim bench-raft bench-pubsub bench-data bench-store bench-rebalance bench-operator run k8s-bin chart-render dev-cluster clean

help: ## show this help
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(NPM_STAMP): package.json package-lock.json
	@# A symlinked node_modules belongs to another checkout (a git worktree): never wipe it.
	@if [ -L node_modules ]; then echo "node_modules is a symlink: not reinstalling"; else npm ci --no-audit --no-fund; fi
	@touch $@

deps: $(NPM_STAMP) ## install npm packages (Node 24 included) from the lock file

proto: deps ## regenerate TypeScript types from proto/ into node/src/gen (never edit those by hand)
	bash scripts/gen-proto.sh

build: deps ## compile TypeScript to dist/
	npm run --silent build

lint: deps ## type-check, ESLint, Prettier, import-direction and cycle check
	npm run --silent lint

test: build lint k8s-bin chart-render ## run the whole test suite (what CI runs)
	npm test

k8s-bin: ## install Debian packages and build (or reuse cached) kube-apiserver, controller-manager, scheduler
	bash test/k8s/setup/build-control-plane.sh

chart-render: ## build (or reuse cached) the Helm chart renderer the chart tests use (Go text/template + sprig)
	bash test/k8s/setup/build-chart-renderer.sh

test-k8s: build k8s-bin chart-render ## run only the Kubernetes environment and operator tests
	npm test -- test/k8s

test-operator: build k8s-bin chart-render ## run only the operator and chart tests
	npm test -- test/k8s/operator

bench-operator: build k8s-bin ## benchmark: operator time per life-cycle step (apply, pod loss, volume loss, scale) vs pod start time
	node dist/test/k8s/operator/bench-operator.js

dev-cluster: build k8s-bin ## start a local control plane + test kubelet and keep it up for kubectl
	node dist/test/k8s/dev-cluster.js

test-cluster: build ## run only the multi-process broker-node tests
	npm test -- test/cluster

run: build ## start a local 3-peer cluster on loopback, show pub/sub working, run until Ctrl-C
	node dist/node/src/dev/local-cluster.js

bench-pubsub: build ## benchmark: pub/sub throughput and latency across real broker-node processes
	node dist/bench/pubsub-bench.js $(ARGS)

test-unit: deps ## run only the pure unit and scripted tests
	npm test -- test/raft test/storage test/lincheck test/data test/pubsub test/store test/cluster-map test/placement test/replication test/client-store

test-raft: deps ## run only the Raft library tests (paper sections, golden scripts, randomized)
	npm test -- test/raft

fuzz-raft: deps ## the Raft library's randomized safety test over 500 seeds (heavier than CI)
	RAFT_FUZZ_SEEDS=500 npm test -- test/raft/randomized

test-sim: deps ## run only the deterministic Raft simulation suite
	npm test -- test/sim

sim: build ## run the Raft simulation: make sim ARGS="--nodes 5 --seeds 1000 --seed-base 424242 --steps 3000"
	node dist/test/sim/cli.js $(ARGS)

bench-raft: build ## benchmark: 3-node Raft over in-memory transport with the on-disk WAL, then idle-group cost
	node dist/bench/raft-bench.js $(ARGS)
	node dist/bench/raft-idle-groups.js

bench-store: build ## benchmark: 3-replica store on loopback (fsync on), put/get/put_unique ops/s and p50/p99/p99.9 vs etcd
	node dist/bench/store-bench.js $(ARGS)

bench-rebalance: build ## benchmark: a new peer joins a loaded 4-peer cluster: time to take its share, moves/min, snapshot rate vs throttle, writers' p99 during moves vs before
	node dist/bench/rebalance-bench.js $(ARGS)

bench-data: build ## benchmark: binary codec encode/decode/validate of a conn-log vector
	node dist/bench/data-bench.js $(ARGS)

clean: ## remove build output
	rm -rf dist
