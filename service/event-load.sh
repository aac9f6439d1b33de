#!/usr/bin/env bash
# Event ingestion under load, on loopback only, bounded in time (about 30 s an engine): wrk
# posts NewFileUpload callbacks, each with a FileId of its own, to vod-upload-service, whose
# store commits each one durably (SQLite: WAL, synchronous=FULL; PostgreSQL: its default
# synchronous_commit=on) before answering 200. Prints events/s and the errors, then checks
# that the store holds as many uploads as wrk saw answered. Needs wrk, curl, python3.
#
#   service/event-load.sh [POSTGRES_URL]     # SQLite always; PostgreSQL when a URL is given
#
# PERFORMANCE.md has its last figures. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "event-load: needs $tool" >&2; exit 2; }
done
cargo build --release --quiet -p vod-upload-service

# A user of its own per run, so that a shared PostgreSQL database counts only this run.
export LOAD_USER=loader-$$
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$work"' EXIT
cat >"$work/events.lua" <<'LUA'
-- Each request a new upload: FileId = run, thread and counter, all digits.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("id", threads)
end
function init(args)
    counter = 0
    run = tostring(os.time() % 100000)
    user = os.getenv("LOAD_USER")
end
function request()
    counter = counter + 1
    local file = string.format("%s%d%09d", run, id, counter)
    local body = '{"EventType":"NewFileUpload","FileUploadEvent":{"FileId":"' .. file ..
        '","MediaBasicInfo":{"Name":"load","SourceInfo":{"SourceType":"Upload",' ..
        '"SourceContext":"{\\"userId\\":\\"" .. user .. "\\"}"}},"ProcedureTaskId":""}}'
    return wrk.format("POST", "/vod/events", {["Content-Type"] = "application/json"}, body)
end
LUA

run() {
    local engine=$1 url=$2 port=18090
    TENCENTCLOUD_SECRET_ID=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE \
    TENCENTCLOUD_SECRET_KEY=Gu5t9xGARNpq86cd98joQYCN3EXAMPLE \
    VOD_UPLOAD_TOKENS=load-token:$LOAD_USER VOD_DATABASE_URL=$url \
        target/release/vod-upload-service --listen 127.0.0.1:$port 2>"$work/$engine.log" &
    pid=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null http://127.0.0.1:$port/uploads && break
        sleep 0.1
    done
    echo "== $engine: wrk -t2 -c32 -d15s POST /vod/events"
    wrk -t2 -c32 -d15s --latency -s "$work/events.lua" http://127.0.0.1:$port/ | tee "$work/$engine.out" |
        grep -E 'Requests/sec|Latency  |50%|99%|Non-2xx|Socket errors' || true
    local answered
    answered=$(awk '/requests in/ {print $1}' "$work/$engine.out")
    echo "store check: $(python3 - "$port" <<'PY'
import json, sys, urllib.request
port, total, cursor = sys.argv[1], 0, None
while True:
    url = f"http://127.0.0.1:{port}/uploads?limit=100" + (f"&cursor={cursor}" if cursor else "")
    request = urllib.request.Request(url, headers={"Authorization": "Bearer load-token"})
    data = json.load(urllib.request.urlopen(request))["data"]
    total += len(data["uploads"])
    cursor = data["next"]
    if cursor is None:
        break
print(f"{total} uploads listed for the run's user")
PY
) (wrk counted $answered answers; those in flight when it stopped are committed but not counted)"
    kill -TERM $pid
    wait $pid || true
    pid=
}

run sqlite "sqlite://$work/load.db"
if [ $# -ge 1 ]; then
    run postgres "$1"
fi
