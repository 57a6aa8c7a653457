#!/usr/bin/env bash
# The validation benchmark: wok-router vs ajv 6 (Debian node-ajv) vs jsonschema-rs (PyPI), one invocation.
# Usage: Benchmarks/validation/run.sh [DOCS] [ROUNDS]   (defaults: 100000 documents; each 1,000-document chunk timed
# ROUNDS=10 times, its best kept, so load from other processes on a shared machine spoils little)
# Installs what it needs (node-ajv, jsonschema-rs), builds the Swift side in release (slow the first time).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
docs="${1:-100000}"
rounds="${2:-10}"

"$root/scripts/deps" build
if ! dpkg-query -W -f='${Status}' node-ajv 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq node-ajv >/dev/null
fi
python3 -c "import jsonschema_rs" 2>/dev/null || python3 -m pip install -q jsonschema-rs

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$here/generate.py" "$work" "$docs"
# The draft-07 meta-schema as a plain schema (without its $id, which ajv already holds).
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s.pop("$id",None); json.dump(s,open(sys.argv[2],"w"))' \
  /usr/share/nodejs/ajv/lib/refs/json-schema-draft-07.json "$work/meta07.schema.json"
compile=("$work/meta07.schema.json" "$work/large.schema.json")

mkdir -p "$here/.deps"
ln -sfn "$root" "$here/.deps/wok-router"
(cd "$here" && swift build -c release --product validation-bench >&2)
bench="$(cd "$here" && swift build -c release --show-bin-path)/validation-bench"

load="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "running wok-router ..." >&2
"$bench" "$here/userlog.schema.json" "$work/userlog.ndjson" "$rounds" "${compile[@]}" > "$work/wok.json"
alt=()
for lib in /usr/lib/x86_64-linux-gnu/libmimalloc.so.2 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2; do
  if [ -e "$lib" ]; then   # optional: the same run with another allocator, when one is installed
    name="$(basename "$lib" | sed 's/^lib//; s/\.so.*//')"
    LD_PRELOAD="$lib" "$bench" "$here/userlog.schema.json" "$work/userlog.ndjson" "$rounds" > "$work/wok-$name.json"
    alt+=(--alt "$name=$work/wok-$name.json")
  fi
done
echo "running ajv ..." >&2
NODE_PATH=/usr/share/nodejs /usr/bin/node "$here/ajv-bench.js" "$here/userlog.schema.json" "$work/userlog.ndjson" "$rounds" "${compile[@]}" > "$work/ajv.json"
echo "running jsonschema-rs ..." >&2
python3 "$here/jsonschema-rs-bench.py" "$here/userlog.schema.json" "$work/userlog.ndjson" "$rounds" "${compile[@]}" > "$work/rs.json"

echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $docs documents, each 1,000-document chunk timed $rounds times, best kept"
echo "# jsonschema-rs $(python3 -m pip show jsonschema-rs 2>/dev/null | awk '/^Version/{print $2}'), ajv $(NODE_PATH=/usr/share/nodejs /usr/bin/node -p 'require("ajv/package.json").version'), node $(/usr/bin/node --version)"
echo "# load average before the run: $load"
python3 "$here/table.py" "$work/wok.json" "$work/ajv.json" "$work/rs.json" "${alt[@]}" \
  --compile "draft-07 meta-schema" "large schema (500 subschemas, $(wc -c < "$work/large.schema.json") bytes)"
