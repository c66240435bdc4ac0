//! The BMS adapter over mutual TLS, over real sockets: a TLS front that demands a client
//! certificate issued by its CA relays to the BMS emulator. With `client_cert` and
//! `client_key` the adapter gets the call; without them the front refuses the handshake,
//! which the adapter reports as a TLS fault; a certificate from another CA is refused too.

#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)] // test code

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use calldata_bms::adapter::Fault;
use calldata_bms::embedded::sample_keys;
use calldata_bms::{CallSource, DemoSettings, HttpBms, HttpBmsSettings, Lookup, SourceError};
use calldata_bms_emulator::{CallsSource, EmulatorSettings, Faults, RunningEmulator};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

const DEMO: DemoSettings = DemoSettings { count: 20, seed: 5 };

/// A certificate, its key and the certificate of the CA that issued it, as PEM.
struct Issued {
    ca: String,
    cert: String,
    key: String,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn issue(
    ca: &CertifiedIssuer<'static, KeyPair>,
    names: Vec<String>,
    purpose: ExtendedKeyUsagePurpose,
) -> Issued {
    let mut params = CertificateParams::new(names).unwrap();
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![purpose];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    Issued {
        ca: ca.pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

/// A TLS front on 127.0.0.1 that demands a client certificate from `client_ca` and relays
/// every accepted connection to `backend`; a refused handshake just closes the connection.
async fn mtls_front(server: &Issued, client_ca: &str, backend: SocketAddr) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(client_ca.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let chain = CertificateDer::pem_slice_iter(server.cert.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(server.key.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    address
}

fn write(dir: &Path, name: &str, pem: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path
}

#[tokio::test]
async fn the_adapter_presents_its_client_certificate_and_a_missing_or_foreign_one_is_a_tls_fault() {
    let emulator = RunningEmulator::start(EmulatorSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        calls: CallsSource::Demo(DEMO),
        faults: Faults::none(),
    })
    .await
    .unwrap();
    let bms_ca = ca("test BMS CA");
    let server = issue(
        &bms_ca,
        vec!["127.0.0.1".to_owned()],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let clients_ca = ca("test adapter CA");
    let client = issue(
        &clients_ca,
        vec!["calldata-adapter".to_owned()],
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    let stranger = issue(
        &ca("some other CA"),
        vec!["calldata-adapter".to_owned()],
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    let front = mtls_front(&server, &client.ca, emulator.address()).await;

    let dir = tempfile::tempdir().unwrap();
    let ca_cert = write(dir.path(), "bms-ca.pem", &server.ca);
    let settings = |identity: Option<(&Issued, &str)>| HttpBmsSettings {
        url: format!("https://127.0.0.1:{}", front.port()),
        ca_cert: Some(ca_cert.clone()),
        client_cert: identity.map(|(i, name)| write(dir.path(), &format!("{name}.pem"), &i.cert)),
        client_key: identity.map(|(i, name)| write(dir.path(), &format!("{name}.key"), &i.key)),
        retry: false,
        breaker_failures: 100,
        ..HttpBmsSettings::default()
    };
    let key = sample_keys(&DEMO, 1)[0];

    let with_certificate = HttpBms::new(&settings(Some((&client, "client"))), None).unwrap();
    match with_certificate.lookup(key).await {
        Lookup::Found(call) => assert!(call.dsn.is_some(), "{call:?}"),
        other => panic!("with its client certificate the adapter gets the call: {other:?}"),
    }

    let without = HttpBms::new(&settings(None), None).unwrap();
    assert_eq!(
        without.lookup(key).await,
        Lookup::Failed(SourceError::Unavailable(Fault::Tls.message())),
        "without a client certificate the front refuses the handshake"
    );

    let foreign = HttpBms::new(&settings(Some((&stranger, "stranger"))), None).unwrap();
    assert_eq!(
        foreign.lookup(key).await,
        Lookup::Failed(SourceError::Unavailable(Fault::Tls.message())),
        "a certificate from another CA is refused"
    );
}
