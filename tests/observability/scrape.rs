//! Reading the Prometheus text exposition the server answers.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::binary::http;

/// One scrape: `name{labels} value` lines.
pub struct Scrape {
    pub text: String,
    series: Vec<(String, BTreeMap<String, String>, f64)>,
}

impl Scrape {
    pub async fn take(metrics: SocketAddr) -> Scrape {
        let answer = http(
            metrics,
            "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
        .await;
        let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/plain"),
            "{head}"
        );
        Scrape::parse(body)
    }

    pub fn parse(text: &str) -> Scrape {
        let series = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect("name value");
                let (name, labels) = match series.split_once('{') {
                    Some((name, rest)) => (name, labels(rest.trim_end_matches('}'))),
                    None => (series, BTreeMap::new()),
                };
                (name.to_owned(), labels, value.parse().expect("a number"))
            })
            .collect();
        Scrape {
            text: text.to_owned(),
            series,
        }
    }

    /// The sum of the series named `name` whose labels include `wanted`
    /// (0 when there is none yet: a counter not yet incremented).
    pub fn value(&self, name: &str, wanted: &[(&str, &str)]) -> f64 {
        self.series
            .iter()
            .filter(|(n, labels, _)| {
                n == name
                    && wanted
                        .iter()
                        .all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, _, value)| value)
            .sum()
    }

    pub fn has(&self, name: &str) -> bool {
        self.series.iter().any(|(n, _, _)| n == name)
    }
}

/// `a="x",b="y"` (the values this server emits hold no quotes or commas).
fn labels(text: &str) -> BTreeMap<String, String> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("label=value");
            (k.to_owned(), v.trim_matches('"').to_owned())
        })
        .collect()
}
