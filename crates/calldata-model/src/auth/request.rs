//! What a signature covers: method, path, query, headers and body of one request.

/// Read access to request headers by lower-case name.
pub trait HeaderSource {
    /// The value of the header `lower_name` (already lower-case), if present.
    fn header(&self, lower_name: &str) -> Option<&[u8]>;
}

/// The parts of a request that `auth-v2` signs; borrowed, nothing copied.
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// Request path exactly as sent, without the query string.
    pub path: &'a str,
    /// Raw query string as sent (without `?`), `""` when there is none.
    pub query: &'a str,
    /// The request headers.
    pub headers: &'a dyn HeaderSource,
    /// The raw body bytes as sent.
    pub body: &'a [u8],
}

impl std::fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderSource for [(K, V)] {
    fn header(&self, lower_name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(lower_name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, const N: usize> HeaderSource for [(K, V); N] {
    fn header(&self, lower_name: &str) -> Option<&[u8]> {
        self.as_slice().header(lower_name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderSource for Vec<(K, V)> {
    fn header(&self, lower_name: &str) -> Option<&[u8]> {
        self.as_slice().header(lower_name)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderSource for std::collections::BTreeMap<K, V> {
    fn header(&self, lower_name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(lower_name))
            .map(|(_, v)| v.as_ref())
    }
}
