//! The rules every document fetched from an identity provider follows (SECURITY.md S25): an
//! `https://` URL (plain `http://` for loopback hosts only), no redirects, a bounded time and
//! a bounded size. The JWKS and the OpenID configuration are fetched alike.

use std::time::Duration;

/// Why a document could not be fetched. Converted into the error of what was being fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// Not `https://`, and not `http://` to a loopback host.
    Insecure,
    /// Not a URL.
    Invalid,
    /// Connection, TLS or timeout.
    Transport(String),
    /// A status other than 200 (a redirect included).
    Status(u16),
    /// Over the size limit.
    TooLarge { max: usize },
}

/// `url` parsed, if it may be fetched: `https://`, or `http://` to a loopback host.
pub(crate) fn check_url(url: &str) -> Result<url::Url, FetchError> {
    let parsed = url::Url::parse(url).map_err(|_| FetchError::Invalid)?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(host)) => host == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err(FetchError::Insecure),
    }
}

/// A client that never follows a redirect and gives up after `timeout`.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|err| err.to_string())
}

/// The body of a `GET url` answered with 200, at most `max` bytes.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &str,
    max: usize,
) -> Result<Vec<u8>, FetchError> {
    let transport = |err: reqwest::Error| {
        // reqwest's message names the URL, which is configuration, not a secret.
        FetchError::Transport(if err.is_timeout() {
            "timed out".to_owned()
        } else {
            err.to_string()
        })
    };
    let mut response = client
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(transport)?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(FetchError::Status(response.status().as_u16()));
    }
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(FetchError::TooLarge { max });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > max {
            return Err(FetchError::TooLarge { max });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(check_url("https://idp.example/x").is_ok());
        for ok in [
            "http://127.0.0.1:1/x",
            "http://localhost/x",
            "http://[::1]:8/x",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://idp.example/x",
            "http://127.0.0.1.nip.io/x",
            "ftp://127.0.0.1/x",
            "file:///etc/passwd",
        ] {
            assert_eq!(check_url(bad).unwrap_err(), FetchError::Insecure, "{bad}");
        }
        assert_eq!(check_url("not a url").unwrap_err(), FetchError::Invalid);
    }
}
