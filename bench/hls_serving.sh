#!/usr/bin/env bash
# HLS serving throughput: AirClass (segments from memory, via libwebsockets) against nginx serving the very
# same playlist and segment bytes from disk, side by side in one run, with wrk on loopback.
# Usage: bench/hls_serving.sh [seconds=10] [connections=64]
# Needs: build/airclass, nginx, wrk (scripts/setup.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-64}
out=bench/out/hls_serving
rm -rf "$out" && mkdir -p "$out/www/hls/demo"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hp=$(free_port); rp=$(free_port); sp=$(free_port); np=$(free_port)

./build/airclass serve --demo --data-dir "$out/data" --http.port "$hp" --rtmp.port "$rp" --srt.port "$sp" \
  --auth.secret bench-secret --log.level warn >"$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; [ -f "$out/nginx.pid" ] && kill "$(cat "$out/nginx.pid")" 2>/dev/null; true' EXIT
base="http://127.0.0.1:$hp/hls/demo"
for _ in $(seq 60); do curl -sf "$base/360p/index.m3u8" -o /dev/null && break; sleep 0.5; done
sleep 4
playlist=$(curl -sf "$base/360p/index.m3u8")
seg=$(printf '%s\n' "$playlist" | grep -E '^seg-[0-9]+\.m4s' | tail -n 2 | head -n 1)
mkdir -p "$out/www/hls/demo/360p"
curl -sf "$base/360p/$seg" -o "$out/www/hls/demo/360p/$seg"
printf '%s\n' "$playlist" >"$out/www/hls/demo/360p/index.m3u8"
seg_bytes=$(stat -c %s "$out/www/hls/demo/360p/$seg")

cat >"$out/nginx.conf" <<NGX
worker_processes 1;
pid $PWD/$out/nginx.pid;
error_log $PWD/$out/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { application/vnd.apple.mpegurl m3u8; video/mp4 m4s; }
  server {
    listen 127.0.0.1:$np;
    root $PWD/$out/www;
    location /hls/ { add_header Cache-Control "no-cache"; add_header Access-Control-Allow-Origin *; }
  }
}
NGX
nginx -c "$PWD/$out/nginx.conf"
sleep 0.5

run() {  # name url
  wrk -t1 -c"$conns" -d"${secs}s" --latency "$2" >"$out/$1.txt"
  awk -v n="$1" '/Requests\/sec/ {print n, $2}' "$out/$1.txt"
}
{
  echo "# HLS serving, wrk -t1 -c$conns -d${secs}s, segment $seg_bytes bytes ($(nproc) cores: server, nginx (1 worker) and wrk share them)"
  run airclass_playlist "$base/360p/index.m3u8"
  run nginx_playlist "http://127.0.0.1:$np/hls/demo/360p/index.m3u8"
  run airclass_segment "$base/360p/$seg"
  run nginx_segment "http://127.0.0.1:$np/hls/demo/360p/$seg"
} | tee "$out/result.txt"
awk '/^airclass_playlist/{a=$2} /^nginx_playlist/{b=$2} /^airclass_segment/{c=$2} /^nginx_segment/{d=$2}
     END {printf "ratio playlist airclass/nginx = %.2f, segment airclass/nginx = %.2f\n", a/b, c/d}' \
  "$out/result.txt" | tee -a "$out/result.txt"
