//! Generated code reaches everything through absolute paths: shadowing the prelude, serde
//! and the runtime crate's names in the user's module changes nothing.

#![deny(warnings)]
#![allow(non_camel_case_types, dead_code)]

mod shadowed {
    // Everything generated code could accidentally resolve relative to the user's module.
    struct Result;
    struct Option;
    struct String;
    struct Vec;
    struct Some;
    struct None;
    struct Ok;
    struct Err;
    struct Box;
    // (`str` and `bool` are left alone: serde_derive's own output names them.)
    mod core {}
    mod std {}
    mod serde {}
    mod statebacked_claims {}
    mod __private {}
    trait Claims {}
    struct ClaimSchema;
    struct FieldSchema;
    struct ClaimType;

    #[derive(::serde::Serialize, ::serde::Deserialize, ::statebacked_claims::Claims)]
    #[serde(rename_all = "camelCase")]
    pub struct Viewer {
        pub user_id: ::std::string::String,
        pub email: ::std::option::Option<::std::string::String>,
        #[serde(default)]
        pub roles: ::std::vec::Vec<::std::string::String>,
    }

    #[derive(::serde::Serialize, ::serde::Deserialize, ::statebacked_claims::Claims)]
    pub struct Wrapper<T> {
        pub inner: T,
    }
}

#[test]
fn derive_uses_absolute_paths() {
    use statebacked_claims::Claims;
    let names: Vec<&str> = shadowed::Viewer::schema().wire_names().collect();
    assert_eq!(names, ["userId", "email", "roles"]);
    assert_eq!(shadowed::Wrapper::<u8>::schema().fields().len(), 1);
}
