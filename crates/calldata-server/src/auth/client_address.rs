//! `client_address`: the address a request is charged to (lockout, request log), from the
//! socket peer and, behind a trusted proxy, `X-Forwarded-For`, always in canonical form.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use actix_web::HttpRequest;

/// The client's IP address in canonical form (an IPv4-mapped IPv6 address as its IPv4
/// address): the socket peer, or, when the peer is a trusted proxy, what its
/// `X-Forwarded-For` names (see [`forwarded_client`]).
pub fn client_address(request: &HttpRequest, trusted_proxies: &[IpAddr]) -> IpAddr {
    let peer = request
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip())
        .to_canonical();
    if trusted_proxies.is_empty() {
        return peer;
    }
    // A header value that is not text stands for entries nobody can read.
    let values = request
        .headers()
        .get_all("x-forwarded-for")
        .map(|v| v.to_str().ok());
    forwarded_client(peer, values, trusted_proxies)
}

/// The client behind `peer` (canonical) given the `X-Forwarded-For` header values in the
/// order they arrived (`None` for a value that is not text).
///
/// When `peer` is not a trusted proxy, the client is `peer`. Otherwise the entries are
/// read from the right, skipping trusted proxies; the first other entry is the client. When
/// that entry cannot be read as an address, the client is `peer`: every entry further left
/// came through that unreadable hop and is the caller's own word. When every entry is a
/// trusted proxy (or there is none), the client is `peer`.
pub fn forwarded_client<'a>(
    peer: IpAddr,
    values: impl DoubleEndedIterator<Item = Option<&'a str>>,
    trusted_proxies: &[IpAddr],
) -> IpAddr {
    if !is_trusted(peer, trusted_proxies) {
        return peer;
    }
    for value in values.rev() {
        let Some(value) = value else {
            return peer;
        };
        for entry in value.rsplit(',') {
            match parse_entry(entry) {
                Some(ip) if is_trusted(ip, trusted_proxies) => {}
                Some(ip) => return ip,
                None => return peer,
            }
        }
    }
    peer
}

/// Whether `ip` (canonical) is one of the configured proxies, which may be written in
/// either form.
fn is_trusted(ip: IpAddr, trusted_proxies: &[IpAddr]) -> bool {
    trusted_proxies.iter().any(|t| t.to_canonical() == ip)
}

