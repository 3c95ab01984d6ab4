//! Opening an IMAP session: implicit TLS (the public roots, and a private
//! CA when the mailbox names one), or plain TCP to a loopback address only.

use std::{net::IpAddr, sync::Arc};

use async_imap::{Client, Session};
use tokio::net::TcpStream;
use tokio_rustls::{
    client::TlsStream,
    rustls::{pki_types::ServerName, ClientConfig, RootCertStore},
    TlsConnector,
};
use tokio_util::either::Either;

use super::{MailboxSettings, SyncError};

pub type Stream = Either<TcpStream, TlsStream<TcpStream>>;

/// How the session authenticates.
pub enum Login {
    Password(String),
    /// An OAuth access token, sent with SASL XOAUTH2.
    Bearer(String),
}

/// A logged-in session; log out with [`close`].
pub async fn open(s: &MailboxSettings, login: &Login) -> Result<Session<Stream>, SyncError> {
    if s.host.is_empty() || s.username.is_empty() {
        return Err(SyncError::Settings("host and username are required".into()));
    }
    // Checked before any connection (or name lookup) is made.
    let plain = match s.security.as_str() {
        "plain" => {
            let loopback =
                s.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) || s.host == "localhost";
            if !loopback {
                return Err(SyncError::Settings(
                    "plain IMAP is only for a server on this machine; use tls".into(),
                ));
            }
            true
        }
        "tls" => false,
        other => {
            return Err(SyncError::Settings(format!(
                "security {other:?}: tls or plain"
            )))
        }
    };
    let tcp = TcpStream::connect((s.host.as_str(), s.port))
        .await
        .map_err(|e| SyncError::Imap(format!("cannot reach {}:{}: {e}", s.host, s.port)))?;
    let stream = if plain {
        Either::Left(tcp)
    } else {
        Either::Right(tls(s, tcp).await?)
    };
    let mut client = Client::new(stream);
    client
        .read_response()
        .await
        .map_err(|e| SyncError::Imap(format!("no greeting: {e}")))?
        .ok_or_else(|| SyncError::Imap("the server closed before greeting".into()))?;
    match login {
        Login::Password(password) => client.login(&s.username, password).await,
        Login::Bearer(token) => {
            let auth = super::oauth::XOAuth2 {
                user: s.username.clone(),
                token: token.clone(),
            };
            client.authenticate("XOAUTH2", &auth).await
        }
    }
    .map_err(|(e, _)| SyncError::Imap(format!("login refused: {e}")))
}

pub async fn close(mut session: Session<Stream>) {
    let _ = session.logout().await;
}

async fn tls(s: &MailboxSettings, tcp: TcpStream) -> Result<TlsStream<TcpStream>, SyncError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = &s.ca_pem {
        for cert in rustls_pemfile_certs(pem)? {
            roots
                .add(cert)
                .map_err(|e| SyncError::Settings(format!("ca_pem: {e}")))?;
        }
    }
    let config = ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| SyncError::Settings(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from(s.host.clone())
        .map_err(|_| SyncError::Settings(format!("{:?} is not a host name", s.host)))?;
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| SyncError::Imap(format!("TLS with {}: {e}", s.host)))
}

/// The certificates in a PEM text.
fn rustls_pemfile_certs(
    pem: &str,
) -> Result<Vec<tokio_rustls::rustls::pki_types::CertificateDer<'static>>, SyncError> {
    use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer};
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SyncError::Settings(format!("ca_pem: {e}")))
}
