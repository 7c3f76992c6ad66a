#!/usr/bin/env bash
# Signaling load: N websocket students (bench/signaling_load, one epoll thread) against a fresh `airclass serve`
# per scenario, all on this machine's 2 shared cores (server and client compete for them):
#   storm      N students joining 100 rooms as fast as they can: joins/s accepted with auth
#   idle       N students in one room, held idle (pinging every 10 s): server RSS / N
#   broadcast  N students in one room, 5 Q&A questions: delivery latency of each to every student
#   statslag   an admin subscribed to stats while N students join 100 rooms at 10,000 joins/s: count lag
# File descriptors: the server and the client each hold N sockets. The soft limit is raised to the hard one
# (ulimit -n); this container's hard limit is 20000 and it lacks CAP_SYS_RESOURCE, so N defaults to 19000 (set
# fs.nr_open and `ulimit -Hn` higher where you can to run 100k). lws sizes its per-fd tables (pollfds and the
# fd -> wsi lookup) from the process limit at context creation: 16 bytes x the limit, allocated once.
# PERF=1 records `perf record -g` on the server for each scenario (perf-<mode>.txt: the top of the report).
# Usage: bench/signaling_load.sh [N=19000]     (BUILD=build-dir, default build; MODES="idle broadcast" runs a subset)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-19000}
build=${BUILD:-build}
out=bench/out/signaling_load
rm -rf "$out" && mkdir -p "$out"
ulimit -n "$(ulimit -Hn)"
secret="bench-$RANDOM-$RANDOM"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

server=""
start_server() {  # $1: scenario name
  hp=$(free_port)
  "$build/airclass" serve --data-dir "$out/data-$1" --http.host 127.0.0.1 --http.port "$hp" \
    --rtmp.host 127.0.0.1 --rtmp.port "$(free_port)" --srt.host 127.0.0.1 --srt.port "$(free_port)" \
    --webrtc.port "$(free_port)" --auth.secret "$secret" --log.level warn \
    --signaling.questions_per_minute 1000 >"$out/server-$1.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$hp/healthz" >/dev/null && break; sleep 0.1; done
  if [ "${PERF:-0}" = 1 ]; then
    perf record -g -F 499 -p "$server" -o "$out/perf-$1.data" >/dev/null 2>&1 &
    perf_pid=$!
  fi
}
stop_server() {  # $1: scenario name
  if [ "${PERF:-0}" = 1 ]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    perf report -i "$out/perf-$1.data" --stdio --no-children --percent-limit 1.5 2>/dev/null | head -150 >"$out/perf-$1.txt" || true
    rm -f "$out/perf-$1.data"
  fi
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}
trap '[ -n "$server" ] && kill "$server" 2>/dev/null || true' EXIT

modes=${MODES:-storm idle broadcast statslag}
wanted() { [[ " $modes " == *" $1 "* ]]; }
load() { "$build/bench/signaling_load" --port "$hp" --secret "$secret" --n "$n" --addrs 64 --out "$out" "$@"; }

if wanted storm; then
  start_server storm
  load --mode storm --rooms 100 --inflight 512 --timeout 120 | tee -a "$out/summary.jsonl"
  stop_server storm
fi

if wanted idle; then
  start_server idle
  load --mode idle --rooms 1 --inflight 512 --hold 15 --pid "$server" --timeout 120 | tee -a "$out/summary.jsonl"
  stop_server idle
fi

if wanted broadcast; then
  start_server broadcast
  load --mode broadcast --rooms 1 --inflight 512 --questions 5 --question-interval-ms 3000 --timeout 120 \
    | tee -a "$out/summary.jsonl"
  stop_server broadcast
fi

if wanted statslag; then
  start_server statslag
  load --mode statslag --rooms 100 --rate 10000 --inflight 2048 --timeout 120 | tee -a "$out/summary.jsonl"
  stop_server statslag
fi

# The broadcast delivery latency distribution (CDF).
if command -v gnuplot >/dev/null && [ -s "$out/broadcast_latency.txt" ]; then
  sort -g "$out/broadcast_latency.txt" | awk -v total="$(wc -l <"$out/broadcast_latency.txt")" '{print $1, NR/total}' \
    >"$out/broadcast_cdf.dat"
  gnuplot <<EOF
set terminal pngcairo size 900,520 font ",11"
set output "docs/signaling_broadcast_latency.png"
set title "Q&A event to $n students in one room: delivery latency (5 events, server + client on 2 shared cores)"
set xlabel "delivery latency (ms, send stamp -> receipt at the student)"
set ylabel "fraction of deliveries"
set grid
set key bottom right
set yrange [0:1]
plot "$out/broadcast_cdf.dat" using 1:2 with lines lw 2 title "CDF"
EOF
fi
echo "results: $out/summary.jsonl"
