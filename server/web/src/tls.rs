//! TLS through rustls: TLS 1.2 and 1.3 only, certificates from PEM files.

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

pub fn server_config(cert_file: &Path, key_file: &Path) -> Result<rustls::ServerConfig, String> {
    let certs: Vec<CertificateDer<'static>> = {
        let mut r = std::io::BufReader::new(
            std::fs::File::open(cert_file)
                .map_err(|e| format!("server.tls.cert_file: {}: {e}", cert_file.display()))?,
        );
        rustls_pemfile::certs(&mut r)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("server.tls.cert_file: not a PEM certificate chain: {e}"))?
    };
    if certs.is_empty() {
        return Err("server.tls.cert_file: no certificate found".into());
    }
    let key: PrivateKeyDer<'static> = {
        let mut r = std::io::BufReader::new(
            std::fs::File::open(key_file).map_err(|e| format!("server.tls.key_file: {}: {e}", key_file.display()))?,
        );
        rustls_pemfile::private_key(&mut r)
            .map_err(|e| format!("server.tls.key_file: {e}"))?
            .ok_or("server.tls.key_file: no private key found")?
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("server.tls: the key does not match the certificate: {e}"))
}
