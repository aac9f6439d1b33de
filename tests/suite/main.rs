//! The integration tests, in one binary: known-answer vectors of other languages' encoders,
//! negative vectors, tampering, limits, properties, concurrency and the `vodsign` example.
//! Allocation counting needs a global allocator of its own: `tests/allocations.rs`.

mod common;

mod accessors;
#[cfg(feature = "system")]
mod concurrency;
mod decode_verify;
mod limits;
mod properties;
mod sign_vectors;
#[cfg(feature = "system")]
mod vodsign_cli;
