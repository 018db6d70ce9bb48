//! Typed Rust client for DigiLocker's Authorized Partner API.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod client;
mod hooks;
mod operations;

#[allow(missing_docs, clippy::all, clippy::pedantic, unused_imports)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

pub use generated::{Client, ClientInfo, ByteStream, ResponseValue, builder, types};
