#!/usr/bin/env bash
# WebRTC fan-out capacity: viewers of one 600 kbps H.264 stream per core, AirClass against Janus's streaming
# plugin, in one run. Each server is pinned to core 0 (taskset), the load client (build/bench/webrtc_load: DTLS
# handshake, SRTP unprotect and loss counting per viewer) and the stream feeders to core 1. For every step of the
# ladder the client ramps N viewers, waits for a warm-up, then measures a steady window: loss from sequence gaps,
# the server's CPU from /proc/<pid>/stat. A step holds with loss <= 0.5 %, an unsaturated core (<= 95 %), >= 99 %
# of the viewers receiving and >= 90 % of the bitrate each; BEYOND (1) more steps run after the first that does
# not. Then perf profiles AirClass at its highest load that held.
# Usage: bench/webrtc_fanout.sh [steps="100 250 500 1000 1500 2000 3000 4000 5000 6000"]
# Env: OUT=bench/out/webrtc_fanout  BUILD=build  MEASURE=15 (s)  WARMUP=5 (s)  RAMP=200 (viewers/s)  ONLY=airclass|janus  VERIFY=1 (unprotect
#      every Nth packet)  PACE=0 (ms between socket reads; 10 starved AirClass viewers, see docs)  JANUS_EVENT_LOOPS=1  PERF=1 (profile AirClass)  PRIO=-15 (nice, also of the session's autogroup)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-"100 250 500 1000 1500 2000 3000 4000 5000 6000"}
build=${BUILD:-build}
measure=${MEASURE:-15}
warmup=${WARMUP:-5}
ramp=${RAMP:-200}
verify=${VERIFY:-1}
pace=${PACE:-0}
only=${ONLY:-}
out=${OUT:-bench/out/webrtc_fanout}
# A full run starts clean; ONLY=<server> reruns one side and keeps the other's results (chart of both).
if [ -z "$only" ]; then rm -rf "$out"; fi
mkdir -p "$out"; rm -rf "$out/${only:-none}"* "$out/data"
client="$build/bench/webrtc_load"
[ -x "$client" ] || { echo "missing $client: cmake --build $build --target webrtc_load" >&2; exit 1; }
[ "$only" = janus ] || [ -x "$build/airclass" ] || { echo "missing $build/airclass" >&2; exit 1; }
[ "$only" = airclass ] || command -v janus >/dev/null || { echo "janus missing: scripts/setup.sh --bench" >&2; exit 1; }

free_port() {  # $1 = tcp|udp
  python3 -c "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=='udp' else socket.SOCK_STREAM); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])" "$1"
}
cpu_s() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }
pids=()
# The servers and the load client run at nice -15 so that other work on this shared machine (compilers) cannot
# starve them; the feeders run on core 1 with the client. Started with exec semantics so $! is the process.
prio=${PRIO:--15}
# With the kernel's autogroup scheduling (sched_autogroup_enabled=1, the default) a nice value only ranks threads
# within one session: against other sessions' compilers the server got a fair share of its core, ~20 %, and
# its output stalled at ~25k packets/s (docs/BENCHMARKS.md, "plateau"). So this session's autogroup gets the
# priority too while the bench runs, and its old nice value back on exit.
autogroup_nice=$(sed -n 's/.* nice //p' /proc/self/autogroup 2>/dev/null || true)
if [ -n "$autogroup_nice" ] && ! echo "$prio" 2>/dev/null >/proc/self/autogroup; then
  echo "warning: cannot set this session's autogroup nice to $prio (needs CAP_SYS_NICE): other sessions' work" \
    "on the server's core will take its CPU (see the plateau note in docs/BENCHMARKS.md)" >&2
  autogroup_nice=
fi
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ -n "$autogroup_nice" ]; then echo "$autogroup_nice" >/proc/self/autogroup 2>/dev/null || true; fi
}
trap cleanup EXIT
on_core1() { nice -n "$prio" taskset -c 1 "$@"; }

# The stream: 640x360@30, x264 baseline, 600 kbps CBR, 1 s GOP, SPS/PPS before every keyframe; looped.
input="$out/input.ts"
[ -s "$input" ] || ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc2=size=640x360:rate=30" -t 60 -c:v libx264 -preset veryfast \
  -profile:v baseline -tune zerolatency -b:v 600k -maxrate 600k -bufsize 600k -g 30 -x264-params repeat-headers=1 \
  -pix_fmt yuv420p "$input"

# idle_cpu PID: the server's CPU (ms per s) over 5 s with the stream flowing and no viewer.
idle_cpu() { local a b; a=$(cpu_s "$1"); sleep 5; b=$(cpu_s "$1"); echo "($b - $a) * 1000 / 5" | bc -l; }

