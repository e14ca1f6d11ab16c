#!/usr/bin/env bash
# Shows that the simulation catches a broken Raft core, without touching the working tree:
# copies the repository to a temporary directory, applies one mutation to the copy of
# node/src/raft, builds the copy and runs the default seeds there. Exits 0 when the simulation
# FAILS on the mutant (the mutation was caught), 1 when every seed passed.
#
#   bash test/sim/mutation-check.sh commit-rule   # leader commits entries of earlier terms by counting replicas (Figure 8)
#   bash test/sim/mutation-check.sh quorum        # commit index taken one position too high in the sorted match list (minority commit)
#   bash test/sim/mutation-check.sh drop-vote     # harness-only: HardState persisted without the vote
#
# Optional: NODES=5 SEEDS=1000 STEPS=4000 SEED_BASE=1.
set -euo pipefail
mutation="${1:-}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
nodes="${NODES:-3}"
seeds="${SEEDS:-1000}"
steps="${STEPS:-4000}"
base="${SEED_BASE:-1}"
export PATH="$root/node_modules/.bin:$PATH"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT INT TERM
tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./.git -cf - . | tar -C "$work" -xf -
ln -s "$root/node_modules" "$work/node_modules"

sim_args=()
case "$mutation" in
  commit-rule)
    file="$work/node/src/raft/raft-log.ts"
    pattern='maxIndex > this.committed \&\& this.zeroTermOnOutOfBounds(maxIndex) === term'
    grep -q "$pattern" "$file" || { echo "mutation-check: commit-rule line not found in raft-log.ts" >&2; exit 2; }
    sed -i "s/$pattern/maxIndex > this.committed/" "$file"
    ;;
  quorum)
    file="$work/node/src/raft/majority-config.ts"
    pattern='return idx\[Math.floor(n \/ 2)\] as number;'
    grep -q "$pattern" "$file" || { echo "mutation-check: quorum line not found in majority-config.ts" >&2; exit 2; }
    sed -i "s/$pattern/return idx[Math.floor(n \/ 2) - 1] as number;/" "$file"
    ;;
  drop-vote)
    sim_args=(--mutation drop-vote)
    ;;
  *)
    echo "usage: $0 commit-rule|quorum|drop-vote" >&2
    exit 2
    ;;
esac

(cd "$work" && tsc -p tsconfig.build.json)
set +e
output="$(cd "$work" && node dist/test/sim/cli.js --nodes "$nodes" --seeds "$seeds" --seed-base "$base" \
  --steps "$steps" --keep-going "${sim_args[@]}")"
set -e
grep -E '^(FAILED|[0-9]+ seeds)' <<<"$output" || true
failing="$(grep -c '^FAILED' <<<"$output" || true)"
if [ "$failing" -gt 0 ]; then
  echo "mutation-check: $mutation caught in $failing of $seeds seeds"
  exit 0
fi
echo "mutation-check: $mutation NOT caught in $seeds seeds"
exit 1
