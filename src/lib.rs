//! Typed Rust client for DigiLocker's Authorized Partner API.
//!
//! The client is generated at build time from DigiLocker's OpenAPI spec with
//! its defects corrected by reviewed JSON patches; a hand-written overlay adds
//! what OpenAPI cannot express: OAuth 2.0 + PKCE and the token lifecycle,
//! per-endpoint request hashes, multipart bodies, and HMAC-checked streamed
//! uploads and downloads.
//!
//! Every operation is a method on [`Client`]: generated ones return a builder
//! (`client.get_user_details().send().await?`), and `?` turns their errors into
//! [`Error`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod client;
pub mod dates;
mod error;
pub mod multipart;
mod operations;
mod pull;
pub mod retry;
pub mod shapes;
pub mod signing;
mod telemetry;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod transfer;
mod transport;
mod validate;
pub mod xml;

#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    unused_imports,
    unreachable_patterns,
    rustdoc::bare_urls
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

pub use client::{BodyLimits, ClientBuilder, Environment};

/// The README's examples, compiled as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
pub use error::{AuthError, Error, ErrorCode, IntegrityFailure, RetryClass, ValidationError};
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, types};
pub use pull::PullConsent;
pub use shapes::Gender;
/// The date crate of the typed accessors in [`dates`], re-exported.
pub use time;
