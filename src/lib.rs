//! handsup: self-hosted real-time live voting.
//!
//! # Layout
//! - [`domain`]: the pure room state machine (`Room::apply`), one file per activity type.
//! - [`protocol`]: the WebSocket wire types and error codes.
pub mod domain;
pub mod protocol;