/// One `X-Forwarded-For` entry as a canonical address: `ip`, `ipv4:port`, `[ipv6]` or
/// `[ipv6]:port`, with surrounding spaces; `None` for anything else (`unknown`, an
/// obfuscated identifier, an empty entry, a zone index).
pub fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim_matches([' ', '\t']);
    let ip = if let Ok(ip) = entry.parse::<IpAddr>() {
        ip
    } else if let Ok(socket) = entry.parse::<SocketAddr>() {
        socket.ip()
    } else {
        let inner = entry.strip_prefix('[')?.strip_suffix(']')?;
        IpAddr::V6(inner.parse::<Ipv6Addr>().ok()?)
    };
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn entries_parse_in_every_documented_form_and_nothing_else() {
        let cases: &[(&str, Option<&str>)] = &[
            ("192.0.2.7", Some("192.0.2.7")),
            (" 192.0.2.7 ", Some("192.0.2.7")),
            ("\t192.0.2.7", Some("192.0.2.7")),
            ("192.0.2.7:4711", Some("192.0.2.7")),
            ("2001:db8::1", Some("2001:db8::1")),
            ("[2001:db8::1]", Some("2001:db8::1")),
            ("[2001:db8::1]:443", Some("2001:db8::1")),
            ("::ffff:192.0.2.7", Some("192.0.2.7")),
            ("[::ffff:192.0.2.7]:80", Some("192.0.2.7")),
            ("[::ffff:192.0.2.7]", Some("192.0.2.7")),
            ("::1", Some("::1")),
            ("unknown", None),
            ("_hidden", None),
            ("", None),
            ("   ", None),
            ("192.0.2.7:", None),
            ("192.0.2.7:99999", None),
            ("[192.0.2.7]", None),
            ("[2001:db8::1", None),
            ("2001:db8::1]", None),
            ("fe80::1%eth0", None),
            ("192.0.2.256", None),
            ("192.0.2.7 192.0.2.8", None),
        ];
        for (entry, expected) in cases {
            assert_eq!(parse_entry(entry), expected.map(ip), "entry {entry:?}");
        }
    }

    #[test]
    fn the_client_is_chosen_by_the_documented_rules() {
        let trusted = [ip("10.0.0.1"), ip("::ffff:10.0.0.2"), ip("2001:db8::10")];
        // (peer, header values, expected client)
        let cases: &[(&str, &[Option<&str>], &str)] = &[
            // Not a trusted proxy: the header is the caller's own word.
            ("192.0.2.1", &[Some("198.51.100.1")], "192.0.2.1"),
            ("::ffff:192.0.2.1", &[Some("198.51.100.1")], "192.0.2.1"),
            // A trusted proxy with no header, an empty one, or only trusted entries.
            ("10.0.0.1", &[], "10.0.0.1"),
            ("10.0.0.1", &[Some("10.0.0.2, 2001:db8::10")], "10.0.0.1"),
            // The rightmost entry that is not a trusted proxy.
            ("10.0.0.1", &[Some("198.51.100.1")], "198.51.100.1"),
            (
                "10.0.0.1",
                &[Some("203.0.113.9, 198.51.100.1")],
                "198.51.100.1",
            ),
            (
                "10.0.0.1",
                &[Some("203.0.113.9, 198.51.100.1, 10.0.0.2")],
                "198.51.100.1",
            ),
            // Configured proxies match in either form, and so does the peer.
            ("::ffff:10.0.0.1", &[Some("198.51.100.1")], "198.51.100.1"),
            ("10.0.0.2", &[Some("198.51.100.1")], "198.51.100.1"),
            (
                "10.0.0.1",
                &[Some("198.51.100.1, ::ffff:10.0.0.2")],
                "198.51.100.1",
            ),
            // Mapped, ported and bracketed entries name their address.
            ("10.0.0.1", &[Some("::ffff:192.0.2.7")], "192.0.2.7"),
            (
                "10.0.0.1",
                &[Some("203.0.113.9, 192.0.2.7:4711")],
                "192.0.2.7",
            ),
            ("10.0.0.1", &[Some("[2001:db8::7]:443")], "2001:db8::7"),
            ("10.0.0.1", &[Some("[2001:db8::7]")], "2001:db8::7"),
            // An unreadable entry right of the client: the proxy, never an entry to its left.
            ("10.0.0.1", &[Some("203.0.113.9, unknown")], "10.0.0.1"),
            ("10.0.0.1", &[Some("203.0.113.9, ")], "10.0.0.1"),
            (
                "10.0.0.1",
                &[Some("203.0.113.9, _obf, 10.0.0.2")],
                "10.0.0.1",
            ),
            ("10.0.0.1", &[Some("203.0.113.9"), None], "10.0.0.1"),
            // An unreadable entry left of the client does not matter.
            ("10.0.0.1", &[Some("unknown, 198.51.100.1")], "198.51.100.1"),
            ("10.0.0.1", &[None, Some("198.51.100.1")], "198.51.100.1"),
            // Several header lines read as one list, in order.
            (
                "10.0.0.1",
                &[Some("203.0.113.9"), Some("198.51.100.1, 10.0.0.2")],
                "198.51.100.1",
            ),
            (
                "10.0.0.1",
                &[Some("203.0.113.9"), Some("10.0.0.2")],
                "203.0.113.9",
            ),
        ];
        for (peer, values, expected) in cases {
            let client =
                forwarded_client(ip(peer).to_canonical(), values.iter().copied(), &trusted);
            assert_eq!(
                client,
                ip(expected),
                "peer {peer}, X-Forwarded-For {values:?}"
            );
        }
    }
}
