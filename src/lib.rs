//! Typed Rust client for DigiLocker's Authorized Partner API.
//!
//! Every operation is a method on [`Client`]: build one app-wide client with
//! [`Client::builder`], take each end user's handle with
//! [`Client::session`], send the user through [`Client::authorize_url`] and
//! [`Client::exchange_code`] on their handle, then call anything
//! (`user.get_user_details().send().await?`). Every call, generated or
//! hand-written, fails with the one [`Error`] type. Downloads and uploads go
//! through the checked methods ([`Client::download`],
//! [`Client::upload_path`], …), never the raw builders. Tests run against
//! the embedded sandbox of the `testkit` feature.
//!
//! The guide below is the crate's README.
//!
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod client;
pub mod dates;
mod error;
pub mod identity;
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

pub use error::{AuthError, Error, ErrorCode, IntegrityFailure, RetryClass, ValidationError};
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, types};
pub use identity::IdentityNumber;
pub use pull::PullConsent;
pub use shapes::Gender;
/// The date crate of the typed accessors in [`dates`], re-exported.
pub use time;
