#!/usr/bin/env bash
# The vitest part of `pnpm test`: every project once, coverage merged over both runs.
#   1. unit, with redis-server, memcached, nginx and chromium hidden from PATH
#      (proves the unit tests need no server);
#   2. integration and e2e, with the real servers;
#   3. one coverage report over both, per package, failing below each floor.
set -euo pipefail
cd "$(dirname "$0")/.."
reports=.vitest-reports
rm -rf "$reports" coverage
blob() { echo --reporter=default --reporter=blob "--outputFile.blob=$reports/$1.json"; }
# shellcheck disable=SC2046
scripts/without-servers.sh pnpm exec vitest run --project unit --coverage $(blob unit)
# shellcheck disable=SC2046
pnpm exec vitest run --project integration --project e2e --coverage $(blob servers)
pnpm exec vitest run --merge-reports "$reports" --coverage --reporter=dot >/dev/null
node scripts/coverage-summary.mjs
