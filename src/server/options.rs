//! Connection and call limits of the gRPC server, from `ServeArgs`.

use std::time::Duration;

use crate::config::ServeArgs;

/// How the server treats connections and calls. `Default` is what the flags
/// default to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOptions {
    /// Time a call has to produce its response (`DEADLINE_EXCEEDED` after).
    pub request_timeout: Option<Duration>,
    /// Calls served at once per connection; the rest wait.
    pub concurrency_limit: Option<usize>,
    /// HTTP/2 PING interval; `None` sends none.
    pub http2_keepalive_interval: Option<Duration>,
    /// How long a PING may go unanswered before the connection is closed.
    pub http2_keepalive_timeout: Duration,
    /// Age at which a connection gets a graceful GOAWAY.
    pub max_connection_age: Option<Duration>,
    /// Browser origins allowed to call through gRPC-web.
    pub cors_allowed_origins: Vec<String>,
    /// How long shutdown waits for calls under way before dropping them.
    pub shutdown_grace: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            request_timeout: Some(Duration::from_secs(30)),
            concurrency_limit: Some(256),
            http2_keepalive_interval: Some(Duration::from_secs(30)),
            http2_keepalive_timeout: Duration::from_secs(10),
            max_connection_age: Some(Duration::from_secs(300)),
            cors_allowed_origins: Vec::new(),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl From<&ServeArgs> for ServerOptions {
    fn from(args: &ServeArgs) -> Self {
        let secs = |s: u64| (s > 0).then(|| Duration::from_secs(s));
        ServerOptions {
            request_timeout: secs(args.request_timeout_secs),
            concurrency_limit: (args.concurrency_limit > 0).then_some(args.concurrency_limit),
            http2_keepalive_interval: secs(args.http2_keepalive_interval_secs),
            http2_keepalive_timeout: Duration::from_secs(args.http2_keepalive_timeout_secs),
            max_connection_age: secs(args.max_connection_age_secs),
            cors_allowed_origins: args
                .cors_allowed_origins
                .iter()
                .filter(|o| !o.is_empty())
                .cloned()
                .collect(),
            shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Cli, ServeArgs};

    /// The server's flags of the bare command `csp-upgrades ARGS`.
    fn serve_args(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        let cli = Cli::parse_args(std::iter::once("csp-upgrades").chain(args.iter().copied()))?;
        Ok(cli.serve_args().expect("the bare command serves").clone())
    }

    fn parse(args: &[&str]) -> Result<ServerOptions, clap::Error> {
        Ok(ServerOptions::from(&serve_args(args)?))
    }

    #[test]
    fn flag_defaults_are_the_default_options() {
        assert_eq!(parse(&[]).unwrap(), ServerOptions::default());
    }

    #[test]
    fn flags_set_every_limit_and_zero_turns_one_off() {
        let set = parse(&[
            "--request-timeout-secs=5",
            "--concurrency-limit=8",
            "--http2-keepalive-interval-secs=7",
            "--http2-keepalive-timeout-secs=3",
            "--max-connection-age-secs=60",
            "--cors-allowed-origins=https://partner.example,http://localhost:5173/",
            "--shutdown-grace-secs=12",
        ])
        .unwrap();
        assert_eq!(
            set,
            ServerOptions {
                request_timeout: Some(Duration::from_secs(5)),
                concurrency_limit: Some(8),
                http2_keepalive_interval: Some(Duration::from_secs(7)),
                http2_keepalive_timeout: Duration::from_secs(3),
                max_connection_age: Some(Duration::from_secs(60)),
                cors_allowed_origins: vec![
                    "https://partner.example".into(),
                    "http://localhost:5173".into()
                ],
                shutdown_grace: Duration::from_secs(12),
            }
        );
        let off = parse(&[
            "--request-timeout-secs=0",
            "--concurrency-limit=0",
            "--http2-keepalive-interval-secs=0",
            "--max-connection-age-secs=0",
        ])
        .unwrap();
        assert_eq!(
            (
                off.request_timeout,
                off.concurrency_limit,
                off.http2_keepalive_interval,
                off.max_connection_age
            ),
            (None, None, None, None)
        );
    }

    #[test]
    fn a_drain_without_deadline_is_refused() {
        assert!(parse(&["--shutdown-grace-secs=0"]).is_err());
    }

    #[test]
    fn empty_values_turn_things_off() {
        let serve = serve_args(&[
            "--metrics-listen=",
            "--otlp-endpoint=",
            "--cors-allowed-origins=",
        ])
        .unwrap();
        assert_eq!(serve.metrics_addr(), None);
        assert_eq!(serve.otlp(), None);
        assert_eq!(
            ServerOptions::from(&serve).cors_allowed_origins,
            Vec::<String>::new()
        );
        let serve = serve_args(&[
            "--metrics-listen=0.0.0.0:9090",
            "--cors-allowed-origins=https://a.example,",
        ])
        .unwrap();
        assert_eq!(serve.metrics_addr(), Some("0.0.0.0:9090".parse().unwrap()));
        assert_eq!(
            ServerOptions::from(&serve).cors_allowed_origins,
            ["https://a.example"]
        );
    }

    #[test]
    fn cors_origins_must_be_bare_origins() {
        for bad in [
            "*",
            "partner.example",
            "https://partner.example/app",
            "ftp://partner.example",
            "https://partner.example?x=1",
        ] {
            assert!(
                parse(&[&format!("--cors-allowed-origins={bad}")]).is_err(),
                "{bad} was accepted"
            );
        }
    }
}
