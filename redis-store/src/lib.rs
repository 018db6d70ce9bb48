#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod cipher;
mod lease;
mod pending;
mod store;
mod tokens;

pub use cipher::EncryptionKey;
pub use store::{RedisStore, RedisStoreBuilder};