# ladder NAME PID CLIENT_ARGS...: runs the steps against one server, one data line per step in $out/NAME.dat.
ladder() {
  local name=$1 pid=$2; shift 2
  local idle; idle=$(idle_cpu "$pid")
  printf '# viewers connected loss_pct server_cpu_ms_per_s net_ms_per_s_per_viewer client_cpu_pct kbps_per_viewer rcvbuf_errors connect_p95_ms receiving\n' >"$out/$name.dat"
  local beyond=${BEYOND:-1} failed=0
  echo "$name: idle CPU with the stream flowing: $(printf %.1f "$idle") ms/s" | tee -a "$out/summary.txt"
  for n in $steps; do
    local log="$out/$name-$n.log"
    on_core1 "$client" "$@" --viewers "$n" --ramp "$ramp" --warmup "$warmup" --measure "$measure" \
      --ramp-timeout $((n / ramp + 60)) --verify-every "$verify" --pace-ms "$pace" --server-pid "$pid" --label "$name" \
      >"$log" 2>&1 || true
    local r; r=$(grep '^RESULT' "$log" || true)
    if [ -z "$r" ]; then echo "$name $n: no result (see $log)" | tee -a "$out/summary.txt"; break; fi
    get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$r"; }
    local connected loss cpu ccpu kbps rcvbuf p95 net receiving
    connected=$(get connected); loss=$(get loss_pct); cpu=$(get server_cpu_ms_per_s); ccpu=$(get client_cpu_pct)
    kbps=$(get kbps_per_viewer); rcvbuf=$(get udp_rcvbuf_errors); p95=$(get connect_ms_p95)
    receiving=$(get receiving)
    net=$(echo "($cpu - $idle) / ($connected + ($connected == 0))" | bc -l)
    printf '%s %s %s %s %.4f %s %s %s %s %s\n' "$n" "$connected" "$loss" "$cpu" "$net" "$ccpu" "$kbps" "$rcvbuf" "$p95" "$receiving" >>"$out/$name.dat"
    printf '%-8s N=%-5s connected=%-5s receiving=%-5s loss=%6s%%  server CPU=%7s ms/s (%.2f ms/s per viewer net of idle)  client CPU=%5s%%  %s kbps/viewer  connect p95 %s ms\n' \
      "$name" "$n" "$connected" "$receiving" "$loss" "$cpu" "$net" "$ccpu" "$kbps" "$p95" | tee -a "$out/summary.txt"
    # Held: < 0.5 % loss, core not saturated, >= 99 % of the viewers connected and receiving at >= 90 % of the
    # stream's bitrate. After the first step that fails, BEYOND more steps show the knee.
    if (( $(echo "$loss > 0.5 || $cpu > 950 || $receiving < $n * 0.99 || $kbps < 540" | bc -l) )); then
      echo "$name: does not hold N=$n" | tee -a "$out/summary.txt"
      failed=$((failed + 1)); [ "$failed" -gt "$beyond" ] && break
    fi
    sleep 3  # the previous step's sessions are torn down
  done
}

