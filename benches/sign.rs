//! Benches: see issue 4.
fn main() {}
