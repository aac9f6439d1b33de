#!/usr/bin/env bash
# /upload-signature throughput of two builds of vod-upload-service, alternated, one right
# after the other (the machine is shared: only alternated runs compare), on loopback only,
# bounded in time (ROUNDS x 2 x 8 s). Prints each run's requests/s, then the medians and
# their ratio. The services log (at their default level) to a file, as a deployment would.
# Needs wrk.
#
#   cargo build --release -p vod-upload-service            # the new build: target/release/
#   git worktree add /tmp/old OLD_COMMIT && (cd /tmp/old && CARGO_TARGET_DIR=/tmp/old-target \
#       cargo build --release -p vod-upload-service)
#   service/signature-ab.sh /tmp/old-target/release/vod-upload-service target/release/vod-upload-service [ROUNDS]
set -euo pipefail
old=$(realpath "$1") new=$(realpath "$2") rounds=${3:-5}
command -v wrk >/dev/null || { echo "signature-ab: needs wrk" >&2; exit 2; }
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" # the service's default SQLite file lands here

one() {
    local binary=$1 port=18095
    TENCENTCLOUD_SECRET_ID=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE \
    TENCENTCLOUD_SECRET_KEY=Gu5t9xGARNpq86cd98joQYCN3EXAMPLE \
    VOD_UPLOAD_TOKENS=ab-token:ab VOD_SIGNATURES_PER_MINUTE=0 \
        "$binary" --listen 127.0.0.1:$port 2>>"$work/service.log" &
    pid=$!
    for _ in $(seq 100); do
        wrk -t1 -c1 -d1s -H 'Authorization: Bearer ab-token' http://127.0.0.1:$port/upload-signature >/dev/null 2>&1 && break
        sleep 0.1
    done
    wrk -t2 -c64 -d8s -H 'Authorization: Bearer ab-token' http://127.0.0.1:$port/upload-signature |
        awk '/Requests\/sec/ {print $2}'
    kill -TERM $pid
    wait $pid || true
    pid=
}

declare -a olds news
for round in $(seq "$rounds"); do
    olds+=("$(one "$old")")
    news+=("$(one "$new")")
    echo "round $round: old ${olds[-1]} req/s, new ${news[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mo=$(median "${olds[@]}") mn=$(median "${news[@]}")
echo "median: old $mo req/s, new $mn req/s, new/old $(awk "BEGIN {printf \"%.3f\", $mn / $mo}")"
