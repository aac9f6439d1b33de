//! Feature `system`: the wall clock and the operating system's random source, the only
//! inputs of a signature that the pure core takes as arguments instead.

pub(crate) mod clock;
pub(crate) mod random;
