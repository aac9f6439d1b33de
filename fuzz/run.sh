#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), two at a time, on the nightly
# toolchain with cargo-fuzz (libFuzzer + AddressSanitizer, leak detection on). Corpora are
# seeded from the known-answer vectors in tests/vectors/. Prints one summary line per target.
#
#   fuzz/run.sh 600
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=(decode_str verify_str decode_base64_bytes sign_roundtrip parse_event)

# Seeds: every vector's signature (and its raw payload for the Base64-wrapping target).
python3 - <<'PY'
import base64, glob, hashlib, json, os
signatures = []
for path in glob.glob("../tests/vectors/*.json"):
    for entry in json.load(open(path, encoding="utf-8")):
        signatures.append(entry["signature"])
for target in ("decode_str", "verify_str", "decode_base64_bytes", "sign_roundtrip"):
    os.makedirs(f"corpus/{target}", exist_ok=True)
for signature in signatures:
    name = hashlib.sha1(signature.encode()).hexdigest()
    for target in ("decode_str", "verify_str"):
        open(f"corpus/{target}/{name}", "w", encoding="utf-8").write(signature)
    try:
        payload = base64.b64decode(signature, validate=True)
    except Exception:
        continue
    open(f"corpus/decode_base64_bytes/{name}", "wb").write(payload)
    open(f"corpus/sign_roundtrip/{name}", "wb").write(payload)
PY

cargo +nightly fuzz build -O
mkdir -p logs
run() {
    local target=$1
    local status=0
    cargo +nightly fuzz run -O "$target" -- -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 >"logs/$target.log" 2>&1 || status=$?
    local runs
    runs=$(grep -E '^stat::number_of_executed_units' "logs/$target.log" | awk '{print $2}')
    echo "$target: exit $status, ${runs:-?} executions in ${seconds}s (log: fuzz/logs/$target.log)"
    return $status
}
status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" & first=$!
    if ((i + 1 < ${#targets[@]})); then run "${targets[i + 1]}" & second=$!; else second=; fi
    wait "$first" || status=1
    if [[ -n $second ]]; then wait "$second" || status=1; fi
done
exit $status
