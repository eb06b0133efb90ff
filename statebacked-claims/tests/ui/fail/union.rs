use statebacked_claims::Claims;

#[derive(Claims)]
union Viewer {
    id: u64,
    code: u32,
}

fn main() {}
