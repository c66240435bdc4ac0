//! `KeyRegistry`: the access keys the server accepts and what each may query.

use std::collections::HashMap;
use std::path::Path;

use calldata_model::auth::KeyLookup;
use calldata_model::{CcId, Reach, Vdn};
use secrecy::{ExposeSecret, SecretString};

use crate::config::KeySettings;

/// What one key may query; an empty list means "all".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Allowed call centers.
    pub cc_ids: Vec<u16>,
    /// Allowed VDNs.
    pub vdns: Vec<u16>,
}

impl Scope {
    /// Whether this scope covers the call center.
    pub fn covers_cc(&self, cc_id: CcId) -> bool {
        self.cc_ids.is_empty() || self.cc_ids.contains(&cc_id.get())
    }

    /// Whether this scope covers the VDN (in any call center it covers).
    pub fn covers_vdn(&self, vdn: Vdn) -> bool {
        self.vdns.is_empty() || self.vdns.contains(&vdn.get())
    }

    /// Whether this scope has no limit: every call center and VDN.
    pub fn is_unrestricted(&self) -> bool {
        self.cc_ids.is_empty() && self.vdns.is_empty()
    }

    /// Whether this scope covers the call center and VDN.
    pub fn allows(&self, cc_id: CcId, vdn: Vdn) -> bool {
        self.covers_cc(cc_id) && self.covers_vdn(vdn)
    }

    /// Whether this scope covers what a request reaches: anything for the platform, the
    /// call center alone for a request without a VDN.
    pub fn permits(&self, reach: Reach) -> bool {
        match reach {
            Reach::Platform => true,
            Reach::CallCenter(cc_id) => self.covers_cc(cc_id),
            Reach::Vdn(cc_id, vdn) => self.allows(cc_id, vdn),
        }
    }
}

#[derive(Debug)]
struct Entry {
    secret: SecretString,
    scope: Scope,
}

/// The accepted access keys.
#[derive(Debug, Default)]
pub struct KeyRegistry {
    /// foldhash: every signed request looks its key up twice, and the keys are fixed at
    /// start, so a fast hasher is enough.
    keys: HashMap<String, Entry, foldhash::fast::RandomState>,
}

/// Why a configured key could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("access key {access_key:?}: cannot read secret_key_file {path}: {source}")]
pub struct KeyLoadError {
    access_key: String,
    path: String,
    source: std::io::Error,
}

impl KeyRegistry {
    /// Loads the configured keys, reading SK files.
    pub fn from_settings(keys: &[KeySettings]) -> Result<Self, KeyLoadError> {
        let mut registry = Self::default();
        for key in keys {
            let secret = match (&key.secret_key, &key.secret_key_file) {
                (Some(secret), _) => secret.clone(),
                (None, Some(path)) => read_secret(&key.access_key, path)?,
                // Validation guarantees one of the two; an empty SK would match nothing useful.
                (None, None) => SecretString::from(String::new()),
            };
            let scope = Scope {
                cc_ids: key.cc_ids.clone(),
                vdns: key.vdns.clone(),
            };
            registry.insert(key.access_key.clone(), secret, scope);
        }
        Ok(registry)
    }

    /// Adds or replaces one key.
    pub fn insert(&mut self, access_key: String, secret: SecretString, scope: Scope) {
        self.keys.insert(access_key, Entry { secret, scope });
    }

    /// The scope of a known key.
    pub fn scope(&self, access_key: &str) -> Option<&Scope> {
        self.keys.get(access_key).map(|e| &e.scope)
    }

    /// The registry's own copy of a known access key, with its scope.
    pub fn entry(&self, access_key: &str) -> Option<(&str, &Scope)> {
        self.keys
            .get_key_value(access_key)
            .map(|(key, e)| (key.as_str(), &e.scope))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is configured.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl KeyLookup for KeyRegistry {
    fn secret_key(&self, access_key: &str) -> Option<&[u8]> {
        self.keys
            .get(access_key)
            .map(|e| e.secret.expose_secret().as_bytes())
    }
}

fn read_secret(access_key: &str, path: &Path) -> Result<SecretString, KeyLoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyLoadError {
        access_key: access_key.to_owned(),
        path: path.display().to_string(),
        source,
    })?;
    let secret = text.lines().next().unwrap_or_default().trim();
    if secret.is_empty() {
        return Err(KeyLoadError {
            access_key: access_key.to_owned(),
            path: path.display().to_string(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the file holds no secret key",
            ),
        });
    }
    Ok(SecretString::from(secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_scope_lists_allow_everything_and_lists_restrict() {
        let all = Scope::default();
        let one = Scope {
            cc_ids: vec![1],
            vdns: vec![2, 3],
        };
        let (cc1, cc2) = (CcId::new(1).unwrap(), CcId::new(2).unwrap());
        let (v2, v4) = (Vdn::new(2).unwrap(), Vdn::new(4).unwrap());
        assert!(all.allows(cc2, v4));
        assert!(one.allows(cc1, v2));
        assert!(!one.allows(cc2, v2));
        assert!(!one.allows(cc1, v4));
    }
}
