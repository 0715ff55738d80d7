#!/usr/bin/env bash
# Runs a Foundry binary (forge, anvil, cast) straight from its npm platform package, so that its exit
# code reaches the caller: the `forge` that npm links into node_modules/.bin is a Node wrapper that
# does not pass the binary's exit code back (a failing `forge test` or `forge fmt --check` exits 0).
# Usage: bash scripts/foundry.sh forge test [args...]
set -uo pipefail

tool="${1:-}"
case "$tool" in
  forge | anvil | cast) shift ;;
  *)
    echo "usage: bash scripts/foundry.sh forge|anvil|cast [args...]" >&2
    exit 2
    ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-amd64 ;;
  Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
  Darwin-x86_64) platform=darwin-amd64 ;;
  Darwin-arm64) platform=darwin-arm64 ;;
  *) platform=unsupported ;;
esac

# The platform package is an optional dependency; where it could not be installed, the wrapper's
# postinstall step downloads the same binary next to itself.
for candidate in \
  "$root/node_modules/@foundry-rs/$tool-$platform/bin/$tool" \
  "$root/node_modules/@foundry-rs/$tool/$tool" \
  "$root/node_modules/@foundry-rs/dist/$tool"; do
  if [ -x "$candidate" ]; then
    exec "$candidate" "$@"
  fi
done

echo "$tool: no binary for $(uname -s)-$(uname -m) under node_modules/@foundry-rs: run npm ci (or npm install) at the repository root" >&2
exit 127
