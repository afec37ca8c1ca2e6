#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs dependencies, makes sure
# PostgreSQL, Redis and MariaDB run, then lint, type check, build, unit and
# integration tests, and the e2e suite once per database. The last line is
# "N passed, N failed", counted from the test runner's TAP reports.
set -uo pipefail
cd "$(dirname "$0")/.."

reports=.test-reports
rm -rf "$reports" && mkdir -p "$reports"
step_failures=0
run_step() {
  local name=$1; shift
  echo "=== $name"
  if ! "$@"; then
    echo "=== $name FAILED"
    step_failures=$((step_failures + 1))
    return 1
  fi
}

if [ "${CI:-}" = true ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install, not npm ci: ci refuses this lock file because the registry here lacks the
  # macOS builds of msgpackr-extract (an optional dependency of Bull); install keeps the locked versions.
  run_step 'install dependencies' npm install --no-audit --no-fund || { echo "0 passed, 1 failed"; exit 1; }
fi
run_step 'services' bash test/ensure-services.sh || { echo "0 passed, 1 failed"; exit 1; }
run_step 'lint' npm run --silent lint
run_step 'type check' npm run --silent typecheck
run_step 'build' npm run --silent build || { echo "0 passed, $((step_failures)) failed"; exit 1; }

node_test() {
  local report=$1; shift
  node --import tsx --test --test-concurrency="${BASALT_TEST_CONCURRENCY:-2}" --test-timeout=300000 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$reports/$report.tap" "$@"
}

# Test failures are counted from the reports; a runner that fails without
# reporting a failing test (a crash, a file that does not load) counts once.
run_tests() {
  local report=$1
  node_test "$@" && return 0
  grep -q '^# \(fail\|cancelled\) [1-9]' "$reports/$report.tap" 2>/dev/null || step_failures=$((step_failures + 1))
}

run_tests unit $(find src test/integration -name '*.spec.ts' -o -name '*.test.ts' | sort)
for db in ${BASALT_TEST_DATABASES:-postgres embedded mysql}; do
  echo "=== e2e on $db"
  BASALT_TEST_DB=$db run_tests "e2e-$db" $(find test/e2e -name '*.e2e-spec.ts' | sort)
done

sum() { cat "$reports"/*.tap 2>/dev/null | awk -v key="$1" '$1 == "#" && $2 == key { n += $3 } END { print n + 0 }'; }
passed=$(sum pass)
# A failed step (lint, type check) counts as one failure.
failed=$(( $(sum fail) + $(sum cancelled) + step_failures ))
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
