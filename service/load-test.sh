#!/usr/bin/env bash
# Load and fault test of vod-upload-service, on loopback only, bounded in time (about a
# minute), stopping by itself: wrk load with error counts and memory before and after, 200
# slow clients, an oversized header and body, then SIGTERM under load. Needs wrk
# (apt-get install wrk), curl and python3. Not part of CI; HACKING.md has its last figures.
#
#   service/load-test.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "load-test: needs $tool" >&2; exit 2; }
done

port=${1:-18080}
address=127.0.0.1:$port
url=http://$address/upload-signature
token="Authorization: Bearer load-token"
log=$(mktemp)

cargo build --release --quiet -p vod-upload-service
TENCENTCLOUD_SECRET_ID=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE \
TENCENTCLOUD_SECRET_KEY=Gu5t9xGARNpq86cd98joQYCN3EXAMPLE \
VOD_UPLOAD_TOKENS=load-token:loader \
    target/release/vod-upload-service --listen "$address" 2>"$log" &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do
    curl -s -o /dev/null -H "$token" "$url" && break
    sleep 0.1
done

rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
wrk_errors() {
    # wrk prints these lines only when there are such errors.
    local non2xx socket
    non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$1")
    socket=$(awk -F'[ ,]+' '/Socket errors/ {print $4 + $6 + $8 + $10}' "$1")
    echo "$(( ${non2xx:-0} + ${socket:-0} ))"
}

echo "== warm-up: wrk -t2 -c64 -d3s"
wrk -t2 -c64 -d3s -H "$token" "$url" >/dev/null
warm=$(rss)

echo "== load: wrk -t2 -c64 -d10s"
out=$(mktemp)
wrk -t2 -c64 -d10s --latency -H "$token" "$url" | tee "$out" | grep -E 'Requests/sec|Latency  |50%|99%'
after=$(rss)
echo "errors: $(wrk_errors "$out"); RSS warm ${warm} KiB, after ${after} KiB ($(python3 -c "print(round($after / $warm, 2))")x)"

echo "== 200 slow clients (half a request line, then nothing)"
python3 - "$port" "$url" <<'PY'
import socket, subprocess, sys, time
port, url = int(sys.argv[1]), sys.argv[2]
clients = []
for _ in range(200):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /upload-sig")
    clients.append(s)
start = time.monotonic()
code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                       "Authorization: Bearer load-token", url],
                      capture_output=True, text=True).stdout
print(f"a normal request meanwhile: {code} in {time.monotonic() - start:.3f} s")
for s in clients:
    s.setblocking(False)
open_ = set(range(len(clients)))
while open_ and time.monotonic() - start < 15:
    for i in list(open_):
        try:
            if clients[i].recv(1) == b"":
                open_.discard(i)
        except BlockingIOError:
            pass
        except OSError:
            open_.discard(i)
    time.sleep(0.1)
print(f"dropped: {200 - len(open_)} of 200 within {time.monotonic() - start:.1f} s")
PY

echo "== oversized requests"
header=$(python3 -c "print('a' * 65536)")
echo "64 KiB header: $(status -H "$token" -H "X-Padding: $header" "$url")"
body=$(mktemp)
head -c $((8 << 20)) /dev/zero >"$body"
echo "8 MiB event body: $(status -X POST --data-binary @"$body" http://$address/vod/events)"
rm -f "$body"
echo "still minting: $(status -H "$token" "$url")"

echo "== SIGTERM under load"
wrk -t2 -c64 -d10s -H "$token" "$url" >"$out" 2>&1 &
load=$!
sleep 2
start=$(date +%s.%N)
kill -TERM $pid
code=0
wait $pid || code=$?
echo "exit status $code after $(python3 -c "print(round($(date +%s.%N) - $start, 3))") s"
trap 'rm -f "$log"' EXIT
wait $load || true
tail -n 2 "$log"
rm -f "$out"
