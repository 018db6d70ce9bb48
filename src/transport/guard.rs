//! The plain-HTTP guard: secrets and tokens never travel unencrypted, except
//! to loopback addresses (a local sandbox).

use url::{Host, Url};

use crate::Error;

/// Fails for `http://` URLs whose host is not a loopback address.
pub(crate) fn check_url(url: &Url) -> Result<(), Error> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::Config(format!(
            "refusing plain http:// to {}: credentials and tokens need https (http is allowed only for loopback)",
            url.host_str().unwrap_or("?")
        ))),
        other => Err(Error::Config(format!("unsupported URL scheme {other:?}"))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only() {
        for ok in [
            "https://api.example",
            "http://127.0.0.1:8080/public",
            "http://[::1]:1/",
            "http://localhost:3000",
        ] {
            assert!(check_url(&Url::parse(ok).unwrap()).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.digitallocker.gov.in/public",
            "http://10.0.0.1/",
            "ftp://127.0.0.1/",
        ] {
            assert!(check_url(&Url::parse(bad).unwrap()).is_err(), "{bad}");
        }
    }
}
