#!/usr/bin/env bash
# Transcode cost: CPU seconds per minute of 720p30 input for the default ladder (720p 2.5M, 480p 1M,
# 360p 600k, AAC 96k, x264 veryfast zerolatency, 1 s keyframes), AirClass against ffmpeg doing the same
# ladder with the same x264 settings, one after the other in one run, both fed in real time (-re).
# Usage: bench/transcode_cost.sh [seconds=60]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
out=bench/out/transcode_cost
rm -rf "$out" && mkdir -p "$out"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_s() { awk '{print ($14+$15+$16+$17)/100}' "/proc/$1/stat"; }  # utime+stime (+children), seconds
input="$out/input.mp4"
ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc2=size=1280x720:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
  -t "$secs" -c:v libx264 -preset veryfast -g 30 -b:v 3M -pix_fmt yuv420p -c:a aac -b:a 128k "$input"

# AirClass
hp=$(free_port); rp=$(free_port); sp=$(free_port)
./build/airclass serve --data-dir "$out/data" --http.port "$hp" --rtmp.port "$rp" --srt.port "$sp" \
  --auth.secret bench --log.level warn >"$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$hp/healthz" >/dev/null && break; sleep 0.2; done
token=$(./build/airclass token --role teacher --room bench --user b --auth.secret bench)
before=$(cpu_s $server)
ffmpeg -hide_banner -loglevel error -re -i "$input" -c copy -f flv "rtmp://127.0.0.1:$rp/live/bench?token=$token"
sleep 2
after=$(cpu_s $server)
air=$(echo "$after - $before" | bc -l)
segs=$(curl -sf "http://127.0.0.1:$hp/hls/bench/360p/index.m3u8" | grep -c '^seg-' || true)
kill $server; wait $server || true

# ffmpeg, same ladder and x264 settings
x264="-c:v libx264 -preset veryfast -tune zerolatency -bf 0 -sc_threshold 0 -force_key_frames expr:gte(t,n_forced*1)"
/usr/bin/time -f "%U %S" -o "$out/ffmpeg.time" ffmpeg -hide_banner -loglevel error -re -i "$input" \
  -filter_complex "[0:v]split=3[a][b][c];[a]scale=-2:720[v720];[b]scale=-2:480[v480];[c]scale=-2:360[v360]" \
  -map "[v720]" $x264 -b:v 2500k -f null - -map "[v480]" $x264 -b:v 1000k -f null - \
  -map "[v360]" $x264 -b:v 600k -f null - -map 0:a -c:a aac -b:a 96k -f null -
ff=$(awk '{print $1+$2}' "$out/ffmpeg.time")
per_min() { echo "$1 * 60 / $secs" | bc -l; }
{
  printf 'input: %ss of 1280x720@30 H.264 + AAC; cores: %s\n' "$secs" "$(nproc)"
  printf 'airclass  CPU s per input minute: %.1f (%.2f cores)\n' "$(per_min $air)" "$(echo "$air / $secs" | bc -l)"
  printf 'ffmpeg    CPU s per input minute: %.1f (%.2f cores)\n' "$(per_min $ff)" "$(echo "$ff / $secs" | bc -l)"
  printf 'ratio airclass/ffmpeg = %.2f\n' "$(echo "$air / $ff" | bc -l)"
} | tee "$out/result.txt"
