#!/usr/bin/env bash
# The side-by-side benchmark: wok-router, nchan and the tornado peer, in one invocation.
#
#   Benchmarks/run.sh
#
# Installs what it needs (nginx + libnginx-mod-nchan from Debian, tornado and jsonschema in a venv
# from PyPI, the C toolchain's make), builds wok-router in release and the load generator, runs
# every scenario against each server (scenario by scenario, the three servers back to back, each
# run on a fresh server process), and prints the markdown table of figures and ratios.
#
# Environment (all optional):
#   WOK_BENCH_WORK=/tmp/wok-bench      scratch folder (results.jsonl, report.md, server logs)
#   WOK_BENCH_TARGETS="wok-router nchan tornado wok-router-nagle"
#                                      (wok-router-nagle: wok-router with tcp_nodelay=false, as
#                                      nchan leaves Nagle on; run in the fan-out and latency rows)
#   WOK_BENCH_SCENARIOS="idle10k fanout2k fanout10k latency publish publish-nosub publish-batch slow-base slow"
#   WOK_BENCH_REPEAT=1                 runs of each (scenario, server); the table shows medians
#                                      (1 keeps a fresh clone, release build included, near 15 min;
#                                      use 3 when comparing builds on this noisy machine)
#   WOK_BENCH_WARMUP=1                 0 skips the uncounted warm-up storm that starts a run
#   WOK_ROUTER_BIN=PATH                use this wok-router binary instead of building one
#   WOK_BENCH_SERVER_CPUS=0            pin every server to these CPUs (taskset list) and the load
#                                      generator to the others; event loops / nginx workers = their
#                                      count. Unset (default): nothing pinned, all share all cores
#   WOK_BENCH_LOOPS=N                  event loops (wok-router) and nginx workers (nchan), the same
#                                      for both; default: the CPUs the servers may use (nproc, or
#                                      the count of WOK_BENCH_SERVER_CPUS)
#   WOK_BENCH_NICE=-10                 niceness of the benchmark's session (autogroup) and of its
#                                      processes (root only): the machine is shared, this keeps
#                                      other work from skewing runs
set -euo pipefail
# The machine is shared and Linux groups CPU time by session (autogroup), so `nice` alone does not
# compete with other sessions' work: as root, run in a session of our own and raise its priority.
if [ "$(id -u)" -eq 0 ] && [ -z "${WOK_BENCH_SESSION:-}" ] && command -v setsid >/dev/null; then
  WOK_BENCH_SESSION=1 exec setsid -w bash "$0" "$@"
