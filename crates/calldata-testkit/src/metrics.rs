//! `/metrics` in tests: the text fetched over a client or over raw TCP, and the value of
//! a sample read from it (a counter, a gauge, one labelled series).

use std::net::SocketAddr;
use std::time::Duration;

use crate::Failure;
use crate::raw::raw_exchange;

/// The `/metrics` text of the server at `base_url` (`http://` or `https://`, the client
/// trusting its CA).
pub async fn fetch(http: &reqwest::Client, base_url: &str) -> Result<String, Failure> {
    Ok(http
        .get(format!("{base_url}/metrics"))
        .send()
        .await?
        .text()
        .await?)
}

/// The `/metrics` text of a plain-HTTP server at `address`, over raw TCP (no client, no
/// pool: nothing the test's own connections could disturb).
pub async fn fetch_plain(address: SocketAddr) -> Result<String, Failure> {
    let outcome = raw_exchange(
        address,
        b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    )
    .await?;
    let response = outcome
        .response()
        .ok_or_else(|| format!("/metrics answered {outcome:?}"))?;
    Ok(String::from_utf8_lossy(&response.body).into_owned())
}

/// The value of an unlabelled Prometheus sample `name` in a `/metrics` text.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let mut parts = line.split_whitespace();
        (parts.next()? == name).then_some(())?;
        parts.next()?.parse().ok()
    })
}

/// Every sample of `name` with labels, as `(labels, value)`: `{outcome="timeout"}` → 3.
pub fn metric_samples(text: &str, name: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(name)?;
            let (labels, value) = rest.strip_prefix('{')?.split_once("} ")?;
            Some((labels.to_owned(), value.trim().parse().ok()?))
        })
        .collect()
}

/// The lines of the series `name{label_prefix...`: `lines(text, "calldata_requests_total{route=\"query\"")`.
pub fn lines<'t>(text: &'t str, prefix: &str) -> Vec<&'t str> {
    text.lines()
        .filter(|line| line.starts_with(prefix))
        .collect()
}
