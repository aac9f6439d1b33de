//! Where log lines go: appended to a shared buffer by the thread that logs, and written to
//! the output in batches by a thread of their own.
//!
//! Every request logs a line. Handing each line to a writer thread (tracing-appender's
//! `non_blocking`) wakes that thread and makes a `write` per line; on two cores shared with
//! the clients, those wake-ups cost more than the rest of the line. Here a line is copied
//! into the buffer under a lock; the writer thread is woken only when the buffer stops being
//! empty or passes [`WAKE_AT_BYTES`], waits up to [`GATHER`] for more lines, and writes them
//! all at once (HACKING.md, "Logs and metrics on the hot path").
//!
//! No line is dropped: when [`FULL_AT_BYTES`] are waiting (the output is slower than the
//! logging), the logging thread waits for the writer. Dropping the [`Flusher`] writes what is
//! left and stops the thread.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long the writer thread gathers lines after the first one of a batch.
pub const GATHER: Duration = Duration::from_millis(10);

/// Waiting lines that wake the writer thread before [`GATHER`] is over.
pub const WAKE_AT_BYTES: usize = 64 * 1024;

/// Waiting lines that make the logging threads wait for the writer.
pub const FULL_AT_BYTES: usize = 4 * 1024 * 1024;

/// The logging side: a `MakeWriter` for `tracing_subscriber`, cheap to clone.
#[derive(Clone)]
pub struct BatchedWriter {
    shared: Arc<Shared>,
}

/// Keep it while the process logs; dropping it writes the waiting lines and stops the writer
/// thread.
pub struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    /// The writer thread waits here for lines.
    lines_waiting: Condvar,
    /// Logging threads wait here while the buffer is full.
    room: Condvar,
}

#[derive(Default)]
struct State {
    waiting: Vec<u8>,
    stopping: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A thread that panicked while holding the lock left whole lines behind: appending
        // and taking a buffer do not panic halfway.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A writer for `output` and the guard that keeps its thread. The thread is named
/// `log-writer`.
///
/// # Errors
///
/// The thread could not be started.
pub fn batched(output: impl Write + Send + 'static) -> io::Result<(BatchedWriter, Flusher)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        lines_waiting: Condvar::new(),
        room: Condvar::new(),
    });
    let thread = std::thread::Builder::new()
        .name("log-writer".to_owned())
        .spawn({
            let shared = Arc::clone(&shared);
            move || write_batches(&shared, output)
        })?;
    Ok((
        BatchedWriter {
            shared: Arc::clone(&shared),
        },
        Flusher {
            shared,
            thread: Some(thread),
        },
    ))
}

/// The writer thread: waits for a first line, gathers more for up to [`GATHER`], writes them
/// in one call; until stopped and nothing is left.
fn write_batches(shared: &Shared, mut output: impl Write) {
    let mut batch = Vec::new();
    let mut state = shared.lock();
    loop {
        while state.waiting.is_empty() && !state.stopping {
            state = shared
                .lines_waiting
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        if state.waiting.is_empty() {
            break; // stopping, and everything written
        }
        state = shared
            .lines_waiting
            .wait_timeout_while(state, GATHER, |state| {
                !state.stopping && state.waiting.len() < WAKE_AT_BYTES
            })
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0;
        std::mem::swap(&mut state.waiting, &mut batch);
        drop(state);
        shared.room.notify_all();
        // Nowhere to report a failed write of the log: the lines are lost, the next batch is
        // tried.
        let _ = output.write_all(&batch).and_then(|()| output.flush());
        batch.clear();
        state = shared.lock();
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.lines_waiting.notify_one();
        if let Some(thread) = self.thread.take() {
            // The thread does not panic; if it did, its lines are lost either way.
            let _ = thread.join();
        }
    }
}

/// One line's writer: what it is given is appended to the batch.
pub struct LineWriter<'a> {
    shared: &'a Shared,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut state = self.shared.lock();
        while state.waiting.len() >= FULL_AT_BYTES && !state.stopping {
            state = self
                .shared
                .room
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        let before = state.waiting.len();
        state.waiting.extend_from_slice(bytes);
        let after = state.waiting.len();
        drop(state);
        // Wake the writer thread only when it may be asleep for good (no line was waiting) or
        // when it should stop gathering: not once a line.
        if before == 0 || (before < WAKE_AT_BYTES && after >= WAKE_AT_BYTES) {
            self.shared.lines_waiting.notify_one();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedWriter {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> LineWriter<'a> {
        LineWriter {
            shared: &self.shared,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    use super::*;
    use crate::kept_output::Kept;

    fn log(writer: &BatchedWriter, line: &str) {
        writer
            .make_writer()
            .write_all(line.as_bytes())
            .expect("appended");
    }

    #[test]
    fn every_line_arrives_once_and_in_each_threads_order() {
        let output = Kept::default();
        let (writer, flusher) = batched(output.clone()).expect("started");
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for line in 0..20_000 {
                        log(&writer, &format!("thread {thread} line {line}\n"));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("logged");
        }
        drop(flusher);
        let text = output.text();
        let mut next = [0; 4];
        for line in text.lines() {
            let words: Vec<&str> = line.split(' ').collect();
            let [_, thread, _, number] = words[..] else {
                panic!("a torn line: {line:?}");
            };
            let thread: usize = thread.parse().expect("a thread");
            assert_eq!(number, next[thread].to_string(), "thread {thread}");
            next[thread] += 1;
        }
        assert_eq!(next, [20_000; 4]);
    }

    #[test]
    fn a_lone_line_is_written_without_waiting_for_more_or_for_the_end() {
        let output = Kept::default();
        let (writer, _flusher) = batched(output.clone()).expect("started");
        log(&writer, "alone\n");
        let deadline = Instant::now() + Duration::from_secs(10);
        while output.text().is_empty() {
            assert!(Instant::now() < deadline, "the line was never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(output.text(), "alone\n");
    }

    #[test]
    fn a_full_buffer_makes_the_logging_thread_wait_and_nothing_is_dropped() {
        const LINE: usize = 1024;
        const LINES: usize = 3 * FULL_AT_BYTES / LINE;
        /// Opens the gate when the test ends, passed or not: the flusher's drop waits for
        /// the output.
        struct Opens(Kept);
        impl Drop for Opens {
            fn drop(&mut self) {
                self.0.open();
            }
        }
        let output = Kept::default();
        output.close();
        let (writer, flusher) = batched(output.clone()).expect("started");
        let _opens = Opens(output.clone());
        let logged = Arc::new(AtomicUsize::new(0));
        let logger = std::thread::spawn({
            let logged = Arc::clone(&logged);
            move || {
                for line in 0..LINES {
                    log(&writer, &format!("{line:0width$}\n", width = LINE - 1));
                    logged.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        // The output holds its first batch: the logger fills the buffer, then must stop at
        // the limit, however long it is given.
        let deadline = Instant::now() + Duration::from_secs(10);
        while logged.load(Ordering::SeqCst) * LINE < FULL_AT_BYTES {
            assert!(
                Instant::now() < deadline,
                "the logger never filled the buffer"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(300));
        let before_open = logged.load(Ordering::SeqCst);
        assert!(
            before_open < LINES,
            "the logger never waited: {before_open} lines logged past a held output"
        );
        output.open();
        logger.join().expect("logged");
        drop(flusher);
        let text = output.text();
        assert_eq!(text.len(), LINES * LINE);
        for (number, line) in text.lines().enumerate() {
            assert_eq!(line.parse::<usize>().expect("a number"), number);
        }
    }
}
