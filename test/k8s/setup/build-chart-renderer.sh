#!/usr/bin/env bash
# Builds (or reuses) `chart-render`, the program the chart tests render Helm charts with:
# Go text/template plus sprig, both from Debian's packages (no helm binary can be installed
# on these machines). Idempotent: when the binary for the current source is cached it exits
# at once without touching apt. Must run as root on a fresh machine (it installs packages).
#
# Environment:
#   BROKERCLUSTER_CACHE  cache root (default ~/.cache/brokercluster); the binary lands in
#                        $BROKERCLUSTER_CACHE/chart-render/<source hash>/chart-render
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/chart-render/main.go
CACHE_ROOT=${BROKERCLUSTER_CACHE:-$HOME/.cache/brokercluster}
# The cache key is the source's hash, so an edited renderer is rebuilt, never stale.
HASH=$(sha256sum "$SRC" | cut -c1-16)
OUT=$CACHE_ROOT/chart-render/$HASH
BIN=$OUT/chart-render
PKGS=(golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev)
GOCODE=/usr/share/gocode/src

say() { printf '[chart-render] %s\n' "$*"; }

if [[ -x $BIN ]]; then
  say "cached: $BIN"
  exit 0
fi

missing=()
command -v go > /dev/null 2>&1 || missing+=(golang-go)
[[ -d $GOCODE/github.com/Masterminds/sprig ]] || missing+=(golang-github-masterminds-sprig-dev)
[[ -d $GOCODE/gopkg.in/yaml.v3 ]] || missing+=(golang-gopkg-yaml.v3-dev)
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages ${missing[*]}; run this script as root"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  say "installing Debian packages: ${PKGS[*]}"
  apt-get update > /dev/null
  apt-get install -y --no-install-recommends "${PKGS[@]}" > /dev/null
fi

mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# Debian installs sprig's dependency semver at its v1 import path; sprig imports
# github.com/Masterminds/semver/v3, so GOPATH mode gets that path as a link.
mkdir -p "$WORK/gopath/src/github.com/Masterminds/semver" "$WORK/gopath/src/chart-render"
ln -s "$GOCODE/github.com/Masterminds/semver" "$WORK/gopath/src/github.com/Masterminds/semver/v3"
cp "$SRC" "$WORK/gopath/src/chart-render/"
say "building $BIN (go $(go env GOVERSION))"
(
  cd "$WORK/gopath/src/chart-render"
  GO111MODULE=off GOPATH="$WORK/gopath:/usr/share/gocode" GOCACHE="$WORK/cache" CGO_ENABLED=0 \
    go build -o "$WORK/chart-render" .
)
mv "$WORK/chart-render" "$BIN"
say "built: $BIN"
