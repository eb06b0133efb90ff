// The service asks for an authorizer of `Member`; the authorizer was written for `Guest`.
// The two sides disagree on the claims type, so the service does not compile.
use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;
use statebacked_claims::authorize::{Authorizer, ReadRequest, WriteRequest};

#[derive(Serialize, Deserialize, Claims)]
struct Member {
    sub: String,
}

#[derive(Serialize, Deserialize, Claims)]
struct Guest {
    sub: String,
}

struct Board;

struct TeamOnly;

impl Authorizer<Board, (), Guest> for TeamOnly {
    fn allow_read(&self, _: &ReadRequest<'_, Board, Guest>) -> bool {
        true
    }
    fn allow_write(&self, _: &WriteRequest<'_, Board, (), Guest>) -> bool {
        true
    }
}

fn serve<A: Authorizer<Board, (), Member>>(_authorizer: A) {}

fn main() {
    serve(TeamOnly);
}
