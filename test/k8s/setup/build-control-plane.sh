#!/usr/bin/env bash
# Builds (or reuses) the Kubernetes 1.20.2 control plane the test environment runs:
# kube-apiserver, kube-controller-manager and kube-scheduler from Debian's `kubernetes`
# source package, plus etcd and iproute2 from Debian. Must run as root on a fresh Debian 12
# machine (CI) and be idempotent: when every tool is present it exits in well under a second
# without touching apt.
#
# Environment:
#   BROKERCLUSTER_CACHE  cache root (default ~/.cache/brokercluster); binaries land in
#                        $BROKERCLUSTER_CACHE/k8s-1.20.2/bin
#   K8S_BUILD_KEEP=1     keep the source tree after a successful build (for debugging)
set -euo pipefail

K8S_VERSION=1.20.2
CACHE_ROOT=${BROKERCLUSTER_CACHE:-$HOME/.cache/brokercluster}
CACHE=$CACHE_ROOT/k8s-$K8S_VERSION
BIN=$CACHE/bin
TOOLS=(kube-apiserver kube-controller-manager kube-scheduler)
# Commands the harness runs besides the built tools, and the Debian package providing each.
declare -A RUNTIME_PKG=([etcd]=etcd-server [ip]=iproute2 [openssl]=openssl)
BUILD_PKGS=(golang-go rsync golang-github-modern-go-reflect2-dev dpkg-dev make tar gzip)

STEP="start"
LOG=$CACHE/build.log
START=$(date +%s)

say() { printf '[k8s-bin %3ss] %s\n' "$(($(date +%s) - START))" "$*"; }

fail() {
  local rc=$?
  say "FAILED in step: $STEP (exit code $rc)"
  if [[ -f $LOG ]]; then
    say "last lines of $LOG:"
    tail -n 40 "$LOG" | sed 's/^/    /'
  fi
  say "fix the cause and run 'make k8s-bin' again (finished steps are not repeated)"
  exit 1
}
trap fail ERR

have_tools() {
  local t
  for t in "${TOOLS[@]}"; do [[ -x $BIN/$t ]] || return 1; done
}

missing_runtime_pkgs() {
  local cmd
  for cmd in "${!RUNTIME_PKG[@]}"; do
    command -v "$cmd" > /dev/null 2>&1 || printf '%s\n' "${RUNTIME_PKG[$cmd]}"
  done
}

# Runs a long command with its output in $LOG and a heartbeat line every 30 s, so CI logs
# show progress without the thousands of lines a Kubernetes build prints.
run_logged() {
  "$@" >> "$LOG" 2>&1 &
  local pid=$! elapsed=0
  while kill -0 "$pid" 2> /dev/null; do
    sleep 5
    elapsed=$((elapsed + 5))
    if ((elapsed % 30 == 0)); then say "  ... still in step '$STEP' (${elapsed}s)"; fi
  done
  wait "$pid"
}

mapfile -t MISSING < <(missing_runtime_pkgs)
if have_tools && ((${#MISSING[@]} == 0)); then
  say "control plane $K8S_VERSION is cached in $BIN (etcd: $(command -v etcd)); nothing to do"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  STEP="check privileges"
  say "this script installs Debian packages and must run as root (missing: ${MISSING[*]:-} tools in $BIN)"
  false
fi

mkdir -p "$CACHE"
# Two concurrent runs (two test sessions) must not build into the same directory.
exec 9> "$CACHE/.lock"
STEP="wait for the build lock $CACHE/.lock"
flock -w 3600 9
mapfile -t MISSING < <(missing_runtime_pkgs)
if have_tools && ((${#MISSING[@]} == 0)); then
  say "another run finished the build meanwhile; nothing to do"
  exit 0
fi
: > "$LOG"
say "log: $LOG"

PKGS=("${MISSING[@]}")
if ! have_tools; then PKGS+=("${BUILD_PKGS[@]}"); fi
export DEBIAN_FRONTEND=noninteractive

if ! have_tools; then
  STEP="enable deb-src apt sources"
  SRC_LIST=/etc/apt/sources.list.d/brokercluster-deb-src.sources
  if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    say "deb-src sources already enabled"
  elif [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$SRC_LIST"
    say "enabled deb-src from debian.sources ($SRC_LIST)"
  elif [[ -f /etc/apt/sources.list ]]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/brokercluster-deb-src.list
    say "enabled deb-src from sources.list"
  else
    say "no apt sources found to derive deb-src from"
    false
  fi
fi

STEP="apt-get update"
say "apt-get update"
run_logged apt-get update

STEP="apt-get install ${PKGS[*]}"
say "installing Debian packages: ${PKGS[*]}"
run_logged apt-get install -y --no-install-recommends "${PKGS[@]}"

if have_tools; then
  say "done: control plane binaries were cached, runtime packages installed"
  exit 0
fi

WORK=$CACHE/build
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

STEP="download the kubernetes source package"
say "downloading Debian's kubernetes source package (about 34 MB)"
run_logged apt-get source --download-only kubernetes
ORIG=$(ls kubernetes_*.orig.tar.gz 2> /dev/null | head -n 1 || true)
if [[ -z $ORIG || $ORIG != *"$K8S_VERSION"* ]]; then
  say "expected kubernetes_*$K8S_VERSION*.orig.tar.gz, found: $(ls)"
  false
fi

STEP="unpack $ORIG"
say "unpacking $ORIG"
run_logged tar xzf "$ORIG"
SRC=$WORK/kubernetes-$K8S_VERSION
[[ -d $SRC ]] || { say "unpacked tree $SRC not found"; false; }

STEP="apply the reflect2 fix"
# Go >= 1.18 crashes the 1.20 API server inside the vendored reflect2 v1.0.1 ("fatal error:
# fault" on the first custom-resource write); Debian's reflect2 1.0.2 fixes it.
R2=/usr/share/gocode/src/github.com/modern-go/reflect2
[[ -d $R2 ]] || { say "$R2 missing (package golang-github-modern-go-reflect2-dev)"; false; }
rm -rf "$SRC/vendor/github.com/modern-go/reflect2"
cp -r "$R2" "$SRC/vendor/github.com/modern-go/reflect2"
rm -f "$SRC/vendor/github.com/modern-go/reflect2/go.mod" "$SRC"/vendor/github.com/modern-go/reflect2/*_test.go
say "replaced vendored reflect2 with Debian's $(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev)"

STEP="build ${TOOLS[*]} (go $(go version 2> /dev/null | awk '{print $3}'))"
say "building ${TOOLS[*]} (several minutes on 2 cores)"
cd "$SRC"
mkdir -p .go/src/k8s.io
ln -sfn ../../.. .go/src/k8s.io/kubernetes
export GOPATH=$SRC/.go GOCACHE=$WORK/.gocache CGO_ENABLED=0
run_logged make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler"

STEP="install binaries into $BIN"
OUT=$SRC/_output/local/bin/linux/amd64
rm -rf "$BIN.tmp"
mkdir -p "$BIN.tmp"
for t in "${TOOLS[@]}"; do cp "$OUT/$t" "$BIN.tmp/$t"; done
"$BIN.tmp/kube-apiserver" --version >> "$LOG" 2>&1
rm -rf "$BIN"
mv "$BIN.tmp" "$BIN"

STEP="clean up the build tree"
cd "$CACHE"
if [[ ${K8S_BUILD_KEEP:-0} != 1 ]]; then rm -rf "$WORK"; fi
say "done: $("$BIN/kube-apiserver" --version) in $BIN"
