//! Compile-time behaviour of `#[derive(Claims)]` and of the typed issuer, with trybuild.
//! The `.stderr` snapshots depend on the compiler: the toolchain is pinned in
//! `rust-toolchain.toml`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
