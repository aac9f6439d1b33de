//! Signing, decoding and verifying against the HMAC-SHA1 floor, without criterion.
//!
//! `cargo bench --bench sign` times every case: warm-up, then 15 samples of a calibrated
//! number of iterations each, reporting the median ns per iteration and half the spread of the
//! middle samples, in libtest's `test NAME ... bench: N ns/iter (+/- D)` shape, followed by
//! the ratios the crate is held to. Heap allocations per call are pinned in
//! `tests/allocations.rs`.
//!
//! Without `--bench` (as `cargo test --benches` runs it) each case runs a few times, untimed,
//! so CI checks that the bench works without spending time on it.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use tencent_vod_signature::{
    Credentials, TaskNotifyMode, Timestamp, UnverifiedSignature, UploadSignature,
};

const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
/// One character short of Tencent's 36: its plaintext's first block is not the same for
/// every signature, so the HMAC starts from the key's state instead of resuming after it.
const SHORT_SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPL";
const NOW: Timestamp = Timestamp::from_secs(1_700_000_000);
const LATER: Timestamp = Timestamp::from_secs(1_700_000_060);
const RANDOM: u32 = 3_141_592_653;
const SAMPLES: usize = 15;

fn typical() -> UploadSignature {
    UploadSignature::new()
        .procedure("QCVB_SimpleProcessFile(1, 1, 10, 10)")
        .class_id(1024)
        .one_time_valid(true)
        .source_context("user-42/upload?from=app")
}

fn all() -> UploadSignature {
    typical()
        .task_priority(5)
        .session_context("session-7f3a9c")
        .task_notify_mode(TaskNotifyMode::Change)
        .vod_sub_app_id(1_500_012_345)
        .storage_region("ap-chongqing")
}

/// A signature of `payload_len` bytes or fewer (MAC and plaintext) whose plaintext is the
/// required four and then as many distinct one- and two-character extra keys as fit, with
/// empty values, behind a MAC of zeros: the input that made decoding quadratic.
fn many_extras(payload_len: usize) -> String {
    use base64::Engine as _;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*";
    let mut plaintext =
        format!("secretId={SECRET_ID}&currentTimeStamp=1700000000&expireTime=1700086400&random=1");
    let keys = ALPHABET.iter().map(|&a| vec![a]).chain(
        ALPHABET
            .iter()
            .flat_map(|&a| ALPHABET.iter().map(move |&b| vec![a, b])),
    );
    for key in keys {
        if 20 + plaintext.len() + key.len() + 2 > payload_len {
            break;
        }
        plaintext.push('&');
        plaintext.push_str(std::str::from_utf8(&key).expect("ASCII"));
        plaintext.push('=');
    }
    let payload = [&[0u8; 20][..], plaintext.as_bytes()].concat();
    base64::engine::general_purpose::STANDARD.encode(payload)
}

/// One measured case: median and spread of ns per iteration.
struct Measure {
    median: f64,
    spread: f64,
}

fn report(name: &str, measure: &Measure) {
    println!(
        "test {name:<36} ... bench: {:>8} ns/iter (+/- {})",
        format_ns(measure.median),
        format_ns(measure.spread)
    );
}

