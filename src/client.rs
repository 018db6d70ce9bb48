//! Client configuration.

/// Opaque per-client state shared by every clone of a [`crate::Client`].
#[derive(Clone, Debug, Default)]
pub struct ClientState {}
