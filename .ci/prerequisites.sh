#!/usr/bin/env bash
# Installs what a fresh machine lacks for the tests: Java 17 and Maven (Debian packages),
# the independent XML checkers the alert tests run (xmllint, xmlsec1), and promtool
# (Debian's prometheus package: promtool for the rules' checks and unit tests, the server for
# the dashboard test).
set -uo pipefail
need=()
command -v node >/dev/null || { echo "Node.js >= 20 is required"; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || { echo "Node.js >= 20 is required, found $(node --version)"; exit 1; }
if ! ls /usr/lib/jvm 2>/dev/null | grep -q 17 && ! (java -version 2>&1 | grep -q '"17\.'); then need+=(openjdk-17-jre-headless); fi
command -v mvn >/dev/null || need+=(maven)
command -v ss >/dev/null || need+=(iproute2)
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v xmlsec1 >/dev/null || need+=(xmlsec1)
{ command -v promtool >/dev/null && command -v prometheus >/dev/null; } || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" || exit 1
fi
echo "node $(node --version); $(promtool --version 2>&1 | sed -n 1p); $(xmlsec1 --version 2>/dev/null); xmllint $(xmllint --version 2>&1 | sed -n 1p | grep -o "[0-9][0-9]*" | head -1); $(mvn --version 2>/dev/null | sed -n 1p); java 17: $(ls /usr/lib/jvm | grep 17 | sed -n 1p)"

