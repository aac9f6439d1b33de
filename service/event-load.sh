#!/usr/bin/env bash
# Event ingestion under load, on loopback only, bounded in time (about 30 s an engine): wrk
# posts signed NewFileUpload callbacks, each with a FileId of its own, to vod-upload-service,
# which confirms each with DescribeMediaInfos (here a Python stand-in for the VOD API that
# knows every FileId and checks no signature: it measures the service, not Tencent) and
# commits it durably (SQLite: WAL, synchronous=FULL; PostgreSQL: its default
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
api=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "$api" ] && kill $api 2>/dev/null; rm -rf "$work"' EXIT

# The stand-in VOD API: every FileId exists and was uploaded by the run's user.
cat >"$work/api.py" <<'PY'
import json, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
CONTEXT = json.dumps({"userId": os.environ["LOAD_USER"]}, separators=(",", ":"))
class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        infos = [{"FileId": file_id, "BasicInfo": {"Name": "load", "SourceInfo": {
            "SourceType": "Upload", "SourceContext": CONTEXT}}, "MetaData": {}}
            for file_id in request.get("FileIds", [])]
        body = json.dumps({"Response": {"MediaInfoSet": infos, "NotExistFileIdSet": [],
            "RequestId": "load"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", 18091), Api).serve_forever()
PY
python3 "$work/api.py" &
api=$!
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
    -- One Sign for the run: MD5(SignKey + T), computed by the shell (lua has no MD5).
    sign = os.getenv("LOAD_SIGN")
    t = os.getenv("LOAD_T")
end
function request()
    counter = counter + 1
    local file = string.format("%s%d%09d", run, id, counter)
    local body = '{"EventType":"NewFileUpload","FileUploadEvent":{"FileId":"' .. file ..
        '","MediaBasicInfo":{"Name":"load","SourceInfo":{"SourceType":"Upload",' ..
        '"SourceContext":"{\\"userId\\":\\"' .. user .. '\\"}"}},"ProcedureTaskId":""},' ..
        '"Sign":"' .. sign .. '","T":' .. t .. '}'
    return wrk.format("POST", "/vod/events", {["Content-Type"] = "application/json"}, body)
end
LUA

sign_key=LoadTestSignKey
export LOAD_T=$(( $(date +%s) + 3600 ))
export LOAD_SIGN=$(printf '%s%s' "$sign_key" "$LOAD_T" | md5sum | cut -d' ' -f1)

run() {
    local engine=$1 url=$2 port=18090
    TENCENTCLOUD_SECRET_ID=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE \
    TENCENTCLOUD_SECRET_KEY=Gu5t9xGARNpq86cd98joQYCN3EXAMPLE \
    VOD_UPLOAD_TOKENS=load-token:$LOAD_USER VOD_DATABASE_URL=$url \
    VOD_EVENT_SIGN_KEY=$sign_key VOD_API_ENDPOINT=http://127.0.0.1:18091 \
        target/release/vod-upload-service --listen 127.0.0.1:$port 2>"$work/$engine.log" &
    pid=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null http://127.0.0.1:$port/uploads && break
        sleep 0.1
    done
    echo "== $engine: wrk -t2 -c32 -d15s POST /vod/events"
    wrk -t2 -c32 -d15s --latency -s "$work/events.lua" http://127.0.0.1:$port/ | tee "$work/$engine.out" |
        grep -E 'Requests/sec|Latency  |50%|99%|Non-2xx|Socket errors' || true
    grep -m3 'request refused' "$work/$engine.log" || true
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
