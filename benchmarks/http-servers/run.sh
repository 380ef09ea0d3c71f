#!/usr/bin/env bash
# HTTP server shoot-out for ml-serve: Helidon SE 4, Netty 4.2, Vert.x 5, Jetty 12.1.
# Builds this standalone project, then for each server: start (-Xmx256m), time to
# first response, warm-up, wrk at 1/16/64 connections on GET / and 16 on GET /block,
# RSS, stop; then an h2c (prior-knowledge) check. Prints a markdown table.
# Env: SERVERS="helidon netty vertx jetty"  ROUNDS=1  DURATION=10s  WARMUP=5s  PORT=8090
#      QUIET_MAX=10  QUIET_WAIT=300  RETRIES=3 (see wait_quiet / measure below)
# With ROUNDS>1 the servers are run round-robin and each cell is the median over rounds.
# "other CPU %": the most, over rounds, of the machine's CPU used by processes other than
# the server and wrk during that measurement (noise indicator; should be ~0).
# "server CPU µs/req": the server process's user+sys CPU time divided by requests served
# (from /proc/PID/stat); less sensitive to other load than req/s and latency.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)

if [ -f ../../scripts/jdk25.sh ]; then
  # shellcheck disable=SC1091
  source ../../scripts/jdk25.sh && prism_select_jdk25
fi
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl not found" >&2; exit 1; }

SERVERS=${SERVERS:-"helidon netty vertx jetty"}
ROUNDS=${ROUNDS:-1}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
PORT=${PORT:-8090}
QUIET_MAX=${QUIET_MAX:-10}     # % of the machine other processes may use during a measurement
QUIET_WAIT=${QUIET_WAIT:-300}  # s to wait for a quiet machine before each measurement
RETRIES=${RETRIES:-3}          # tries per measurement when other processes were busy
OUTDIR="$HERE/target/results"
rm -rf "$OUTDIR" && mkdir -p "$OUTDIR"

echo "building..." >&2
{ mvn -q -B package && mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/cp.txt; } \
  >"$OUTDIR/build.log" 2>&1 || { cat "$OUTDIR/build.log" >&2; exit 1; }
CP="target/classes:$(cat target/cp.txt)"
JAVA_FLAGS=(-Xmx256m --enable-native-access=ALL-UNNAMED)

main_class() {
  case "$1" in
    helidon) echo dev.prism.bench.http.HelidonServer ;;
    netty) echo dev.prism.bench.http.NettyServer ;;
    vertx) echo dev.prism.bench.http.VertxServer ;;
    jetty) echo dev.prism.bench.http.JettyServer ;;
    *) echo "unknown server $1" >&2; exit 1 ;;
  esac
}

PID=""
stop_server() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
  fi
}
trap stop_server EXIT

# start_server NAME [extra java flags...]: sets PID and STARTUP_MS (launch -> first 200).
start_server() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  java "${JAVA_FLAGS[@]}" "$@" -cp "$CP" "$(main_class "$name")" "$PORT" \
    >>"$OUTDIR/$name.log" 2>&1 &
  PID=$!
  for _ in $(seq 3000); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/" || true)" = 200 ]; then
      t1=$(date +%s%N)
      STARTUP_MS=$(( (t1 - t0) / 1000000 ))
      return 0
    fi
    kill -0 "$PID" 2>/dev/null || { echo "$name died, see $OUTDIR/$name.log" >&2; exit 1; }
    sleep 0.01
  done
  echo "$name did not answer in time" >&2; exit 1
}

# wrk latency ("17.00us", "1.2ms", "1.1s") -> microseconds
AWK_US='function us(v){ if (v ~ /us$/) return v+0; if (v ~ /ms$/) return v*1000; if (v ~ /m$/) return v*60e6; return v*1e6 }'

HZ=$(getconf CLK_TCK)
cpu_busy() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9}' /proc/stat; }          # jiffies, all cores
proc_cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }                      # utime+stime jiffies

# wait_quiet: waits (up to QUIET_WAIT s) until the machine's CPU use over 2 s is under
# QUIET_MAX % while the server is idle, so other processes do not skew the numbers.
wait_quiet() {
  local waited=0 b0 b1
  while [ "$waited" -lt "$QUIET_WAIT" ]; do
    b0=$(cpu_busy); sleep 2; b1=$(cpu_busy)
    if [ $(( (b1 - b0) * 100 / (2 * HZ * $(nproc)) )) -lt "$QUIET_MAX" ]; then return 0; fi
    waited=$((waited + 2))
  done
  echo "  machine not quiet after ${QUIET_WAIT}s, measuring anyway" >&2
}

# measure ROUND NAME ROUTE CONNS: wait_quiet + measure_once, retried (up to RETRIES times)
# while other processes took more than QUIET_MAX % of the machine; keeps the last attempt.
measure() {
  local attempt line
  for attempt in $(seq "$RETRIES"); do
    wait_quiet
    line=$(measure_once "$@")
    [ "$(cut -f9 <<<"$line")" -le "$QUIET_MAX" ] && break
    echo "  $2 $3 c$4: other processes used $(cut -f9 <<<"$line")% CPU, retrying" >&2
  done
  echo "$line" >>"$OUTDIR/raw.tsv"
}

