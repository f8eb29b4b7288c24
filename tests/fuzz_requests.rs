//! Issue 15's fuzz harness: random, mutated and mis-framed requests to every
//! RPC of the real server, as a property test. However a request is broken,
//! the answer is a status for the client's mistake (or an answer): never
//! `INTERNAL` or `UNKNOWN`, never a hang, and the server keeps serving.
//!
//! Bounded so that it runs in every `cargo test` (CI runs it on SQLite and on
//! Postgres): `FUZZ_CASES` requests (default 1,000) per run, each case one
//! request; a failing case is shrunk by proptest and printed. For a longer
//! session: `FUZZ_CASES=100000 cargo test --test fuzz_requests`.

mod common;
#[path = "hostile_input/raw.rs"]
mod raw;

use std::time::{Duration, Instant};

use common::dynamic::{self, Fill};
use common::server::{GLOBAL_ADMIN, TestServer};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use prost::Message as _;
use tonic::Code;

const DEFAULT_CASES: u32 = 1000;

/// Real ids of the demo data where a mutation may leave them intact (so
/// validation past the decoder is exercised too); ids that match nothing
/// where a valid call would change state or open a stream that stays open.
fn fill() -> Fill {
    Fill {
        customer_id: "30000000-0000-4000-8000-000000000001".into(),
        subscription_id: "40000000-0000-4000-8000-000000000101".into(),
        user_id: uuid::Uuid::new_v4().to_string(),
        order_id: uuid::Uuid::new_v4().to_string(),
        target_offer_id: "o365-e3".into(),
        role: "PARTNER_ROLE_SALES_AGENT",
    }
}

/// How one case breaks its request.
#[derive(Debug, Clone)]
enum Broken {
    /// Random bytes in a well-formed frame.
    RandomMessage(Vec<u8>),
    /// A valid request with some bytes overwritten and the rest cut at `cut`.
    Mutated { edits: Vec<(usize, u8)>, cut: usize },
    /// Random bytes without framing.
    Unframed(Vec<u8>),
    /// A valid request under a random compression flag and length.
    BadHeader { flag: u8, length: u32 },
}

fn broken() -> impl Strategy<Value = Broken> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..128).prop_map(Broken::RandomMessage),
        (
            prop::collection::vec((any::<usize>(), any::<u8>()), 1..6),
            any::<usize>()
        )
            .prop_map(|(edits, cut)| Broken::Mutated { edits, cut }),
        prop::collection::vec(any::<u8>(), 0..32).prop_map(Broken::Unframed),
        (any::<u8>(), 0u32..512).prop_map(|(flag, length)| Broken::BadHeader { flag, length }),
    ]
}

fn body(valid: &[u8], broken: &Broken) -> Vec<u8> {
    match broken {
        Broken::RandomMessage(bytes) => raw::frame(bytes),
        Broken::Mutated { edits, cut } => {
            let mut bytes = valid.to_vec();
            if !bytes.is_empty() {
                for (at, byte) in edits {
                    let len = bytes.len();
                    bytes[at % len] = *byte;
                }
                bytes.truncate(cut % (bytes.len() + 1));
            }
            raw::frame(&bytes)
        }
        Broken::Unframed(bytes) => bytes.clone(),
        Broken::BadHeader { flag, length } => {
            let mut out = vec![*flag];
            out.extend_from_slice(&length.to_be_bytes());
            out.extend_from_slice(valid);
            out
        }
    }
}

#[test]
fn broken_requests_to_every_rpc_never_answer_internal() {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (server, token) = runtime.block_on(async {
        let server = TestServer::start().await;
        let token = server.token(GLOBAL_ADMIN).await;
        (server, token)
    });
    let methods = dynamic::methods();
    let valid: Vec<Vec<u8>> = methods
        .iter()
        .map(|m| dynamic::request(m, &fill()).encode_to_vec())
        .collect();

    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let started = Instant::now();
    let codes = std::cell::RefCell::new(std::collections::BTreeMap::<String, usize>::new());
    let result = runner.run(&(0..methods.len(), broken()), |(m, broken)| {
        let path = format!("/{}", dynamic::full_name(&methods[m]));
        let call = raw::call(&server.channel, &token, &path, body(&valid[m], &broken));
        let status = runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(10), call).await })
            .map_err(|_| TestCaseError::fail(format!("{path}: no answer within 10 s")))?;
        *codes
            .borrow_mut()
            .entry(format!("{:?}", status.code()))
            .or_default() += 1;
        prop_assert!(
            !matches!(
                status.code(),
                Code::Internal | Code::Unknown | Code::DataLoss
            ),
            "{path}: {status:?}"
        );
        Ok(())
    });
    let codes = codes.into_inner();
    let total: usize = codes.values().sum();
    eprintln!(
        "fuzzed {total} requests over {} RPCs in {:?}: {codes:?}",
        methods.len(),
        started.elapsed()
    );
    result.unwrap();
    let serving = runtime.block_on(server.health(""));
    assert_eq!(
        serving,
        Some(tonic_health::pb::health_check_response::ServingStatus::Serving)
    );
}