fi
if [ -n "${WOK_BENCH_SESSION:-}" ] && [ -w /proc/self/autogroup ]; then
  echo "${WOK_BENCH_NICE:--10}" > /proc/self/autogroup 2>/dev/null || true
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
work=${WOK_BENCH_WORK:-/tmp/wok-bench}
targets=${WOK_BENCH_TARGETS:-"wok-router nchan tornado wok-router-nagle"}
scenarios=${WOK_BENCH_SCENARIOS:-"idle10k fanout2k fanout10k latency publish publish-nosub publish-batch slow-base slow"}
repeat=${WOK_BENCH_REPEAT:-1}
loops=${WOK_BENCH_LOOPS:-$(nproc)}
server_cpus=${WOK_BENCH_SERVER_CPUS:-}
server_pin=() loadgen_pin=()
if [ -n "$server_cpus" ]; then
  command -v taskset >/dev/null || { echo "WOK_BENCH_SERVER_CPUS needs taskset (util-linux)" >&2; exit 2; }
  loadgen_cpus=$(python3 -c '
import os, sys
server = set()
for part in sys.argv[1].split(","):
    a, _, b = part.partition("-")
    server.update(range(int(a), int(b or a) + 1))
rest = sorted(os.sched_getaffinity(0) - server)
if not rest: sys.exit("WOK_BENCH_SERVER_CPUS leaves no CPU for the load generator")
print(",".join(map(str, rest)), len(server))' "$server_cpus") || exit 2
  loops=${WOK_BENCH_LOOPS:-${loadgen_cpus##* }}; loadgen_cpus=${loadgen_cpus% *}
  server_pin=(taskset -c "$server_cpus") loadgen_pin=(taskset -c "$loadgen_cpus")
fi
base_port=${WOK_BENCH_PORT:-18400}
t_start=$(date +%s)
mkdir -p "$work"
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

nice_cmd=()
if [ "$(id -u)" -eq 0 ]; then nice_cmd=(nice -n "${WOK_BENCH_NICE:--10}"); fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo

# --- 1. Install the peers and tools -------------------------------------------------------------
need=()
for p in nginx libnginx-mod-nchan make gcc python3-venv pkg-config libjansson-dev libpcre2-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  $SUDO apt-get update -qq
  # nginx's package would start a system nginx on port 80: not wanted, we start our own.
  printf '#!/bin/sh\nexit 101\n' > "$work/policy-rc.d"; chmod +x "$work/policy-rc.d"
  restore_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then $SUDO cp "$work/policy-rc.d" /usr/sbin/policy-rc.d; restore_policy=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  if [ $restore_policy = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi
tornado_peer=${WOK_BENCH_TORNADO:-$here/peers/tornado/tornado_push.py}
venv=$work/venv
if [[ " $targets " == *" tornado "* ]]; then
  req=$(dirname "$tornado_peer")/requirements.txt
  if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/requirements.txt"; then
    log "installing the tornado peer's pinned requirements into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
    cp "$req" "$venv/requirements.txt"
  fi
fi

# --- 2. Build ----------------------------------------------------------------------------------
log "building the load generator"
make -s -C "$here/loadgen" loadgen
loadgen=$here/loadgen/loadgen
wok_bin=${WOK_ROUTER_BIN:-}
if [[ " $targets " == *" wok-router"* ]] && [ -z "$wok_bin" ]; then
  log "building wok-router in release (swift build -c release --product wok-router)"
  b0=$(date +%s)
  (cd "$repo" && swift build -c release --product wok-router 2>&1 | tail -3) >&2
  wok_bin=$repo/.build/release/wok-router
  log "release build took $(( $(date +%s) - b0 )) s"
fi

# --- 3. The router root: the core schemas plus the benchmark's plugin ---------------------------
root=$work/root
rm -rf "$root"; mkdir -p "$root/plugins"
if [ -d "$repo/schemas" ]; then cp -r "$repo/schemas" "$root/schemas"; else mkdir -p "$root/schemas"; fi
cp -r "$here/loadgen/bench-plugin" "$root/plugins/bench"

# --- 4. Servers ---------------------------------------------------------------------------------
server_pid=""
port_of() { case $1 in wok-router) echo $((base_port + 1));; nchan) echo $((base_port + 2));; tornado) echo $((base_port + 3));; wok-router-nagle) echo $((base_port + 4));; esac; }
wait_port() { # PORT PID
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
start_server() { # TARGET -> sets server_pid
  local t=$1 port; port=$(port_of "$1")
  case $t in
    wok-router|wok-router-nagle)
      local nodelay=true; [ "$t" = wok-router-nagle ] && nodelay=false
      "${nice_cmd[@]}" "${server_pin[@]}" "$wok_bin" serve --host 127.0.0.1 --port "$port" --store memory: --root "$root" \
        --log-level warning --set event_loops="$loops" --set tcp_nodelay=$nodelay >"$work/$t.log" 2>&1 &
      server_pid=$!;;
    nchan)
      server_pid=$("${nice_cmd[@]}" "${server_pin[@]}" "$here/peers/nchan/start.sh" "$port" "$loops" "$work/nchan");;
    tornado)
      "${nice_cmd[@]}" "${server_pin[@]}" "$venv/bin/python" "$tornado_peer" --host 127.0.0.1 --port "$port" --root "$root" \
        --log-level warning >"$work/tornado.log" 2>&1 &
      server_pid=$!;;
  esac
  wait_port "$port" "$server_pid" || { log "$t did not start"; tail -20 "$work/$t.log" >&2 || true; exit 1; }
}
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