fn format_ns(ns: f64) -> String {
    let whole = ns.round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Times `routine`, run `batch` times per call of `run_batch`.
fn measure(mut run_batch: impl FnMut(u64) -> Duration) -> Measure {
    // Calibrate: grow the batch until one takes at least 20 ms; this also warms up.
    let mut batch = 1u64;
    loop {
        let elapsed = run_batch(batch);
        if elapsed >= Duration::from_millis(20) {
            break;
        }
        batch = batch.saturating_mul(if elapsed < Duration::from_millis(2) {
            10
        } else {
            2
        });
    }
    let mut per_iter: Vec<f64> = (0..SAMPLES)
        .map(|_| run_batch(batch).as_nanos() as f64 / batch as f64)
        .collect();
    per_iter.sort_by(f64::total_cmp);
    let median = per_iter[SAMPLES / 2];
    // Half the interquartile-ish range (samples 4 and 11 of 15), robust to a noisy neighbour.
    let spread = (per_iter[SAMPLES * 3 / 4] - per_iter[SAMPLES / 4]) / 2.0;
    Measure { median, spread }
}

fn bench(name: &str, timed: bool, mut routine: impl FnMut()) -> Option<Measure> {
    if !selected(name) {
        return None;
    }
    if !timed {
        for _ in 0..3 {
            routine();
        }
        println!("test {name} ... ok (untimed)");
        return None;
    }
    let measure = measure(|batch| {
        let start = Instant::now();
        for _ in 0..batch {
            routine();
        }
        start.elapsed()
    });
    report(name, &measure);
    Some(measure)
}

/// Like libtest: `cargo bench --bench sign -- FILTER` runs the cases whose name contains FILTER.
fn selected(name: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    filters.is_empty() || filters.iter().any(|filter| name.contains(filter.as_str()))
}

fn main() {
    let timed = std::env::args().any(|arg| arg == "--bench");
    let credentials = Credentials::new(SECRET_ID, SECRET_KEY).expect("credentials");
    let short_id_credentials = Credentials::new(SHORT_SECRET_ID, SECRET_KEY).expect("credentials");
    let required_only = UploadSignature::new();
    let typical = typical();
    let all = all();

    let typical_signature = typical
        .sign_at(&credentials, NOW, RANDOM)
        .expect("signs")
        .into_string();
    let typical_plaintext = UnverifiedSignature::decode(&typical_signature)
        .expect("decodes")
        .untrusted_fields()
        .original()
        .to_owned();
    let keyed = Hmac::<Sha1>::new_from_slice(SECRET_KEY.as_bytes()).expect("any key length");

    if timed {
        println!(
            "typical plaintext: {} bytes; signature: {} bytes",
            typical_plaintext.len(),
            typical_signature.len()
        );
    }

    let hmac = bench("hmac_sha1/precomputed", timed, || {
        let mut mac = keyed.clone();
        mac.update(black_box(typical_plaintext.as_bytes()));
        black_box(mac.finalize().into_bytes());
    });
    let _ = bench("sign_at/required_only", timed, || {
        black_box(required_only.sign_at(&credentials, black_box(NOW), black_box(RANDOM)))
            .expect("signs");
    });
    let sign_at = bench("sign_at/typical", timed, || {
        black_box(typical.sign_at(&credentials, black_box(NOW), black_box(RANDOM))).expect("signs");
    });
    let _ = bench("sign_at/all", timed, || {
        black_box(all.sign_at(&credentials, black_box(NOW), black_box(RANDOM))).expect("signs");
    });
    let _ = bench("sign_at/typical/35_char_secret_id", timed, || {
        black_box(typical.sign_at(&short_id_credentials, black_box(NOW), black_box(RANDOM)))
            .expect("signs");
    });
    let sign = bench("sign/typical", timed, || {
        black_box(typical.sign(&credentials)).expect("signs");
    });
    let _ = bench("decode/typical", timed, || {
        black_box(UnverifiedSignature::decode(black_box(&typical_signature))).expect("decodes");
    });
    let verify = bench("verify_at/typical", timed, || {
        black_box(credentials.verify_at(black_box(&typical_signature), black_box(LATER)))
            .expect("verifies");
    });
    let short_id_signature = typical
        .sign_at(&short_id_credentials, NOW, RANDOM)
        .expect("signs")
        .into_string();
    let _ = bench("verify_at/typical/35_char_secret_id", timed, || {
        black_box(short_id_credentials.verify_at(black_box(&short_id_signature), black_box(LATER)))
            .expect("verifies");
    });
    let two_threads = on_two_threads("sign_at/typical/2_threads", timed, || {
        black_box(typical.sign_at(&credentials, black_box(NOW), black_box(RANDOM))).expect("signs");
    });
    let sign_two_threads = on_two_threads("sign/typical/2_threads", timed, || {
        black_box(typical.sign(&credentials)).expect("signs");
    });
    let draw = bench("draw_random", timed, || {
        black_box(credentials.draw_random()).expect("random");
    });
    let draw_contended = on_two_threads("draw_random/2_threads", timed, || {
        black_box(credentials.draw_random()).expect("random");
    });
    let extras = many_extras(24 * 1024 / 4 * 3);
    let half_extras = many_extras(12 * 1024 / 4 * 3);
    let decode_extras = |name: &str, signature: &str| {
        bench(name, timed, || {
            black_box(UnverifiedSignature::decode(black_box(signature))).expect("decodes");
        })
    };
    let many = decode_extras("decode/many_extras", &extras);
    let half = decode_extras("decode/many_extras/12KiB", &half_extras);
    if let (Some(many), Some(half)) = (many, half) {
        println!(
            "decode/many_extras: {} bytes, {} extra parameters; 24 KiB / 12 KiB: {:.2} (linear: 2)",
            extras.len(),
            UnverifiedSignature::decode(&extras).map_or(0, |d| d.untrusted_fields().extra().len()),
            many.median / half.median
        );
    }
    let oversized = "A".repeat(4 << 20);
    let _ = bench("decode/oversized_4MiB", timed, || {
        let _ = black_box(UnverifiedSignature::decode(black_box(&oversized)));
    });

    if let (Some(hmac), Some(sign_at), Some(sign), Some(verify), Some(two)) =
        (hmac, sign_at, sign, verify, two_threads)
    {
        let ratio = |name: &str, value: f64, target: f64| {
            let verdict = if value <= target { "ok" } else { "MISSED" };
            println!("ratio {name:<50} {value:.2} (target <= {target}) {verdict}");
        };
        ratio(
            "sign_at/typical / hmac_sha1/precomputed",
            sign_at.median / hmac.median,
            1.5,
        );
        ratio(
            "sign/typical / sign_at/typical",
            sign.median / sign_at.median,
            1.1,
        );
        ratio(
            "verify_at/typical / hmac_sha1/precomputed",
            verify.median / hmac.median,
            1.6,
        );
        ratio(
            "sign_at/typical/2_threads / sign_at/typical",
            two.median / sign_at.median,
            0.55,
        );
        if let (Some(draw), Some(contended), Some(sign_two)) =
            (draw, draw_contended, sign_two_threads)
        {
            println!(
                "draw_random: {:.1}% of sign/typical; two threads drawing nothing else: {:.0} ns a \
                 draw; sign/typical/2_threads vs sign_at/typical/2_threads: {:+.1}%",
                100.0 * draw.median / sign.median,
                contended.median,
                100.0 * (sign_two.median / two.median - 1.0)
            );
        }
    }
}

/// Both cores run `routine` with one shared `Credentials`; reported as ns per call of the
/// aggregate throughput (elapsed time / 2 per iteration).
fn on_two_threads(name: &str, timed: bool, routine: impl Fn() + Sync) -> Option<Measure> {
    if !selected(name) {
        return None;
    }
    let run = |batch: u64| {
        let start = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    for _ in 0..batch {
                        routine();
                    }
                });
            }
        });
        start.elapsed() / 2
    };
    if !timed {
        run(3);
        println!("test {name} ... ok (untimed)");
        return None;
    }
    let measure = measure(run);
    report(name, &measure);
    Some(measure)
}
