//! A forked child draws `random` from a fresh sequence instead of replaying its parent's.
//! Its own binary: it forks the test process (with the `fork` crate's safe wrapper).
#![cfg(all(unix, feature = "system"))]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use tencent_vod_signature::{Credentials, UploadSignature};

const SIGNATURES: usize = 2_000;

/// `(currentTimeStamp, random)` of `SIGNATURES` fresh signatures.
fn sign_many(credentials: &Credentials) -> Vec<(u64, u32)> {
    let builder = UploadSignature::new().one_time_valid(true);
    (0..SIGNATURES)
        .map(|_| {
            let signed = builder.sign(credentials).expect("signs");
            (signed.current_time_stamp(), signed.random())
        })
        .collect()
}

#[test]
fn a_forked_child_does_not_replay_its_parent() {
    let credentials = Credentials::new(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    )
    .expect("credentials");
    // The parent signs first: the sequence is seeded and this thread holds a block, both of
    // which the child inherits.
    let before = sign_many(&credentials);
    let (mut to_parent, from_child) = UnixStream::pair().expect("a socket pair");
    // The child only signs, writes to its socket and exits; the parent's other threads (the
    // test harness's) hold no lock the child takes.
    let pid = match fork::fork().expect("fork") {
        fork::Fork::Parent(pid) => pid,
        fork::Fork::Child => 0,
    };
    if pid == 0 {
        // The child: past the coarse-clock tick of the parent's last check, as documented.
        std::thread::sleep(Duration::from_millis(20));
        let stamps = sign_many(&credentials);
        let text: String = stamps
            .iter()
            .map(|(second, random)| format!("{second} {random}\n"))
            .collect();
        let status = i32::from(to_parent.write_all(text.as_bytes()).is_err());
        std::process::exit(status);
    }
    drop(to_parent);
    std::thread::sleep(Duration::from_millis(20));
    let parent = sign_many(&credentials);
    let child: Vec<(u64, u32)> = BufReader::new(from_child)
        .lines()
        .map(|line| {
            let line = line.expect("the child's line");
            let (second, random) = line.split_once(' ').expect("two numbers");
            (
                second.parse().expect("a second"),
                random.parse().expect("a random"),
            )
        })
        .collect();
    fork::waitpid(pid).expect("the child ends");
    // Every line arrived: the child wrote them all before it exited.
    assert_eq!(child.len(), SIGNATURES);
    // Whatever the seconds: a replay would give the same randoms in the same order.
    let ours: std::collections::HashSet<u32> = before
        .iter()
        .chain(&parent)
        .map(|&(_, random)| random)
        .collect();
    let replayed = child
        .iter()
        .filter(|(_, random)| ours.contains(random))
        .count();
    // Distinct sequences share a 32-bit value by chance about 4000 * 2000 / 2^32 = 0.002
    // times: one in a run would be a fluke, many a replay.
    assert!(
        replayed <= 1,
        "{replayed} of the child's randoms were the parent's"
    );
}
