#!/usr/bin/env bash
# HTTP serving, driven by the same load generator (wrk) on both sides: Ray Serve 2.58
# (serve_apps.py) and, given its command, Prism's ml-serve. For each shape
#   noop-1   GET /         -> {"ok": true}, 1 replica
#   noop-2   GET /         -> {"ok": true}, 2 replicas
#   digits   POST /digits  {"pixels": [64 floats]} -> {"digit": k}, 1 replica, batches of <= 10
#            (10 ms wait); body: digits_post.lua
# a side is started alone on the machine, waited for (a line containing READY on its output,
# then a 200 on the route), warmed up (wrk -t2 -c16 for --warmup seconds, not counted), then
# measured with wrk --latency at 1, 16 and 64 connections (-t1 for 1 connection, -t2 otherwise,
# --duration seconds each, --timeout 10s so slow answers are measured, not dropped), --rounds
# times (all connection counts once per round); each row is the median of the rounds. Then the
# side is stopped (SIGTERM, then SIGKILL to its session after 60 s) and any process left in its
# session is killed by pid, so the next shape starts on an idle machine. Each wrk run also records
# the share of the machine's CPU (100 = every core busy) that the side's processes, wrk and
# everything else (other users: a build, another benchmark) took meanwhile; the table shows the
# medians of the first two and the largest of the third over the rounds.
#
#   benchmarks/peers/ray/compare_serve.sh [--side ray|prism|both] [--prism-cmd 'CMD']
#       [--port N] [--prism-port N] [--rounds N] [--duration S] [--warmup S]
#       [--shapes noop-1,noop-2,digits] [--connections 1,16,64] [--out DIR] [--ray-stop]
#       [--ray-worker-niceness N] [--wait-idle S]
#
# --prism-cmd: run with bash -c in the repository root, once per shape; it must print a line
#   containing READY once it listens. {shape} (noop or digits), {replicas} and {port} in CMD
#   are replaced, and SERVE_SHAPE, SERVE_REPLICAS, SERVE_PORT are exported too, e.g.
#   --prism-cmd './prism serve-bench {shape} --replicas {replicas} --port {port}'.
# --ray-worker-niceness N: RAY_worker_niceness=N for Ray's cluster. Ray's default is 15: every
#   Ray worker process, so Serve's proxy, controller and replicas, runs at nice 15 (raylet and GCS at
#   0), and yields the CPU to anything at nice 0 (wrk's threads, another side's leftovers, a build).
#   Rows measured with it are labelled ray-nice<N> (files and table), apart from Ray's defaults.
# --wait-idle S: before each shape, wait up to S seconds for the CPUs to be at least 80% idle over
#   3 s (other users' builds); each row records the idle share it started from (idle_pct).
# --ray-stop: `ray stop --force` at the end as well. Off by default: it kills every Ray process
#   on the machine, other users' included; the per-session cleanup above already leaves none of
#   this script's behind (checked and printed).
#
# Writes benchmarks/reports/<date>/serve/ (or --out DIR): <side>.jsonl (one JSON line per shape
# and connection count: the medians), <side>-rounds.jsonl (every wrk run), <side>-wrk.txt (wrk's
# raw output, warm-ups included), logs/<side>-<shape>.log.gz (the server's output) and table.md
# (the Markdown table of every <side>.jsonl in the folder, so that sides run by different calls
# on the same day end up in one table).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)

side=ray prism_cmd="" port=8000 prism_port="" rounds=1 duration=10 warmup=5
shapes="noop-1,noop-2,digits" conns="1,16,64" out="" ray_stop=0 ray_nice="" wait_idle=0
while [ $# -gt 0 ]; do
  case "$1" in
    --side) side=$2; shift 2 ;;
    --prism-cmd) prism_cmd=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --prism-port) prism_port=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --shapes) shapes=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --ray-stop) ray_stop=1; shift ;;
    --ray-worker-niceness) ray_nice=$2; shift 2 ;;
    --wait-idle) wait_idle=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (--help)" >&2; exit 2 ;;
  esac
done
prism_port=${prism_port:-$port}
case "$side" in
  ray) sides=(ray) ;;
  prism) sides=(prism) ;;
  both) sides=(ray prism) ;;
  *) echo "--side is ray, prism or both" >&2; exit 2 ;;
esac
if [[ " ${sides[*]} " == *" prism "* && -z "$prism_cmd" ]]; then
  echo "--side $side needs --prism-cmd 'CMD'" >&2; exit 2
fi

if [[ " ${sides[*]} " == *" ray "* ]]; then
  "$here/setup_serve.sh" >&2
fi
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
py=python3
[ -x "$here/.venv/bin/python" ] && py="$here/.venv/bin/python"
table="$py $here/wrk_table.py"

