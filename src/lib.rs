//! CSP subscription upgrade service: a gRPC service that lets Microsoft CSP
//! partners see which of their customers' Microsoft 365 subscriptions can be
//! upgraded, to what and why not, and submit upgrade orders.
//!
//! # Layout
//!
//! - [`domain`]: the rules, pure: catalog, eligibility, datasets, roles, the
//!   model. No I/O, no clock; most tests live here.
//! - [`app`]: the use cases, one function per write (submit, resolve a credit
//!   check, grant or revoke a role, import): load in a locked transaction,
//!   let the domain decide, write, audit, then drop caches and announce on
//!   the change bus ([`app::bus`]), which also wakes `WatchUpgradeOrder`.
//!   On Postgres a submission first tries without the lock: read at the
//!   customer's version, decide, write in one statement if the version has
//!   not moved ([`storage::OptimisticOrders`]); a batch does that for the
//!   first item of every customer at once (two statements a batch).
//! - [`storage`]: a typed trait per aggregate (`Directory`, `OrderStore`,
//!   `RoleStore`) written out in plain Rust for SQLite and for Postgres,
//!   SQL in `.sql` files beside them, migrations under `migrations/`.
//! - [`cache`]: the caches of roles, partners and customer snapshots, read
//!   through by [`cache::store::CachedStore`], kept right by the change bus.
//! - [`grpc`]: one file per `csp.v1` service, the proto conversions and the
//!   API error with its `google.rpc` details.
//! - [`i18n`]: the caller's language (`accept-language`) and the domain's
//!   texts said in it, from the Fluent catalogs in `locales/` (SPEC §12).
//! - [`auth`]: bearer tokens (dev HS256 key or JWKS) and the layer that
//!   resolves the caller of every `csp.v1` call.
//! - [`server`]: `run(listener, ...)`, health, reflection, graceful shutdown;
//!   [`drain`] is its "shutting down" signal, which streams watch too.
//! - [`startup`]: opening the database and loading the demo dataset.
//! - [`generate`]: a synthetic dataset of any size, for benchmarks.
//! - [`state`]: what the handlers share (catalog, verifier, clock, the use
//!   cases once the database is open).
//! - [`config`], [`telemetry`], [`commands`]: flags, logs, and what each
//!   subcommand of the `csp-upgrades` binary does.
//! - [`client`]: the command-line client (`report`, `submit-batch`) that
//!   talks to a running server.

pub mod app;
pub mod auth;
pub mod cache;
pub mod client;
pub mod clock;
pub mod commands;
pub mod config;
pub mod domain;
pub mod drain;
pub mod generate;
pub mod grpc;
pub mod i18n;
pub mod server;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
