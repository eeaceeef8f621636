#!/usr/bin/env bash
# Installs the two system programs the tests use when they are missing: Java 17+ (DynamoDB Local)
# and Debian's Chromium (dashboard browser tests). Needs root and apt-get; otherwise says what to do.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "test setup: installing ${need[*]} with apt-get…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  exit 0
fi
echo "test setup: missing ${need[*]}. Install them (Debian/Ubuntu: sudo apt-get install -y ${need[*]})." >&2
exit 1
