#!/usr/bin/env bash
# The one test command (npm test): system dependencies, lint and types, contract tests (forge), then
# every TypeScript test (node's test runner). Ends with one summary line over both runners.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh || exit 1

echo "== lint and types"
npx --no-install biome check . || exit 1
npx --no-install tsc -p tsconfig.json || exit 1
(cd contracts && npx --no-install forge fmt --check) || { echo "Solidity is not formatted: run (cd contracts && npx forge fmt)"; exit 1; }

echo "== contracts (forge test)"
forge_log=$(mktemp)
# FORGE_PROFILE=ci (set by .ci/run) runs more fuzz and invariant cases. Gas snapshots are checked, not
# rewritten: a change in gas fails until contracts/snapshots is updated (and shows in review).
(cd contracts && FOUNDRY_PROFILE="${FORGE_PROFILE:-default}" FORGE_SNAPSHOT_CHECK=true npx --no-install forge test) 2>&1 | tee "$forge_log"
forge_rc=${PIPESTATUS[0]}
forge_pass=$(grep -Eo '[0-9]+ tests passed' "$forge_log" | tail -1 | grep -Eo '^[0-9]+' || echo 0)
forge_fail=$(grep -Eo '[0-9]+ failed' "$forge_log" | tail -1 | grep -Eo '^[0-9]+' || echo 0)
rm -f "$forge_log"

echo "== typescript (node --test)"
mapfile -t files < <(find packages -name '*.test.ts' -not -path '*/node_modules/*' | sort)
node_log=$(mktemp)
node --import tsx --test --test-reporter=spec "${files[@]}" 2>&1 | tee "$node_log"
node_rc=${PIPESTATUS[0]}
node_pass=$(grep -E '^ℹ pass [0-9]+' "$node_log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
node_fail=$(grep -E '^ℹ fail [0-9]+' "$node_log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
rm -f "$node_log"

passed=$((forge_pass + node_pass))
failed=$((forge_fail + node_fail))
if [ "$forge_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$node_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo
echo "forge: ${forge_pass} passed, ${forge_fail} failed; node: ${node_pass} passed, ${node_fail} failed"
echo "${passed} passed, ${failed} failed"
[ "$forge_rc" -eq 0 ] && [ "$node_rc" -eq 0 ]
