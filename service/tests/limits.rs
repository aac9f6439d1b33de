//! The serving loop against hostile clients, over raw TCP on 127.0.0.1:0: trickled and
//! oversized heads, oversized and stalled bodies, and shutdown with a request in flight.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use vod_upload_service::policy::Policy;
use vod_upload_service::router;
use vod_upload_service::server::{Limits, serve};

use common::vod_api::{StandIn, signed, task_event};

/// Limits short enough for a test: half a second for the head and for a request.
fn short() -> Limits {
    Limits {
        header_read: Duration::from_millis(500),
        max_head_bytes: 16 * 1024,
        request: Duration::from_millis(500),
        shutdown_grace: Duration::from_secs(2),
    }
}

/// A running service: its address, the way to stop it, and its end.
struct Running {
    address: std::net::SocketAddr,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
    /// The VOD API that confirms its callbacks.
    stand_in: StandIn,
}

async fn start(limits: Limits) -> Running {
    let stand_in = StandIn::start();
    let mut app = common::app(&Policy::default(), "token-a:alice").await;
    common::accept_callbacks(&mut app, &stand_in);
    let app = Arc::new(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(serve(listener, router(app), limits, async {
        let _ = stopped.await;
    }));
    Running {
        address,
        stop,
        done,
        stand_in,
    }
}

/// Sends `request` on a new connection and reads until the server closes it or `wait`
/// passes: what came back.
async fn exchange(address: std::net::SocketAddr, request: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    // The server may answer and close before the whole request is written.
    let _ = stream.write_all(request).await;
    read_until_closed(&mut stream, wait).await
}

async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> String {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

const SIGNATURE_REQUEST: &[u8] = b"GET /upload-signature HTTP/1.1\r\nHost: x\r\n\
    Authorization: Bearer token-a\r\nConnection: close\r\n\r\n";

#[tokio::test]
async fn a_client_that_never_finishes_its_head_is_dropped_and_others_are_served() {
    let service = start(short()).await;
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut stream = TcpStream::connect(service.address).await.expect("connect");
        stream.write_all(b"GET /upload-sig").await.expect("write");
        slow.push(stream);
    }
    let started = Instant::now();
    let answer = exchange(service.address, SIGNATURE_REQUEST, Duration::from_secs(2)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "served while 50 clients trickle"
    );
    for mut stream in slow {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut byte)).await;
        // Closed (or reset) by the server once the head's time is up.
        assert!(matches!(read, Ok(Ok(0) | Err(_))), "still open: {read:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_head_over_the_limit_gets_431() {
    let service = start(short()).await;
    let request = format!(
        "GET /upload-signature HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let answer = exchange(service.address, request.as_bytes(), Duration::from_secs(2)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    let answer = exchange(service.address, SIGNATURE_REQUEST, Duration::from_secs(2)).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "still serving: {answer}"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_on_every_route() {
    let service = start(short()).await;
    // Over /vod/events's 4 MiB and the other routes' 64 KiB.
    let body = vec![b'x'; 5 << 20];
    for path in ["/vod/events", "/upload-signature"] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer token-a\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let request = [head.as_bytes(), &body].concat();
        let answer = exchange(service.address, &request, Duration::from_secs(3)).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
    }
    let answer = exchange(service.address, SIGNATURE_REQUEST, Duration::from_secs(2)).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "still serving: {answer}"
    );
}

#[tokio::test]
async fn a_stalled_body_gets_408() {
    let service = start(short()).await;
    let request =
        b"POST /vod/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"EventType\"";
    let started = Instant::now();
    let answer = exchange(service.address, request, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_then_stops() {
    let mut limits = short();
    limits.request = Duration::from_secs(5);
    let service = start(limits).await;
    // A request whose body is half sent when the shutdown comes.
    let event = task_event("528", "t-1", "FINISH", None);
    service.stand_in.learn(&event);
    let body = signed(event, common::SIGN_KEY);
    let head = format!(
        "POST /vod/events HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(service.address).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write");
    stream
        .write_all(&body.as_bytes()[..10])
        .await
        .expect("write");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopping = Instant::now();
    service.stop.send(()).expect("still running");
    tokio::time::sleep(Duration::from_millis(100)).await;
    // No new connection is accepted.
    assert!(TcpStream::connect(service.address).await.is_err());
    stream
        .write_all(&body.as_bytes()[10..])
        .await
        .expect("write the rest");
    let answer = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    tokio::time::timeout(Duration::from_secs(3), service.done)
        .await
        .expect("serve returns")
        .expect("serve did not panic");
    assert!(stopping.elapsed() < Duration::from_secs(3));
}
