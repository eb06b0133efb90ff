//! One claims type shared by a service and its authorizers, and by both sides' tests through
//! `statebacked_claims::testing`.
//!
//! `claims` is the crate both sides depend on; `authorizer` is what a machine's authorizer
//! crate holds (with its unit tests); `server` is the service that verifies tokens and asks the
//! authorizer. `server::router` only accepts an authorizer of `claims::Member`, so if the two
//! sides disagreed on the type this file would not compile — the same mistake, made on
//! purpose, is the trybuild case `statebacked-claims/tests/ui/fail/authorizer_claims_mismatch.rs`.

mod claims {
    use serde::{Deserialize, Serialize};
    use statebacked_claims::Claims;

    /// The authContext of the service's tokens.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
    pub struct Member {
        #[claim(validate(length(min = 1, max = 64)))]
        pub sub: String,
        #[claim(validate(prefix = "team-"))]
        pub team: String,
    }

    /// A board's context: the team it belongs to.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Board {
        pub team: String,
    }

    /// The board machine's events.
    #[derive(Debug, Clone, PartialEq)]
    pub enum BoardEvent {
        Post,
    }
}

mod authorizer {
    use super::claims::{Board, BoardEvent, Member};
    use statebacked_claims::AuthContext;
    use statebacked_claims::authorize::{Authorizer, ReadRequest, WriteRequest};

    /// Members of a board's team may read and write it.
    #[derive(Debug, Clone, Copy)]
    pub struct TeamOnly;

    fn same_team(board: &Board, auth: AuthContext<'_, Member>) -> bool {
        auth.claims()
            .is_some_and(|member| member.team == board.team)
    }

    impl Authorizer<Board, BoardEvent, Member> for TeamOnly {
        fn allow_read(&self, request: &ReadRequest<'_, Board, Member>) -> bool {
            same_team(request.context, request.auth_context)
        }
        fn allow_write(&self, request: &WriteRequest<'_, Board, BoardEvent, Member>) -> bool {
            same_team(request.context(), request.auth_context())
        }
    }

    /// The authorizer's unit tests: contexts from the same helpers the service's tests use.
    #[cfg(test)]
    mod tests {
        use super::*;
        use statebacked_claims::authorize::StateValue;
        use statebacked_claims::testing::TestTokens;

        fn member(team: &str) -> Member {
            Member {
                sub: "m-1".into(),
                team: team.into(),
            }
        }

        #[test]
        fn members_of_the_team_only() {
            let tokens = TestTokens::<Member>::new();
            let board = Board {
                team: "team-red".into(),
            };
            let state = StateValue::from("open");
            let red = tokens.verified(&member("team-red"));
            let blue = tokens.verified(&member("team-blue"));

            let read = ReadRequest::new("board-1", &state, &board, red.auth_context());
            assert!(TeamOnly.allow_read(&read));
            let read = ReadRequest::new("board-1", &state, &board, blue.auth_context());
            assert!(!TeamOnly.allow_read(&read));

            let post = BoardEvent::Post;
            let write =
                WriteRequest::new_event("board-1", &state, &post, &board, blue.auth_context());
            assert!(!TeamOnly.allow_write(&write));
            let create = WriteRequest::<_, BoardEvent, _>::new_initialization(
                "board-1",
                &board,
                red.auth_context(),
            );
            assert!(TeamOnly.allow_write(&create));
        }
    }
}

mod server {
    use super::claims::{Board, BoardEvent, Member};
    use axum::extract::{FromRef, Path, State};
    use axum::response::{IntoResponse, Response};
    use axum::{Router, routing::get};
    use statebacked_claims::authorize::{Authorizer, ReadRequest, StateValue};
    use statebacked_claims::axum::authorize_read;
    use statebacked_claims::{Verified, Verifier};

    #[derive(Clone)]
    struct AppState<A> {
        verifier: Verifier<Member>,
        authorizer: A,
    }

    impl<A> FromRef<AppState<A>> for Verifier<Member> {
        fn from_ref(state: &AppState<A>) -> Self {
            state.verifier.clone()
        }
    }

    /// `GET /boards/{team}`: every board belongs to the team its name says.
    pub fn router<A>(verifier: Verifier<Member>, authorizer: A) -> Router
    where
        A: Authorizer<Board, BoardEvent, Member> + Clone + Send + Sync + 'static,
    {
        Router::new()
            .route("/boards/{team}", get(read::<A>))
            .with_state(AppState {
                verifier,
                authorizer,
            })
    }

    async fn read<A: Authorizer<Board, BoardEvent, Member>>(
        State(app): State<AppState<A>>,
        Path(team): Path<String>,
        caller: Verified<Member>,
    ) -> Response {
        let board = Board { team };
        let state = StateValue::from("open");
        let request = ReadRequest::new(&board.team, &state, &board, caller.auth_context());
        match authorize_read(&app.authorizer, &request) {
            Ok(()) => format!("{} reads {}", caller.claims().sub, board.team).into_response(),
            Err(rejected) => rejected.into_response(),
        }
    }
}

/// The service's integration test: the same type and the same test tokens as the
/// authorizer's unit tests, over real HTTP.
#[tokio::test]
async fn the_service_and_its_authorizer_share_the_claims_type() {
    use statebacked_claims::testing::TestTokens;

    let tokens = TestTokens::<claims::Member>::new();
    let app = server::router(tokens.verifier(), authorizer::TeamOnly);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let red = tokens.user(&claims::Member {
        sub: "m-1".into(),
        team: "team-red".into(),
    });
    let http = reqwest::Client::new();
    let get = |team: &str| {
        http.get(format!("{base}/boards/{team}"))
            .header("authorization", tokens.bearer(&red))
            .send()
    };
    let own = get("team-red").await.unwrap();
    assert_eq!(own.status(), 200);
    assert_eq!(own.text().await.unwrap(), "m-1 reads team-red");
    let other = get("team-blue").await.unwrap();
    assert_eq!(other.status(), 403);
    assert_eq!(
        other.text().await.unwrap(),
        r#"{"error":"rejected by machine authorizer","code":"rejected-by-machine-authorizer"}"#
    );
}
