//! The data directory: state the server creates on first start and reuses after — the demo
//! access key (SK file mode 0600) and a local CA with a server certificate for loopback.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

/// File names inside the data directory (shared with the client).
pub use calldata_model::local_server as names;

/// Why the data directory could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// A file or directory could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The operating system's random source failed.
    #[error("no randomness available for a new key: {0}")]
    Random(String),
    /// Certificate generation failed.
    #[error("could not generate the TLS certificate: {0}")]
    Certificate(#[from] rcgen::Error),
}

/// The demo access key, created on first start.
#[derive(Debug, Clone)]
pub struct DemoKey {
    /// Access key ID.
    pub access_key: String,
    /// Secret key.
    pub secret_key: SecretString,
    /// Where the SK is stored.
    pub secret_key_path: PathBuf,
}

/// Paths of the generated certificate files.
#[derive(Debug, Clone)]
pub struct GeneratedTls {
    /// The CA certificate clients should trust.
    pub ca_cert: PathBuf,
    /// The server certificate chain.
    pub server_cert: PathBuf,
    /// The server private key.
    pub server_key: PathBuf,
}

/// Reads the demo key, creating it (and the directory) on first start.
pub fn ensure_demo_key(dir: &Path) -> Result<DemoKey, DataDirError> {
    let ak_path = dir.join(names::DEMO_ACCESS_KEY_FILE);
    let sk_path = dir.join(names::DEMO_SECRET_KEY_FILE);
    if !(ak_path.exists() && sk_path.exists()) {
        create_dir(dir)?;
        let access_key = format!("calldata-demo-{}", hex::encode(random_bytes::<4>()?));
        let secret_key = hex::encode(random_bytes::<32>()?);
        write_file(&sk_path, secret_key.as_bytes(), true)?;
        write_file(&ak_path, access_key.as_bytes(), false)?;
    }
    let access_key = read_trimmed(&ak_path)?;
    let secret_key = SecretString::from(read_trimmed(&sk_path)?);
    Ok(DemoKey {
        access_key,
        secret_key,
        secret_key_path: sk_path,
    })
}

/// Returns the generated certificate files, creating a CA and a loopback server
/// certificate on first start.
pub fn ensure_certificate(dir: &Path) -> Result<GeneratedTls, DataDirError> {
    let paths = GeneratedTls {
        ca_cert: dir.join(names::CA_CERT_FILE),
        server_cert: dir.join(names::SERVER_CERT_FILE),
        server_key: dir.join(names::SERVER_KEY_FILE),
    };
    if paths.ca_cert.exists() && paths.server_cert.exists() && paths.server_key.exists() {
        return Ok(paths);
    }
    create_dir(&dir.join("tls"))?;
    let (ca_pem, chain_pem, key_pem) = generate_certificate()?;
    write_file(&paths.server_key, key_pem.as_bytes(), true)?;
    write_file(&paths.server_cert, chain_pem.as_bytes(), false)?;
    write_file(&paths.ca_cert, ca_pem.as_bytes(), false)?;
    Ok(paths)
}

/// A throwaway CA and a server certificate for `localhost`, `127.0.0.1` and `::1`, as PEM:
/// (CA certificate, server chain, server key).
fn generate_certificate() -> Result<(String, String, String), rcgen::Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
        ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let mut ca_name = DistinguishedName::new();
    ca_name.push(DnType::CommonName, "calldata local CA");
    ca_params.distinguished_name = ca_name;
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let mut params = CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])?;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "calldata-server");
    params.distinguished_name = name;
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &ca)?;
    let ca_pem = ca.pem();
    Ok((
        ca_pem.clone(),
        format!("{}{}", cert.pem(), ca_pem),
        key.serialize_pem(),
    ))
}

fn random_bytes<const N: usize>() -> Result<[u8; N], DataDirError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| DataDirError::Random(e.to_string()))?;
    Ok(bytes)
}

fn create_dir(dir: &Path) -> Result<(), DataDirError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| DataDirError::Io {
        action: "create directory",
        path: dir.into(),
        source,
    })
}

fn read_trimmed(path: &Path) -> Result<String, DataDirError> {
    let text = fs::read_to_string(path).map_err(|source| DataDirError::Io {
        action: "read",
        path: path.into(),
        source,
    })?;
    Ok(text.trim().to_owned())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place, so a
/// reader never sees half a file. `secret` files get mode 0600.
fn write_file(path: &Path, bytes: &[u8], secret: bool) -> Result<(), DataDirError> {
    let io = |action, source| DataDirError::Io {
        action,
        path: path.into(),
        source,
    };
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, if secret { 0o600 } else { 0o644 });
    let mut file = options.open(&tmp).map_err(|e| io("create", e))?;
    file.write_all(bytes).map_err(|e| io("write", e))?;
    file.sync_all().map_err(|e| io("sync", e))?;
    fs::rename(&tmp, path).map_err(|e| io("rename into", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn demo_key_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = ensure_demo_key(dir.path()).unwrap();
        let second = ensure_demo_key(dir.path()).unwrap();
        assert_eq!(first.access_key, second.access_key);
        assert_eq!(
            first.secret_key.expose_secret(),
            second.secret_key.expose_secret()
        );
        assert_eq!(first.secret_key.expose_secret().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&first.secret_key_path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn certificate_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = ensure_certificate(dir.path()).unwrap();
        let pem = fs::read_to_string(&first.server_cert).unwrap();
        assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2);
        let again = ensure_certificate(dir.path()).unwrap();
        assert_eq!(fs::read_to_string(&again.server_cert).unwrap(), pem);
    }
}
