//! Arbitrary bytes as an RFC 8693 form body, parsed and exchanged (no identity provider
//! matches, so nothing is signed; everything before that is exercised).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};
use statebacked_claims::{
    Claims, exchange::ExchangeRequest, Expires, IdentityProvider, Key, TokenExchange, TokenProvider,
};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

#[derive(Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
    #[claim(from = "$.sub")]
    sub: Option<String>,
}

/// The exchange never waits without `jwks-http`: one poll finishes it.
fn ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = ExchangeRequest::parse_form(data);
    let _ = String::from_utf8_lossy(data).parse::<Expires>();
    let exchange = TokenExchange::<Viewer>::new("org_fuzz")
        .unwrap()
        .identity_provider(IdentityProvider::anonymous("org_fuzz").unwrap())
        .unwrap()
        .token_provider(
            TokenProvider::new(
                "app",
                Key::hs256("sbk_fuzz", "sbsec_fuzz_secret_0123456789abcdef").unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
    let _ = ready(exchange.exchange_form(data));
});
