#!/usr/bin/env bash
# The one test command (npm test): system dependencies, lint and types, contract tests (forge), then
# every TypeScript test (node's test runner). Ends with one summary line over both runners, and exits
# non-zero when anything failed, was cancelled or timed out.
#
# The defaults test this repository. The variables below exist so that scripts/test.test.ts can run this
# very script on a fixture (a failing forge test, a failing and a hanging node test):
#   VERINET_TEST_SKIP_LINT=1        skip system dependencies, lint and types
#   VERINET_TEST_FORGE_DIR          Foundry project to test (default: contracts)
#   VERINET_TEST_NODE_DIRS          folders searched for node tests (default: "packages scripts")
#   VERINET_TEST_NODE_GLOB          file name pattern of node tests (default: *.test.ts)
#   VERINET_TEST_TIMEOUT_MS         limit for one test, and for one test file (Node 20 applies the
#                                   limit to each file's process too): a hang fails instead of stalling
#   VERINET_TEST_NODE_TOTAL_TIMEOUT limit for the whole node run (a `timeout` duration, default 40m)
#   VERINET_TEST_CONCURRENCY        test files run at once (default 2). Most long files wait on child
#                                   processes (anvil, nodes, Chromium, PostgreSQL), so two at a time
#                                   shorten the run on 2 cores; every test binds free ports and temp dirs.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

forge_dir="${VERINET_TEST_FORGE_DIR:-contracts}"
node_dirs="${VERINET_TEST_NODE_DIRS:-packages scripts}"
node_glob="${VERINET_TEST_NODE_GLOB:-*.test.ts}"
test_timeout_ms="${VERINET_TEST_TIMEOUT_MS:-600000}"
node_total_timeout="${VERINET_TEST_NODE_TOTAL_TIMEOUT:-40m}"
test_concurrency="${VERINET_TEST_CONCURRENCY:-2}"
forge=(bash "$root/scripts/foundry.sh" forge)

if [ "${VERINET_TEST_SKIP_LINT:-0}" != 1 ]; then
  bash scripts/ensure-system-deps.sh || exit 1

  echo "== lint and types"
  npx --no-install biome check . || exit 1
  npx --no-install tsc -p tsconfig.json || exit 1
  npx --no-install tsc -p packages/web/ui/tsconfig.json || exit 1
  (cd "$forge_dir" && "${forge[@]}" fmt --check) || {
    echo "Solidity is not formatted: run npm run format"
    exit 1
  }
fi

echo "== contracts (forge test)"
forge_log=$(mktemp)
# FORGE_PROFILE=ci (set by .ci/run) runs more fuzz and invariant cases. Gas snapshots are checked, not
# rewritten: a change in gas fails until contracts/snapshots is updated (and shows in review).
(cd "$forge_dir" && FOUNDRY_PROFILE="${FORGE_PROFILE:-default}" FORGE_SNAPSHOT_CHECK=true "${forge[@]}" test) 2>&1 | tee "$forge_log"
forge_rc=${PIPESTATUS[0]}
read -r forge_pass forge_fail < <(node --import tsx scripts/countTestResults.ts forge "$forge_log")
rm -f "$forge_log"

echo "== typescript (node --test)"
files=()
for dir in $node_dirs; do
  while IFS= read -r file; do files+=("$file"); done < <(find "$dir" -name "$node_glob" -not -path '*/node_modules/*' -type f | sort)
done
node_log=$(mktemp)
if [ ${#files[@]} -eq 0 ]; then
  echo "no test files matching $node_glob under: $node_dirs"
  node_rc=1
else
  timeout --kill-after=30s "$node_total_timeout" \
    node --import tsx --test --test-reporter=spec --test-timeout="$test_timeout_ms" \
    --test-concurrency="$test_concurrency" "${files[@]}" 2>&1 | tee "$node_log"
  node_rc=${PIPESTATUS[0]}
  if [ "$node_rc" -eq 124 ] || [ "$node_rc" -eq 137 ]; then
    echo "node tests stopped after $node_total_timeout (VERINET_TEST_NODE_TOTAL_TIMEOUT)"
  fi
fi
read -r node_pass node_fail < <(node --import tsx scripts/countTestResults.ts node "$node_log")
rm -f "$node_log"

# A runner that failed without saying what failed (a compile error, a crash, a kill) still fails the
# run: exit codes count, not only the summaries.
if [ "$forge_rc" -ne 0 ] && [ "$forge_fail" -eq 0 ]; then forge_fail=1; fi
if [ "$node_rc" -ne 0 ] && [ "$node_fail" -eq 0 ]; then node_fail=1; fi
passed=$((forge_pass + node_pass))
failed=$((forge_fail + node_fail))
echo
echo "forge: ${forge_pass} passed, ${forge_fail} failed; node: ${node_pass} passed, ${node_fail} failed (cancelled and timed out count as failed)"
echo "${passed} passed, ${failed} failed"
[ "$forge_rc" -eq 0 ] && [ "$node_rc" -eq 0 ] && [ "$failed" -eq 0 ]
