#!/usr/bin/env bash
# The npm package as a user gets it: `npm pack` this checkout (after `npm run build`), install the
# tarball globally into an empty prefix, then run the installed `recotem`: --help, and a train +
# serve of the quick start example from an empty working directory, answered over HTTP.
#   npm run build && bash scripts/test-npm-package.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/recotem-npm-XXXXXX")
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '[npm-package] %s\n' "$*"; }

step "npm pack"
tarball=$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n1)
step "npm install -g $tarball (empty prefix)"
mkdir -p "$work/prefix" "$work/app"
(cd "$work/app" && npm install -g --prefix "$work/prefix" --no-audit --no-fund "$work/$tarball" >"$work/install.log" 2>&1) \
  || { cat "$work/install.log"; exit 1; }
recotem="$work/prefix/bin/recotem"

step "recotem --help"
"$recotem" --help | grep -q 'train' || { echo "recotem --help does not list train" >&2; exit 1; }

step "train the quick start example from an empty directory"
cd "$work/app"
mkdir -p examples/quickstart
cp "$root/examples/quickstart/recipe.yaml" "$root/examples/quickstart/purchases.csv" examples/quickstart/
signing=$("$recotem" keygen --type signing | sed -n 's/^env_entry=RECOTEM_SIGNING_KEYS=//p')
export RECOTEM_SIGNING_KEYS="$signing" RECOTEM_LOG_FORMAT=json
"$recotem" train examples/quickstart/recipe.yaml --quiet 2>"$work/train.log" || { cat "$work/train.log"; exit 1; }
test -s artifacts/quickstart.recotem

step "serve it and ask for recommendations"
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
"$recotem" serve --recipes examples/quickstart --port "$port" 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || { cat "$work/serve.log"; exit 1; }
user=$(sed -n '2p' examples/quickstart/purchases.csv | cut -d, -f1)
answer=$(curl -fs -X POST "http://127.0.0.1:$port/v1/recipes/quickstart:recommend" \
  -H 'Content-Type: application/json' -d "{\"user_id\": \"$user\", \"limit\": 3}")
echo "$answer" | grep -q '"item_id"' || { echo "no recommendations: $answer" >&2; exit 1; }
kill -TERM "$server"
wait "$server" || { echo "serve did not exit 0 after SIGTERM" >&2; exit 1; }
server=""
step "ok: installed package ($tarball) trains and serves"
