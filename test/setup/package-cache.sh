#!/usr/bin/env bash
# Test setup for the package test: puts into npm's cache everything an app that installs the
# packed celeriac (and the CDK tooling `celeriac init` asks for) resolves, so that the test
# itself installs with --offline and talks to nothing but loopback.
set -euo pipefail
specs=$(node -e '
  const p = require("./package.json");
  const deps = Object.entries(p.dependencies).map(([n, v]) => `${n}@${v}`);
  const app = ["aws-cdk", "aws-cdk-lib", "constructs", "typescript", "@types/node"].map((n) => `${n}@${p.devDependencies[n]}`);
  console.log([...deps, ...app].join(" "));
')
dir=test/artifacts/package-cache
rm -rf "$dir" && mkdir -p "$dir"
# --package-lock-only resolves the whole tree (every package document lands in the cache);
# the tarballs are there already from `npm ci`, and any missing one is fetched by `npm cache add`.
# shellcheck disable=SC2086
npm install --prefix "$dir" --package-lock-only --ignore-scripts --no-audit --no-fund $specs >/dev/null
node -e '
  const lock = require("./'"$dir"'/package-lock.json");
  const out = Object.entries(lock.packages).filter(([k, v]) => k && v.resolved).map(([, v]) => v.resolved);
  console.log(out.join("\n"));
' | xargs -r -n 50 npm cache add >/dev/null
