//! CSP subscription upgrade service: a gRPC service that lets Microsoft CSP
//! partners see which of their customers' Microsoft 365 subscriptions can be
//! upgraded, to what and why not, and submit upgrade orders.
//!
//! # Layout
//!
//! - [`domain`]: the rules, pure (catalog, eligibility, datasets, the model).
//! - [`storage`]: the `Store` trait and its SQLite and Postgres backends.

pub mod domain;
pub mod storage;