# --- 5. Scenarios -------------------------------------------------------------------------------
# Each is one loadgen invocation; bounded in connections and seconds.
scenario_args() {
  case $1 in
    idle10k)       echo "--subs 10000 --duration 0 --idle-wait 3";;
    # 16 publisher connections: up to 16 POSTs in flight, so a server that answers a POST only
    # after its fan-out still gets the offered rate (the achieved rate is reported).
    fanout2k)      echo "--subs 2000 --rate 100 --pub-conns 16 --warmup 2 --duration 8";;
    fanout10k)     echo "--subs 10000 --rate 20 --pub-conns 16 --warmup 2 --duration 8";;
    latency)       echo "--subs 100 --rate 200 --pub-conns 1 --warmup 1 --duration 8";;
    publish)       echo "--subs 1 --rate 0 --pub-conns 4 --warmup 1 --duration 5";;
    # The same POSTs with nobody subscribed: the publish path alone, with no delivery to write
    # and nothing for a server to drop.
    publish-nosub) echo "--subs 0 --rate 0 --pub-conns 4 --warmup 1 --duration 5";;
    publish-batch) echo "--subs 1 --rate 0 --pub-conns 4 --batch 100 --warmup 1 --duration 5";;
    # 16 KiB notifications at 50/s: 8 MiB per socket in 10 s, more than the kernel's socket buffers
    # (up to 4 MiB here) plus a 1 MiB outbound queue, so a server that bounds its queue must act.
    slow-base)     echo "--subs 100 --rate 50 --pad 16384 --pub-conns 1 --warmup 1 --duration 10";;
    slow)          echo "--subs 100 --slow 1 --rate 50 --pad 16384 --pub-conns 1 --warmup 1 --duration 10";;
    *) log "unknown scenario $1"; exit 2;;
  esac
}
results=$work/results.jsonl
: > "$results"
# run_once TARGET SCENARIO OUT: one fresh server, one loadgen run, its JSON line appended to OUT.
run_once() {
  local t=$1 s=$2 out=$3 proto=wok
  [ "$t" = nchan ] && proto=nchan
  start_server "$t"
  sleep 0.5
  # A subscriber the server closes with 1013 (its queue bound) resumes, as PROTOCOL.md's clients do.
  local resume=(); [ "$proto" = wok ] && resume=(--resume)
  # shellcheck disable=SC2046
  "${nice_cmd[@]}" "${loadgen_pin[@]}" "$loadgen" --target "$t" --scenario "$s" --proto "$proto" "${resume[@]}" --port "$(port_of "$t")" \
    --server-pid "$server_pid" $(scenario_args "$s") > "$work/last.json" &
  wait $! || true
  tee -a "$out" < "$work/last.json" | python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    keys = ["ready", "connect_s", "idle_kib_per_socket", "deliveries_per_s", "publish_per_s", "lat_p50_ms",
            "lat_p99_ms", "server_cpu_pct", "loadgen_cpu_pct", "ok", "first_error"]
    print("   ", " ".join(f"{k}={d[k]}" for k in keys if k in d), file=sys.stderr)'
  stop_server
}
# The first 10,000-socket storm of an invocation runs slow whichever server gets it (1.3-2.5 s
# against 0.7-1.0 for the runs after it, BENCHMARKS.md "How it is measured"): one storm, not
# counted, so that the server measured first is not the one that pays for it.
if [ "${WOK_BENCH_WARMUP:-1}" = 1 ]; then
  set -- $targets
  log "warm-up: one idle10k storm on $1 (not counted)"
  run_once "$1" idle10k "$work/warmup.jsonl"
fi
for s in $scenarios; do
  for r in $(seq "$repeat"); do
    for t in $targets; do
      if [ "$t" = nchan ] && [ "$s" = publish-batch ]; then continue; fi # nchan has no batch publish
      if [ "$t" = wok-router-nagle ]; then case $s in fanout2k|fanout10k|latency) ;; *) continue;; esac; fi
      log "$s #$r on $t"
      run_once "$t" "$s" "$results"
    done
  done
done

# --- 6. Table -----------------------------------------------------------------------------------
{
  echo "Machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') memory, kernel $(uname -r); $(date -u +%Y-%m-%dT%H:%MZ)"
  if [ -n "$server_cpus" ]; then echo "Pinned: servers on CPU $server_cpus, load generator on CPU $loadgen_cpus"; fi
  echo "wok-router $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo '?'), event_loops=$loops, --store memory:;" \
       "nchan $(dpkg-query -W -f='${Version}' libnginx-mod-nchan) on nginx $(dpkg-query -W -f='${Version}' nginx), $loops workers;" \
       "tornado $("$venv/bin/python" -c 'import tornado; print(tornado.version)' 2>/dev/null || echo '?')"
  echo
  python3 "$here/loadgen/report.py" "$results"
  echo
  echo "Total wall time: $(( $(date +%s) - t_start )) s. Raw results: $results"
} | tee "$work/report.md"
