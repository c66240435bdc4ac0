//! Access keys: a caller's AK/SK pair, and how a verifier finds the SK of an AK.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};

/// An access key ID (AK) and its secret access key (SK); the SK never shows in `Debug`.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Access key ID.
    pub access_key: String,
    /// Secret access key.
    pub secret_key: SecretString,
}

impl Credentials {
    /// A credential pair.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key: SecretString::from(secret_key.into()),
        }
    }
}

/// Finds the secret key of an access key, for verification.
pub trait KeyLookup {
    /// The SK bytes of `access_key`, or `None` when the key is unknown.
    fn secret_key(&self, access_key: &str) -> Option<&[u8]>;
}

impl KeyLookup for Credentials {
    fn secret_key(&self, access_key: &str) -> Option<&[u8]> {
        (self.access_key == access_key).then(|| self.secret_key.expose_secret().as_bytes())
    }
}

impl KeyLookup for [Credentials] {
    fn secret_key(&self, access_key: &str) -> Option<&[u8]> {
        self.iter().find_map(|c| c.secret_key(access_key))
    }
}

impl<S: std::hash::BuildHasher> KeyLookup for HashMap<String, SecretString, S> {
    fn secret_key(&self, access_key: &str) -> Option<&[u8]> {
        self.get(access_key).map(|sk| sk.expose_secret().as_bytes())
    }
}
