#!/usr/bin/env bash
# The public contract's checks: `buf lint` (STANDARD + COMMENTS, exceptions
# listed in proto/buf.yaml) and `buf breaking` against the previous commit,
# so that from the commit that introduced proto/buf.yaml on, `csp.v1` only
# grows. buf is pinned in scripts/proto-tools/package-lock.json and installed
# from the npm registry.
#
# The previous commit is HEAD~1 (on main: the main before this change). When
# it has no proto/buf.yaml (the commit that introduces the linted contract, or
# a shallow clone without history) there is nothing to compare with, and the
# script says so.
set -euo pipefail
cd "$(dirname "$0")/.."

(cd scripts/proto-tools && npm ci --no-audit --no-fund --loglevel=error)
BUF="$PWD/scripts/proto-tools/node_modules/.bin/buf"
echo "buf $("$BUF" --version)"

echo "== buf lint"
"$BUF" lint proto

echo "== buf breaking (against HEAD~1)"
if ! git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null; then
  echo "skipped: no previous commit in this clone"
elif ! git cat-file -e 'HEAD~1:proto/buf.yaml' 2>/dev/null; then
  echo "skipped: the previous commit has no proto/buf.yaml (this commit starts the checked contract)"
else
  "$BUF" breaking proto --against '.git#ref=HEAD~1,subdir=proto'
fi
