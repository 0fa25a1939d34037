#!/usr/bin/env bash
# The unit tier again on Node 24, the current LTS line (issue 12): the npm registry's `node`
# package provides the binary, installed into this clone (.s1mig/node24), nothing global.
# Runs after `npm test` built dist/ with the machine's Node: the same JavaScript on both.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.s1mig/node24
if [ ! -x "$dir/node_modules/.bin/node" ] || ! "$dir/node_modules/.bin/node" -e 'process.exit(process.versions.node.startsWith("24.") ? 0 : 1)'; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --no-save node@24 >/dev/null
fi
export PATH="$PWD/$dir/node_modules/.bin:$PATH"
echo "unit tier on node $(node --version) (npm's node@24 package)"
node node_modules/vitest/vitest.mjs run --config vitest.unit.config.ts
