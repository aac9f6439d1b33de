//! The integration tests, in one binary: known-answer vectors of other languages' encoders,
//! negative vectors, tampering, limits, properties and concurrency. The `vodsign` CLI and the
//! service have their own tests, in `cli/` and `service/`.
//! Allocation counting needs a global allocator of its own: `tests/allocations.rs`.

mod common;

mod accessors;
#[cfg(feature = "system")]
mod concurrency;
mod decode_verify;
mod limits;
mod properties;
mod sign_vectors;
mod signer;
