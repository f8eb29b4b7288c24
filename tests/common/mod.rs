//! Helpers shared by the integration tests (`mod common;` in each test file).

// Each test binary compiles all of `common` and uses only part of it.
#[allow(dead_code, reason = "each test binary uses a different part")]
pub mod db;
#[allow(dead_code, reason = "each test binary uses a different part")]
pub mod dynamic;
pub mod server;
