//! Only requests for this site's own host are served: a page on another
//! domain that rebinds its name to 127.0.0.1 still sends its own name as
//! the Host, and is refused. Loopback names are always allowed (only local
//! clients can send them); health checks are exempt (they reveal nothing).

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

#[derive(Clone, Debug)]
pub struct Hosts {
    /// The host of `REDKEY_PUBLIC_URL`, lower case, without the port.
    public: Option<String>,
}

impl Hosts {
    pub fn new(public_url: Option<&str>) -> Self {
        let public = public_url.and_then(|u| {
            let rest = u.split_once("://").map_or(u, |(_, r)| r);
            let authority = rest.split(['/', '?', '#']).next()?;
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            Some(without_port(host).to_ascii_lowercase())
        });
        Self { public }
    }

    pub fn allows(&self, host: &str) -> bool {
        let name = without_port(host.trim()).to_ascii_lowercase();
        crate::config::is_loopback_name(&name) || self.public.as_deref() == Some(name.as_str())
    }
}

/// `example.com:443` -> `example.com`; `[::1]:3000` -> `[::1]`.
fn without_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.split(':').next().unwrap_or(host)
}

pub async fn known_host(State(hosts): State<Hosts>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    if hosts.allows(super::guard::host_of(&req)) {
        next.run(req).await
    } else {
        (
            StatusCode::MISDIRECTED_REQUEST,
            "this host is not served here",
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::Hosts;

    #[test]
    fn loopback_and_the_public_host_only() {
        let local = Hosts::new(None);
        for ok in [
            "127.0.0.1:3000",
            "localhost",
            "LOCALHOST:80",
            "[::1]:8080",
            "127.1.2.3",
        ] {
            assert!(local.allows(ok), "{ok}");
        }
        for bad in [
            "evil.test",
            "evil.test:3000",
            "127.0.0.1.evil.test",
            "",
            "crm.acme.test",
        ] {
            assert!(!local.allows(bad), "{bad}");
        }
        let public = Hosts::new(Some("https://CRM.acme.test/"));
        assert!(public.allows("crm.acme.test"));
        assert!(public.allows("crm.acme.test:443"));
        assert!(public.allows("127.0.0.1:3000"));
        assert!(!public.allows("acme.test"));
    }
}
