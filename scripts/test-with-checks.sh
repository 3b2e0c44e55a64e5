#!/usr/bin/env bash
# The body of `npm test` after the compile: vitest, with the type check and eslint running beside it.
# Most wire tests wait on servers, Ceph and child processes, so the two checks use cores vitest leaves
# idle. Their output is held back and printed after the tests; any failure fails the whole.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d "${TMPDIR:-/tmp}/ray-gitops-checks-XXXXXX")
trap 'rm -rf "$logs"' EXIT

npx projen typecheck >"$logs/typecheck" 2>&1 &
typecheck=$!
npx projen eslint >"$logs/eslint" 2>&1 &
eslint=$!

npx vitest run "$@"
tests=$?

status=$tests
for check in typecheck eslint; do
  wait "${!check}"
  code=$?
  if [ "$code" -ne 0 ]; then
    echo "::error::$check failed:"
    cat "$logs/$check"
    status=1
  else
    echo "$check: passed"
  fi
done
exit "$status"
