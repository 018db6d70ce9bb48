//! A Redis-backed store for [`digilocker_authpartner`], for a backend that
//! runs as several replicas: the users' tokens and the pending
//! authorizations live in Redis, and a token refresh is single-flight across
//! every replica.
//!
//! - **Tokens per user key** ([`RedisStore::tokens`]): one `GET` per call on
//!   the hot path; stored with an expiry of the access token's lifetime plus
//!   the session TTL.
//! - **Single-flight refresh across replicas**: the refreshing replica holds
//!   a lease (`SET lease id NX PX ttl`, renewed while the refresh runs,
//!   released by compare-and-delete). The others poll the stored value
//!   (10 ms doubling to 200 ms) and take the winner's tokens; they never
//!   spend the refresh token a second time. A holder that dies loses the
//!   lease after its TTL and another replica takes over; if the dead holder
//!   had already spent the refresh token, the answer is
//!   [`AuthError::ConsentRequired`](digilocker_authpartner::AuthError::ConsentRequired).
//! - **Pending authorizations** ([`RedisStore::save_pending`],
//!   [`RedisStore::take_pending`]): by `state`, with a short TTL, consumed
//!   exactly once, so the callback may land on any replica and a replay is
//!   refused.
//! - **Encryption at rest** ([`EncryptionKey`]): optional, off by default
//!   because every replica needs the same key and only the partner can
//!   supply one; without it values are the crate's opt-in JSON with the
//!   tokens in clear, so protect Redis (ACL, TLS, private network).
//!
//! When Redis is down, calls fail with
//! [`AuthError::Store`](digilocker_authpartner::AuthError::Store) naming the
//! cause, and the connection comes back on its own. There is deliberately
//! no fallback to a refresh in process memory: a refresh whose result cannot
//! be stored spends the refresh token every other replica holds, which ends
//! the user's session (consent again) instead of a short outage.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use digilocker_authpartner::Client;
//! use digilocker_authpartner_redis::RedisStore;
//!
//! let store = RedisStore::connect("redis://127.0.0.1:6379").await?;
//! let client = Client::builder("MY_CLIENT_ID", "my-client-secret")
//!     .redirect_uri("https://partner.example/callback")
//!     .build()?;
//! let alice = client.with_token_store(Arc::new(store.tokens("user-42")));
//! let me = alice.get_user_details().send().await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod cipher;
mod lease;
mod pending;
mod store;
mod tokens;

pub use cipher::EncryptionKey;
pub use store::{RedisStore, RedisStoreBuilder};
pub use tokens::RedisTokenStore;
