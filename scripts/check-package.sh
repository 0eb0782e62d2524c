#!/usr/bin/env bash
# The package as a host app gets it: pack the project, install the tarball into a copy of
# examples/host-app outside the repository (its own Nest from the registry, no NODE_PATH, no
# links back here), compile that copy under `strict` and run it. The example prints one line per
# check and exits non-zero if one fails.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/scout-check-package-XXXXXX")"
trap 'rm -rf "$work"' EXIT

step_started=0
step() {
  step_started=$(date +%s%N)
  echo "== $*"
}
took() {
  echo "   took $(( ($(date +%s%N) - step_started) / 1000000 )) ms"
}

# The README's host example is this file, word for word.
node -e 'const fs = require("fs"); const [readme, file] = process.argv.slice(1).map((p) => fs.readFileSync(p, "utf8"));
  if (!readme.includes("```ts\n" + file + "```")) { console.error("README.md does not quote examples/host-app/src/digest.module.ts as it is"); process.exit(1); }' \
  "$repo/README.md" "$repo/examples/host-app/src/digest.module.ts"

step "npm pack (builds through prepack)"
mkdir "$work/pack"
(cd "$repo" && npm pack --silent --pack-destination "$work/pack")
tarball="$(ls "$work/pack"/*.tgz)"
listing="$(tar -tzf "$tarball")"
echo "   $(basename "$tarball"): $(du -k "$tarball" | cut -f1) KiB, $(wc -l <<<"$listing") files"
# Only compiled JavaScript, declarations, the dashboard's page, package.json and README: no sources,
# tests or benchmarks.
unexpected="$(grep -Ev '^package/(package\.json|README\.md|LICEN[CS]E[^/]*|dist/.*(\.js|\.d\.ts)|dist/dashboard/(index\.html|app\.css))$' <<<"$listing" || true)"
unexpected+="$(grep -E '\.spec\.|test-helper|^package/(test|bench|src)/' <<<"$listing" || true)"
if [ -n "$unexpected" ]; then
  echo "the tarball holds files a host does not need:" >&2
  echo "$unexpected" >&2
  exit 1
fi
# The dashboard's built page ships with the service.
for asset in index.html app.js app.css; do
  if ! grep -qx "package/dist/dashboard/$asset" <<<"$listing"; then
    echo "the tarball lacks the dashboard's dist/dashboard/$asset" >&2
    exit 1
  fi
done
took

step "copy examples/host-app to $work/host-app and npm install (registry and the tarball)"
cp -r "$repo/examples/host-app" "$work/host-app"
rm -rf "$work/host-app/node_modules" "$work/host-app/dist"
cp "$tarball" "$work/host-app/scout-scheduler.tgz"
cd "$work/host-app"
env -u NODE_PATH npm install --no-audit --no-fund --loglevel=error
if [ -L node_modules/scout-scheduler ] || [ ! -f node_modules/scout-scheduler/dist/index.js ]; then
  echo "scout-scheduler is not installed from the tarball" >&2
  exit 1
fi
# One Nest in the app: the package uses the host's (peer dependencies), never a copy of its own.
nested="$(find . -maxdepth 7 -type d -path './node_modules/*/node_modules/@nestjs/*' \( -name common -o -name core \))"
if [ -n "$nested" ]; then
  echo "a second Nest is installed: $nested" >&2
  exit 1
fi
took

step "scout-scheduler/client without Nest, TypeORM or pg (require, browser bundle, types)"
node "$repo/scripts/check-client-entry.js" "$work/host-app"
took

step "the scout-scheduler bin from the install: --help, and mcp over stdio without Nest, TypeORM or pg"
node "$repo/scripts/check-cli-bin.js" "$work/host-app/node_modules/.bin/scout-scheduler"
took

step "tsc -p . (strict)"
env -u NODE_PATH npx tsc -p .
took

step "node dist/main.js (embedded database in a temporary folder)"
status=0
env -u NODE_PATH -u DATABASE_URL -u DATA_DIR timeout 180 node dist/main.js || status=$?
took
if [ "$status" -ne 0 ]; then
  echo "the host app exited with $status" >&2
  exit "$status"
fi
echo "the package works in a host app"