# measure_once ROUND NAME ROUTE CONNS: runs wrk, prints "round server route conns rps p50us p99us errors other-cpu% server-cpu-us/req"
measure_once() {
  local round=$1 name=$2 route=$3 conns=$4 threads=2 out
  [ "$conns" -eq 1 ] && threads=1
  out="$OUTDIR/r$round-$name-${route//\//_}-c$conns.txt"
  local busy0 busy1 srv0 srv1 t0 t1 wrkcpu other
  busy0=$(cpu_busy); srv0=$(proc_cpu "$PID"); t0=$(date +%s%N)
  TIMEFORMAT='%U %S'
  { time wrk --latency -t"$threads" -c"$conns" -d"$DURATION" "http://127.0.0.1:$PORT$route" >"$out"; } 2>"$out.time"
  busy1=$(cpu_busy); srv1=$(proc_cpu "$PID"); t1=$(date +%s%N)
  wrkcpu=$(awk -v hz="$HZ" '{printf "%d", ($1+$2)*hz}' "$out.time")
  # CPU used by anything other than this server and wrk, in % of the whole machine
  other=$(awk -v b="$(( busy1 - busy0 ))" -v s="$(( srv1 - srv0 ))" -v w="$wrkcpu" -v ns="$(( t1 - t0 ))" \
    -v hz="$HZ" -v n="$(nproc)" 'BEGIN {o=(b-s-w)/(ns/1e9*hz*n)*100; if (o<0) o=0; printf "%.0f", o}')
  awk -v r="$round" -v s="$name" -v rt="$route" -v c="$conns" -v o="$other" \
    -v sj="$(( srv1 - srv0 ))" -v hz="$HZ" "$AWK_US"'
    / requests in / {n=$1}
    /^Requests\/sec:/ {rps=$2}
    $1=="50%" {p50=us($2)} $1=="99%" {p99=us($2)}
    /Non-2xx/ {err+=$NF}
    /Socket errors/ {gsub(/,/,""); err+=$4+$6+$8+$10}
    END {printf "%s\t%s\t%s\t%s\t%.0f\t%.0f\t%.0f\t%d\t%s\t%.1f\n", r, s, rt, c, rps, p50, p99, err, o,
         (n > 0 ? sj / hz * 1e6 / n : 0)}' \
    "$out"
}

LOAD_BEFORE=$(uptime | sed 's/.*load/load/')
echo "$LOAD_BEFORE" >&2
for round in $(seq "$ROUNDS"); do
  for s in $SERVERS; do
    echo "== round $round: $s" >&2
    start_server "$s"
    wrk -t1 -c16 -d"$WARMUP" "http://127.0.0.1:$PORT/" >/dev/null
    measure "$round" "$s" / 1
    measure "$round" "$s" / 16
    measure "$round" "$s" / 64
    measure "$round" "$s" /block 16
    rss=$(awk '/^VmRSS:/ {printf "%d", $2/1024}' "/proc/$PID/status")
    printf '%s\t%s\t%s\t%s\n' "$round" "$s" "$STARTUP_MS" "$rss" >>"$OUTDIR/proc.tsv"
    stop_server
    sleep 1
  done
done

H2C=()
for s in $SERVERS; do
  extra=(); [ "$s" = netty ] && extra=(-Dh2c=true)   # Netty's h2c handlers are opt-in
  start_server "$s" "${extra[@]}"
  v=$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_version} %{http_code}' "http://127.0.0.1:$PORT/" || true)
  H2C+=("- $s: h2c prior knowledge on the HTTP/1.1 port -> HTTP/${v:-fail}${extra[*]:+ (needs ${extra[*]})}")
  stop_server
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.0f\n", (a[NR/2]+a[NR/2+1])/2}'; }
fmt_us() { awk '{ if ($1 < 1000) printf "%dus", $1; else printf "%.2fms", $1/1000 }'; }
col() { awk -F'\t' -v s="$1" -v r="$2" -v c="$3" -v k="$4" '$2==s && $3==r && $4==c {print $k}' "$OUTDIR/raw.tsv"; }

{
  echo "Date: $(date -u +%Y-%m-%d), $(nproc) cores, $(java -version 2>&1 | head -1), wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}'), rounds: $ROUNDS x $DURATION (median; req/s range in brackets when rounds > 1)"
  echo "Load before: $LOAD_BEFORE; after: $(uptime | sed 's/.*load/load/')"
  echo
  echo "| server | route | conns | req/s | p50 | p99 | server CPU µs/req | errors | RSS after run | other CPU % |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for s in $SERVERS; do
    for rc in "/ 1" "/ 16" "/ 64" "/block 16"; do
      set -- $rc
      rps=$(col "$s" "$1" "$2" 5 | median)
      range=""
      [ "$ROUNDS" -gt 1 ] && range=" [$(col "$s" "$1" "$2" 5 | sort -n | head -1)-$(col "$s" "$1" "$2" 5 | sort -n | tail -1)]"
      p50=$(col "$s" "$1" "$2" 6 | median | fmt_us)
      p99=$(col "$s" "$1" "$2" 7 | median | fmt_us)
      errs=$(col "$s" "$1" "$2" 8 | awk '{t+=$1} END {print t+0}')
      rss=""
      [ "$1" = /block ] && rss="$(awk -F'\t' -v s="$s" '$2==s {print $4}' "$OUTDIR/proc.tsv" | median) MiB"
      other=$(col "$s" "$1" "$2" 9 | sort -n | tail -1)
      cpu=$(col "$s" "$1" "$2" 10 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
      echo "| $s | GET $1 | $2 | $rps$range | $p50 | $p99 | $cpu | $errs | $rss | $other |"
    done
  done
  echo
  echo "| server | JVM start to first 200 (ms, per round) |"
  echo "|---|---|"
  for s in $SERVERS; do
    echo "| $s | $(awk -F'\t' -v s="$s" '$2==s {printf "%s%s", sep, $3; sep=", "}' "$OUTDIR/proc.tsv") |"
  done
  echo
  printf '%s\n' "${H2C[@]}"
} | tee "$OUTDIR/table.md"
