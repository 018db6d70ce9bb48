//! `cargo xtask`: maintenance commands for the spec pipeline.
fn main() {}
