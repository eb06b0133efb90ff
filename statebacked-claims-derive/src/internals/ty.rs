//! What a field's Rust type looks like on the wire, read from its syntax.

use syn::{GenericArgument, PathArguments, Type};

/// The JSON shape of a field, as far as the type's syntax tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeDesc {
    String,
    Integer,
    Number,
    Boolean,
    Array(Box<TypeDesc>),
    Map(Box<TypeDesc>),
    Optional(Box<TypeDesc>),
    Any,
    /// Another type, by its last path segment: a nested struct, a generic parameter.
    Named(String),
}

impl TypeDesc {
    pub fn of(ty: &Type) -> TypeDesc {
        match ty {
            Type::Reference(reference) => TypeDesc::of(&reference.elem),
            Type::Paren(paren) => TypeDesc::of(&paren.elem),
            Type::Group(group) => TypeDesc::of(&group.elem),
            Type::Array(array) => TypeDesc::Array(Box::new(TypeDesc::of(&array.elem))),
            Type::Slice(slice) => TypeDesc::Array(Box::new(TypeDesc::of(&slice.elem))),
            Type::Path(path) if path.qself.is_none() => {
                let Some(last) = path.path.segments.last() else {
                    return TypeDesc::Any;
                };
                let args = type_args(&last.arguments);
                let name = last.ident.to_string();
                match (name.as_str(), args.as_slice()) {
                    ("String" | "str", []) => TypeDesc::String,
                    ("Cow", [inner]) => TypeDesc::of(inner),
                    (
                        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32"
                        | "u64" | "u128" | "usize",
                        [],
                    ) => TypeDesc::Integer,
                    ("f32" | "f64", []) => TypeDesc::Number,
                    ("bool", []) => TypeDesc::Boolean,
                    ("Value", []) => TypeDesc::Any,
                    ("Option", [inner]) => TypeDesc::Optional(Box::new(TypeDesc::of(inner))),
                    ("Box" | "Arc" | "Rc", [inner]) => TypeDesc::of(inner),
                    ("Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "IndexSet", [item]) => {
                        TypeDesc::Array(Box::new(TypeDesc::of(item)))
                    }
                    ("HashMap" | "BTreeMap" | "IndexMap", [_, value]) => {
                        TypeDesc::Map(Box::new(TypeDesc::of(value)))
                    }
                    _ => TypeDesc::Named(name),
                }
            }
            _ => TypeDesc::Any,
        }
    }

    pub fn is_option(&self) -> bool {
        matches!(self, TypeDesc::Optional(_))
    }

    /// How many `Option`s wrap the type: 2 for `Option<Option<String>>`.
    pub fn options(&self) -> usize {
        match self {
            TypeDesc::Optional(inner) => 1 + inner.options(),
            _ => 0,
        }
    }

    /// The type inside an `Option`, or the type itself.
    pub fn without_option(&self) -> &TypeDesc {
        match self {
            TypeDesc::Optional(inner) => inner,
            other => other,
        }
    }
}

/// The syntax of the type a [`TypeDesc::Named`] inside `ty` stands for, found through the
/// wrappers, `Option`s and collections [`TypeDesc::of`] looks through: `Address` in
/// `Option<Vec<Box<Address>>>`. `None` when `ty` describes no named type, or only inside a
/// map.
pub fn named_type(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Reference(reference) => named_type(&reference.elem),
        Type::Paren(paren) => named_type(&paren.elem),
        Type::Group(group) => named_type(&group.elem),
        Type::Array(array) => named_type(&array.elem),
        Type::Slice(slice) => named_type(&slice.elem),
        Type::Path(path) if path.qself.is_none() => match TypeDesc::of(ty) {
            TypeDesc::Named(_) => {
                let last = path.path.segments.last()?;
                match (
                    last.ident.to_string().as_str(),
                    type_args(&last.arguments).as_slice(),
                ) {
                    // `Cow<Address>`, `Box<Address>`: `TypeDesc::of` names what is inside.
                    ("Cow" | "Box" | "Arc" | "Rc", [inner]) => named_type(inner),
                    _ => Some(ty),
                }
            }
            TypeDesc::Optional(_) | TypeDesc::Array(_) => {
                let last = path.path.segments.last()?;
                match type_args(&last.arguments).as_slice() {
                    [inner] => named_type(inner),
                    _ => None,
                }
            }
            _ => None,
        },
        _ => None,
    }
}

/// The type arguments of a path segment, ignoring lifetimes and const arguments.
pub fn type_args(arguments: &PathArguments) -> Vec<&Type> {
    match arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::TypeDesc::{self, *};
    use syn::parse_quote;

    fn of(ty: syn::Type) -> TypeDesc {
        TypeDesc::of(&ty)
    }

    #[test]
    fn describes_common_claim_types() {
        assert_eq!(of(parse_quote!(String)), String);
        assert_eq!(of(parse_quote!(&'a str)), String);
        assert_eq!(of(parse_quote!(std::borrow::Cow<'a, str>)), String);
        assert_eq!(of(parse_quote!(u64)), Integer);
        assert_eq!(of(parse_quote!(f32)), Number);
        assert_eq!(of(parse_quote!(bool)), Boolean);
        assert_eq!(of(parse_quote!(serde_json::Value)), Any);
        assert_eq!(
            of(parse_quote!(Option<Vec<String>>)),
            Optional(Box::new(Array(Box::new(String))))
        );
        assert_eq!(
            of(parse_quote!(std::collections::BTreeMap<String, i32>)),
            Map(Box::new(Integer))
        );
        assert_eq!(of(parse_quote!([u8; 4])), Array(Box::new(Integer)));
        assert_eq!(of(parse_quote!(Address)), Named("Address".into()));
        assert!(of(parse_quote!(core::option::Option<u8>)).is_option());
        assert!(!of(parse_quote!(Vec<Option<u8>>)).is_option());
        assert_eq!(of(parse_quote!(Option<Option<u8>>)).options(), 2);
        assert_eq!(of(parse_quote!(Vec<Option<u8>>)).options(), 0);
    }

    #[test]
    fn named_types_are_found_through_wrappers_and_collections() {
        use super::named_type;
        use quote::ToTokens;
        let named = |ty: syn::Type| named_type(&ty).map(|t| t.to_token_stream().to_string());
        assert_eq!(named(parse_quote!(Address)), Some("Address".into()));
        assert_eq!(
            named(parse_quote!(Option<Vec<Box<geo::Address>>>)),
            Some("geo :: Address".into())
        );
        assert_eq!(named(parse_quote!([Address; 2])), Some("Address".into()));
        assert_eq!(
            named(parse_quote!(std::sync::Arc<Cow<'static, Address>>)),
            Some("Address".into())
        );
        assert_eq!(named(parse_quote!(Vec<String>)), None);
        assert_eq!(named(parse_quote!(BTreeMap<String, Address>)), None);
        assert_eq!(named(parse_quote!(serde_json::Value)), None);
    }
}