out=${out:-"$root/benchmarks/reports/$(date +%F)/serve"}
mkdir -p "$out/logs"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- . ':!benchmarks/reports' 2>/dev/null || echo ' (with local changes)')"
digits_body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$here/digits_post.lua")

server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  local pid=$server_pid sid
  server_pid=""
  sid=$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "   server $pid still alive after 60 s: SIGKILL to its session" >&2
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  # Whatever the side left in its session (setsid made the server its leader): by pid.
  sleep 2
  local left
  left=$(ps -eo pid=,sid= | awk -v s="${sid:-$pid}" '$2 == s {print $1}')
  if [ -n "$left" ]; then
    echo "   left behind in session ${sid:-$pid}, killed: $(ps -o pid=,comm= -p $(echo $left | tr ' ' ,) | tr '\n' ';')" >&2
    kill -KILL $left 2>/dev/null || true
  else
    echo "   stopped; no process left in its session" >&2
  fi
}
trap 'stop_server' EXIT
trap 'exit 130' INT TERM

start_server() {  # side app replicas port log
  local s=$1 app=$2 replicas=$3 p=$4 log=$5 cmd
  if [ "$s" = ray ]; then
    if [ -n "$ray_nice" ]; then export RAY_worker_niceness=$ray_nice; fi
    setsid "$here/.venv/bin/python" "$here/serve_apps.py" "$app" --replicas "$replicas" --port "$p" >"$log" 2>&1 &
  else
    cmd=${prism_cmd//\{shape\}/$app}; cmd=${cmd//\{replicas\}/$replicas}; cmd=${cmd//\{port\}/$p}
    echo "   \$ $cmd" >&2
    (cd "$root" && SERVE_SHAPE=$app SERVE_REPLICAS=$replicas SERVE_PORT=$p exec setsid bash -c "$cmd") >"$log" 2>&1 &
  fi
  server_pid=$!
  local t0=$SECONDS
  until grep -q READY "$log"; do
    kill -0 "$server_pid" 2>/dev/null || { echo "   $s exited before READY; its log, $log:" >&2; tail -20 "$log" >&2; return 1; }
    [ $((SECONDS - t0)) -lt 300 ] || { echo "   no READY from $s within 300 s ($log)" >&2; return 1; }
    sleep 0.5
  done
  echo "   READY after $((SECONDS - t0)) s" >&2
}

probe() {  # app url: waits for a 200
  local app=$1 url=$2 t0=$SECONDS code
  while :; do
    if [ "$app" = digits ]; then
      code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -H 'Content-Type: application/json' -d "$digits_body" "$url" || true)
    else
      code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "$url" || true)
    fi
    [ "$code" = 200 ] && return 0
    [ $((SECONDS - t0)) -lt 60 ] || { echo "   no 200 from $url within 60 s (last: $code)" >&2; return 1; }
    sleep 0.5
  done
}

run_wrk() {  # connections duration url app -> wrk's text on stdout
  local c=$1 d=$2 url=$3 app=$4 t=2 script=()
  [ "$c" -gt 1 ] || t=1
  [ "$app" = digits ] && script=(-s "$here/digits_post.lua")
  wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s --latency "${script[@]}" "$url"
}

idle_pct() {  # the CPUs' idle share over 3 s, in percent
  local a b
  a=($(head -1 /proc/stat)); sleep 3; b=($(head -1 /proc/stat))
  local ta=0 tb=0 i
  for i in 1 2 3 4 5 6 7 8; do ta=$((ta + a[i])); tb=$((tb + b[i])); done
  echo $(( 100 * ((b[4] + b[5]) - (a[4] + a[5])) / (tb - ta > 0 ? tb - ta : 1) ))
}

wait_for_idle() {
  local t0=$SECONDS idle
  idle=$(idle_pct)
  while [ "$idle" -lt 80 ] && [ $((SECONDS - t0)) -lt "$wait_idle" ]; do
    echo "   CPUs ${idle}% idle; waiting (up to ${wait_idle} s)" >&2
    sleep 7
    idle=$(idle_pct)
  done
  echo "$idle"
}

