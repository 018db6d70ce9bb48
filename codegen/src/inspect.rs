//! Reading the generated client back: the shape of one operation's builder
//! (snapshotted, so a progenitor upgrade that changes it is a visible diff)
//! and the Rust types of the generated structs' fields (checked against the
//! API surface's rendering).

use std::collections::BTreeMap;

use quote::ToTokens as _;

/// The builder struct of the generated operation `name` (its type name,
/// e.g. `GetUserDetails`) and its `impl`, formatted; `None` if absent or
/// `client` does not parse.
pub fn builder_source(client: &str, name: &str) -> Option<String> {
    let file = syn::parse_file(client).ok()?;
    let items = module_items(&file.items, "builder")?;
    let wanted: Vec<syn::Item> = items
        .iter()
        .filter(|item| match item {
            syn::Item::Struct(s) => s.ident == name,
            syn::Item::Impl(i) => {
                i.trait_.is_none() && type_ident(&i.self_ty).is_some_and(|t| t == name)
            }
            _ => false,
        })
        .cloned()
        .collect();
    (!wanted.is_empty()).then(|| {
        let mut file: syn::File = syn::parse_quote!();
        file.items = wanted;
        prettyplease::unparse(&file)
    })
}

/// For every struct of the generated `types` module: its fields by JSON name
/// (the `serde(rename)` if any), each with its Rust type as written, paths
/// shortened (`::std::vec::Vec<T>` → `Vec<T>`).
pub fn struct_field_types(client: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let Ok(file) = syn::parse_file(client) else {
        return BTreeMap::new();
    };
    let Some(items) = module_items(&file.items, "types") else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for item in items {
        let syn::Item::Struct(s) = item else { continue };
        let syn::Fields::Named(named) = &s.fields else {
            continue;
        };
        let fields = named
            .named
            .iter()
            .filter_map(|f| {
                let ident = f.ident.as_ref()?.to_string();
                let name = serde_rename(&f.attrs)
                    .unwrap_or_else(|| ident.trim_start_matches("r#").to_string());
                Some((name, short_type(&f.ty)))
            })
            .collect();
        out.insert(s.ident.to_string(), fields);
    }
    out
}

fn module_items<'a>(items: &'a [syn::Item], name: &str) -> Option<&'a [syn::Item]> {
    items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => {
            m.content.as_ref().map(|(_, items)| items.as_slice())
        }
        _ => None,
    })
}

fn type_ident(ty: &syn::Type) -> Option<&syn::Ident> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

pub(crate) fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename
}

pub(crate) fn short_type(ty: &syn::Type) -> String {
    let mut text: String = ty
        .to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for prefix in [
        "::std::vec::",
        "::std::option::",
        "::std::string::",
        "::std::collections::",
        "::serde_json::",
        "crate::shapes::",
        "super::",
    ] {
        text = text.replace(prefix, "");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = r#"
        pub mod types {
            pub struct Listing {
                #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                pub items: ::std::vec::Vec<Item>,
                #[serde(rename = "type")]
                pub type_: ::std::option::Option<::std::string::String>,
            }
            pub enum NotAStruct { A }
        }
        pub mod builder {
            pub struct GetListing<'a> { client: &'a super::Client }
            impl<'a> GetListing<'a> { pub async fn send(self) {} }
            impl<'a> Clone for GetListing<'a> { fn clone(&self) -> Self { todo!() } }
            pub struct Other;
        }
    "#;

    #[test]
    fn reads_field_types_by_json_name() {
        let types = struct_field_types(CLIENT);
        let listing = &types["Listing"];
        assert_eq!(listing["items"], "Vec<Item>");
        assert_eq!(listing["type"], "Option<String>");
        assert!(!types.contains_key("NotAStruct"));
    }

    #[test]
    fn extracts_one_builder_and_its_inherent_impl() {
        let text = builder_source(CLIENT, "GetListing").unwrap();
        assert!(text.contains("pub struct GetListing"), "{text}");
        assert!(text.contains("pub async fn send"), "{text}");
        assert!(!text.contains("Clone for"), "{text}");
        assert!(!text.contains("Other"), "{text}");
        assert!(builder_source(CLIENT, "Missing").is_none());
    }
}
