//! `AcceptedHosts`: the `Host` values a signed request may carry, binding a signature to
//! this deployment (a request signed for another one, with the same key, is refused).

use actix_web::http::header::{HOST, HeaderMap};

/// The accepted `Host` values, compared without regard to letter case; the port is part of
/// the value (`cms.example.com` and `cms.example.com:8443` are listed apart).
#[derive(Debug, Clone)]
pub struct AcceptedHosts(Box<[String]>);

impl AcceptedHosts {
    /// The list, or `None` when it is empty (every host accepted).
    pub fn new(hosts: &[String]) -> Option<Self> {
        (!hosts.is_empty()).then(|| Self(hosts.iter().map(|h| h.to_ascii_lowercase()).collect()))
    }

    /// Whether the request has exactly one `Host` header and it is listed.
    pub fn accepts(&self, headers: &HeaderMap) -> bool {
        let mut values = headers.get_all(HOST);
        match (values.next(), values.next()) {
            (Some(host), None) => self
                .0
                .iter()
                .any(|accepted| accepted.as_bytes().eq_ignore_ascii_case(host.as_bytes())),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn headers(hosts: &[&'static str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for host in hosts {
            map.append(HOST, HeaderValue::from_static(host));
        }
        map
    }

    #[test]
    fn listed_hosts_match_in_any_case_and_ports_count() {
        let accepted = AcceptedHosts::new(&[
            "CMS.example.com".to_owned(),
            "cms.example.com:8443".to_owned(),
        ])
        .unwrap();
        assert!(accepted.accepts(&headers(&["cms.example.com"])));
        assert!(accepted.accepts(&headers(&["cms.EXAMPLE.com:8443"])));
        assert!(!accepted.accepts(&headers(&["cms.example.com:9443"])));
        assert!(!accepted.accepts(&headers(&["staging.example.com"])));
        assert!(!accepted.accepts(&headers(&[])));
        assert!(!accepted.accepts(&headers(&["cms.example.com", "cms.example.com"])));
    }

    #[test]
    fn an_empty_list_accepts_every_host() {
        assert!(AcceptedHosts::new(&[]).is_none());
    }
}
