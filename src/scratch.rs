//! One reusable byte buffer per thread, for the MAC and plaintext of a signature being made
//! or opened.

use std::cell::Cell;

thread_local! {
    /// Reused per thread for MAC || plaintext, so signing and verifying allocate only their
    /// output.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The largest scratch buffer a thread keeps between calls; a larger one (for an
/// oversized parameter or signature) is freed after use.
const SCRATCH_KEPT_BYTES: usize = 64 * 1024;

/// Runs `work` on the thread's reusable buffer (a fresh one during thread teardown, when
/// thread-locals are gone), put back afterwards. The buffer keeps its length between calls,
/// so it is zero-filled only when it grows; `work` writes before it reads.
///
/// Always inlined, like [`envelope::open`](crate::envelope::open): a 176-byte result then
/// lands where its caller wants it instead of being copied out through each call.
#[inline(always)]
pub(crate) fn with_scratch<T>(work: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    let mut buffer = SCRATCH.try_with(Cell::take).unwrap_or_default();
    let result = work(&mut buffer);
    if buffer.capacity() <= SCRATCH_KEPT_BYTES {
        // Fails only during thread teardown; the buffer is then simply dropped.
        let _ = SCRATCH.try_with(|cell| cell.set(buffer));
    }
    result
}
