//! For tests: an output that keeps what it is given, for log lines written through
//! `tracing_subscriber` or [`crate::log_writer`].

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex};

/// An output that keeps what it is given, and holds every write while `gate` is closed.
#[derive(Clone, Default)]
pub(crate) struct Kept {
    bytes: Arc<Mutex<Vec<u8>>>,
    gate: Arc<(Mutex<bool>, Condvar)>,
}

impl Kept {
    pub(crate) fn close(&self) {
        *self.gate.0.lock().expect("not poisoned") = true;
    }
    pub(crate) fn open(&self) {
        *self.gate.0.lock().expect("not poisoned") = false;
        self.gate.1.notify_all();
    }
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.bytes.lock().expect("not poisoned").clone()).expect("UTF-8")
    }
}

impl Write for Kept {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let (closed, opened) = &*self.gate;
        let mut closed = closed.lock().expect("not poisoned");
        while *closed {
            closed = opened.wait(closed).expect("not poisoned");
        }
        self.bytes
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