hz=$(getconf CLK_TCK) ncpu=$(nproc)
load_start=$(uptime)
echo "== serving: sides ${sides[*]}, shapes $shapes, connections $conns, $rounds round(s) of ${duration} s after ${warmup} s of warm-up; $(nproc) cores" >&2
echo "   load: $load_start" >&2
for s in "${sides[@]}"; do
  p=$port; [ "$s" = prism ] && p=$prism_port
  label=$s
  [ "$s" = ray ] && [ -n "$ray_nice" ] && label="ray-nice$ray_nice"
  : >"$out/$label.jsonl"
  : >"$out/$label-rounds.jsonl"
  : >"$out/$label-wrk.txt"
  for shape in ${shapes//,/ }; do
    case "$shape" in
      noop-1) app=noop replicas=1 path=/ ;;
      noop-2) app=noop replicas=2 path=/ ;;
      digits) app=digits replicas=1 path=/digits ;;
      *) echo "unknown shape $shape (noop-1, noop-2, digits)" >&2; exit 2 ;;
    esac
    url="http://127.0.0.1:$p$path"
    echo "== $s $shape ($url)" >&2
    idle=$(wait_for_idle)
    echo "   CPUs ${idle}% idle before start" >&2
    log="$out/logs/$label-$shape.log"
    start_server "$s" "$app" "$replicas" "$p" "$log"
    probe "$app" "$url"
    echo "   warm-up: wrk -t2 -c16 -d${warmup}s" >&2
    run_wrk 16 "$warmup" "$url" "$app" >>"$out/$label-wrk.txt"
    load=$(uptime | sed 's/.*load average: //')
    sid=$server_pid
    for r in $(seq "$rounds"); do
      for c in ${conns//,/ }; do
        before=($($table cpu "$sid" $$)); t0=$(date +%s%N)
        raw=$(run_wrk "$c" "$duration" "$url" "$app")
        after=($($table cpu "$sid" $$)); t1=$(date +%s%N)
        # shares of the machine (100 = all cores busy) over the run: the side's session, wrk
        # (with the harness's helpers), and everything else (other users)
        ticks=$(( (t1 - t0) * hz * ncpu / 1000000000 ))
        busy=$((after[0] - before[0])) server=$((after[1] - before[1])) client=$((after[2] - before[2]))
        foreign=$((busy - server - client)); [ "$foreign" -ge 0 ] || foreign=0
        cpu_sets=(--set server_cpu_pct=$((100 * server / ticks)) --set client_cpu_pct=$((100 * client / ticks)) --set foreign_cpu_pct=$((100 * foreign / ticks)))
        printf '### %s %s round %s, %s connections\n%s\n\n' "$label" "$shape" "$r" "$c" "$raw" >>"$out/$label-wrk.txt"
        line=$(echo "$raw" | $table parse --set side="$label" --set shape="$shape" --set round="$r" "${cpu_sets[@]}")
        echo "$line" >>"$out/$label-rounds.jsonl"
        echo "   round $r, $c connections: $(echo "$line" | $py -c 'import json,sys; d=json.load(sys.stdin); print("%s req/s, p50 %s ms, p99 %s ms, errors %s; CPU %% server %s, wrk %s, others %s" % (d["requests_per_s"], d["p50_ms"], d["p99_ms"], d["errors"], d["server_cpu_pct"], d["client_cpu_pct"], d["foreign_cpu_pct"]))')" >&2
      done
    done
    for c in ${conns//,/ }; do
      grep "\"shape\": \"$shape\"" "$out/$label-rounds.jsonl" | grep "\"connections\": $c," \
        | $table median --set side="$label" --set shape="$shape" --set load="$load" --set idle_pct="$idle" >>"$out/$label.jsonl"
    done
    stop_server
    gzip -f "$log"
  done
done
load_end=$(uptime)
if [ "$ray_stop" = 1 ] && [ -x "$here/.venv/bin/ray" ]; then
  "$here/.venv/bin/ray" stop --force >&2 || true
fi

{
  echo "# Serving: $(ls "$out"/*.jsonl | grep -v -- '-rounds.jsonl' | xargs -n1 basename | sed 's/\.jsonl$//' | tr '\n' ' ')"
  echo
  echo "$(date '+%F %H:%M %Z'), commit $commit, $(nproc) cores; wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}'); rounds $rounds (median), ${duration} s each after ${warmup} s of warm-up at 16 connections; -t1 at 1 connection, -t2 otherwise, --timeout 10s."
  echo
  echo "- load before: \`$load_start\`"
  echo "- load after: \`$load_end\`"
  echo "- ray: Ray Serve $("$py" -c 'import ray; print(ray.__version__)' 2>/dev/null || echo '?') (serve_apps.py), ray.init(num_cpus=2), one proxy on 127.0.0.1; Ray's defaults except: the replicas' access log off (as in Ray's own serve benchmarks), digits max_ongoing_requests=10 (>= max_batch_size, as Ray's warning asks); ray-nice<N> rows: RAY_worker_niceness=N (Ray's default 15)."
  echo
  cat $(ls "$out"/*.jsonl | grep -v -- '-rounds.jsonl') | $table table
} | tee "$out/table.md"
echo "wrote $out" >&2