# --- Janus 1.1.2, streaming plugin, RTP mountpoint on loopback -------------------------------------------------
run_janus() {
  local conf="$out/janus" http_port rtp_port
  mkdir -p "$conf"; conf=$(cd "$conf" && pwd)
  http_port=$(free_port tcp); rtp_port=$(free_port udp)
  local lib=/usr/lib/x86_64-linux-gnu/janus
  cat >"$conf/janus.jcfg" <<EOF
general: {
	configs_folder = "$conf"
	plugins_folder = "$lib/plugins"
	transports_folder = "$lib/transports"
	events_folder = "$lib/events"
	loggers_folder = "$lib/loggers"
	debug_level = 3
	event_loops = ${JANUS_EVENT_LOOPS:-1}
	session_timeout = 60
}
certificates: {}
media: {}
nat: { nice_debug = false ignore_mdns = true }
plugins: { disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_videoroom.so,libjanus_voicemail.so" }
transports: { disable = "libjanus_websockets.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so" }
loggers: { disable = "libjanus_jsonlog.so" }
events: { broadcast = false }
EOF
  cat >"$conf/janus.transport.http.jcfg" <<EOF
general: { json = "compact" base_path = "/janus" http = true port = $http_port ip = "127.0.0.1" https = false }
admin: { admin_http = false }
EOF
  cat >"$conf/janus.plugin.streaming.jcfg" <<EOF
general: { }
bench: {
	type = "rtp"
	id = 1
	description = "bench"
	media = (
		{ type = "video" mid = "v" port = $rtp_port iface = "127.0.0.1" pt = 96 codec = "h264" fmtp = "profile-level-id=42e01f;packetization-mode=1" }
	)
}
EOF
  nice -n "$prio" taskset -c 0 janus -F "$conf" -C "$conf/janus.jcfg" >"$out/janus.log" 2>&1 &
  local janus_pid=$!; pids+=("$janus_pid")
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$http_port/janus/info" >/dev/null && break; sleep 0.2; done
  nice -n "$prio" taskset -c 1 ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i "$input" -an -c:v copy -payload_type 96 \
    -f rtp "rtp://127.0.0.1:$rtp_port" >/dev/null 2>"$out/janus-feed.log" &
  local feed=$!; pids+=("$feed")
  sleep 3
  # libnice never gathers loopback candidates: Janus announces the host's own address, which the kernel
  # delivers over the loopback device too (nothing leaves the machine); the client binds the same address.
  local host_ip; host_ip=$(ip -4 -o addr show scope global | awk '{split($4,a,"/"); print a[1]; exit}')
  ladder janus "$janus_pid" --janus "http://127.0.0.1:$http_port" --mountpoint 1 --bind "$host_ip"
  kill "$feed" "$janus_pid" 2>/dev/null || true; wait "$feed" "$janus_pid" 2>/dev/null || true
}

# --- AirClass: RTMP in, no transcoded rungs (the source passes through), WHEP out --------------------------------
run_airclass() {
  local hp rp sp wp
  hp=$(free_port tcp); rp=$(free_port tcp); sp=$(free_port udp); wp=$(free_port udp)
  AIRCLASS_WEBRTC_WORKERS=1 nice -n "$prio" taskset -c 0 "$build/airclass" serve --data-dir "$out/data" --http.port "$hp" \
    --rtmp.port "$rp" --srt.port "$sp" --webrtc.port "$wp" --webrtc.candidates 127.0.0.1 \
    --transcode.ladder "" --auth.secret bench --log.level warn >"$out/airclass.log" 2>&1 &
  local server=$!; pids+=("$server")
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$hp/healthz" >/dev/null && break; sleep 0.2; done
  local teacher student
  teacher=$("$build/airclass" token --role teacher --room bench --user teacher --auth.secret bench)
  student=$("$build/airclass" token --role student --room bench --user load --ttl 2h --auth.secret bench)
  nice -n "$prio" taskset -c 1 ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i "$input" -an -c:v copy \
    -f flv "rtmp://127.0.0.1:$rp/live/bench?token=$teacher" >/dev/null 2>"$out/airclass-feed.log" &
  local feed=$!; pids+=("$feed")
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$hp/hls/bench/index.m3u8" >/dev/null && break; sleep 0.2; done
  sleep 2
  ladder airclass "$server" --whep "http://127.0.0.1:$hp" --room bench --token "$student"
  if [ "${PERF:-1}" = 1 ] && command -v perf >/dev/null; then
    # Profile at the highest load that held (< 0.5 % loss), or the last step run.
    local top; top=$(awk '!/^#/ && $3 <= 0.5 && $10 >= 0.99 * $1 && $7 >= 540 {n=$1} END {print n}' "$out/airclass.dat")
    [ -n "$top" ] || top=$(awk '!/^#/ {n=$1} END {print n}' "$out/airclass.dat")
    nice -n "$prio" taskset -c 1 "$client" --whep "http://127.0.0.1:$hp" --room bench --token "$student" --viewers "$top" \
      --ramp "$ramp" --warmup 25 --measure 10 --verify-every "$verify" --pace-ms "$pace" --server-pid "$server" \
      --label perf >"$out/airclass-perf-load.log" 2>&1 &
    local load=$!
    sleep $((top / ramp + 12))
    perf record -F 499 -g -p "$server" -o "$out/perf.data" -- sleep 15 >/dev/null 2>&1 || true
    wait "$load" || true
    perf report -i "$out/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^$' | cut -c1-100 | head -30 >"$out/perf_dso.txt" || true
    perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null | grep -v '^$' | cut -c1-140 | head -60 >"$out/perf_symbols.txt" || true
    echo "perf at N=$top: $out/perf_dso.txt, $out/perf_symbols.txt" | tee -a "$out/summary.txt"
  fi
  kill "$feed" "$server" 2>/dev/null || true; wait "$feed" "$server" 2>/dev/null || true
}

{
  echo "webrtc_fanout: $(date -u +%FT%TZ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
  echo "steps: $steps; ramp $ramp/s, warm-up ${warmup}s, window ${measure}s, SRTP verified on 1 in $verify packets, client reads every ${pace} ms"
} | tee -a "$out/summary.txt"
[ "$only" = airclass ] || run_janus
[ "$only" = janus ] || run_airclass

# CPU (% of the one server core) against viewers, both servers.
if command -v gnuplot >/dev/null; then
  plots=()
  [ -s "$out/airclass.dat" ] && plots+=("'$out/airclass.dat' using 1:(\$4/10) with linespoints lw 2 pt 7 title 'AirClass'")
  [ -s "$out/janus.dat" ] && plots+=("'$out/janus.dat' using 1:(\$4/10) with linespoints lw 2 pt 5 title 'Janus 1.1.2 (streaming plugin)'")
  if [ ${#plots[@]} -gt 0 ]; then
    gnuplot <<EOF
set terminal pngcairo size 900,540 font 'DejaVu Sans,11'
set output 'docs/webrtc_fanout_cpu.png'
set title 'WebRTC fan-out of one 600 kbps H.264 stream: server CPU on its one pinned core'
set xlabel 'viewers (DTLS + SRTP each)'
set ylabel 'server CPU (% of one core)'
set yrange [0:110]
set key left top
set grid
plot $(IFS=,; echo "${plots[*]}")
EOF
    echo "chart: docs/webrtc_fanout_cpu.png" | tee -a "$out/summary.txt"
  fi
fi
