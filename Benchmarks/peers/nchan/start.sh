#!/usr/bin/env bash
# Starts nchan (Debian nginx + libnginx-mod-nchan) on 127.0.0.1:PORT in a fresh temp prefix, as
# root, in the background; prints the master's PID on stdout once the port accepts connections.
# Usage: start.sh PORT WORKERS PREFIX
set -euo pipefail
port=$1 workers=$2 prefix=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$prefix"; mkdir -p "$prefix"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" -e "s|@WORKERS@|$workers|g" \
  "$here/nginx.conf" > "$prefix/nginx.conf"
nginx -p "$prefix" -c "$prefix/nginx.conf" -t -q 2>"$prefix/configtest.log" || {
  cat "$prefix/configtest.log" >&2; exit 1; }
nginx -p "$prefix" -c "$prefix/nginx.conf" >"$prefix/stdout.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$pid"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || { cat "$prefix/error.log" "$prefix/stdout.log" >&2; exit 1; }
  sleep 0.1
done
echo "nchan did not start on port $port" >&2; kill "$pid"; exit 1
