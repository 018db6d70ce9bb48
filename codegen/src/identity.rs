//! Identity numbers in generated types: a property marked
//! `x-digilocker-identity-number: true` in the patched spec (patch 0040:
//! Aadhaar, mobile numbers) is masked by its type's `Debug`.
//!
//! progenitor derives `Debug` for every type; for a type with a marked
//! field (and for its builder in `types::builder`), the derive is dropped
//! and a `Debug` impl is added that prints every field as before except
//! the marked ones, which go through the overlay's
//! `crate::identity::MaskedField` (`xxxxxxxx1234`).

use heck::ToUpperCamelCase as _;
use serde_json::Value;
use syn::punctuated::Punctuated;
use syn::{Item, ItemStruct, parse_quote};

use crate::PipelineError;

/// The extension that marks a property holding an identity number.
pub const IDENTITY_NUMBER: &str = "x-digilocker-identity-number";

/// `(Rust type name, JSON field name)` of every property marked
/// [`IDENTITY_NUMBER`], in spec order.
pub fn identity_number_fields(spec: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, schema) in spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (field, prop) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if prop.get(IDENTITY_NUMBER).and_then(Value::as_bool) == Some(true) {
                out.push((name.to_upper_camel_case(), field.clone()));
            }
        }
    }
    out
}

/// Replaces the derived `Debug` of each type with a marked field, in
/// `types` and `types::builder`, by one that masks the marked fields.
/// Fails if a listed type or field is missing, so a spec change cannot
/// silently unmask a number.
pub fn mask_identity_numbers(
    file: &mut syn::File,
    fields: &[(String, String)],
) -> Result<(), PipelineError> {
    let fail = |reason: String| PipelineError::Generation {
        operation: None,
        reason: format!("{IDENTITY_NUMBER}: {reason}"),
    };
    let types = module(&mut file.items, "types").ok_or_else(|| fail("no `types` module".into()))?;
    let mut by_type: Vec<(String, Vec<syn::Ident>)> = Vec::new();
    for (type_name, json_name) in fields {
        let strukt = find_struct(types, type_name)
            .ok_or_else(|| fail(format!("no generated struct {type_name}")))?;
        let ident = strukt
            .fields
            .iter()
            .find(|f| {
                crate::inspect::serde_rename(&f.attrs).as_deref() == Some(json_name.as_str())
                    || f.ident
                        .as_ref()
                        .is_some_and(|i| i.to_string().trim_start_matches("r#") == json_name)
            })
            .and_then(|f| f.ident.clone())
            .ok_or_else(|| fail(format!("{type_name} has no field {json_name}")))?;
        match by_type.iter_mut().find(|(t, _)| t == type_name) {
            Some((_, idents)) => idents.push(ident),
            None => by_type.push((type_name.clone(), vec![ident])),
        }
    }
    for (type_name, masked) in &by_type {
        mask_in(types, type_name, masked).map_err(fail)?;
        let builders =
            module(types, "builder").ok_or_else(|| fail("no `types::builder` module".into()))?;
        mask_in(builders, type_name, masked).map_err(fail)?;
    }
    Ok(())
}

fn module<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn find_struct<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut ItemStruct> {
    items.iter_mut().find_map(|item| match item {
        Item::Struct(s) if s.ident == name => Some(s),
        _ => None,
    })
}

/// Drops `Debug` from the derive of `type_name` in `items` and appends a
/// `Debug` impl masking the `masked` fields.
fn mask_in(items: &mut Vec<Item>, type_name: &str, masked: &[syn::Ident]) -> Result<(), String> {
    let strukt = find_struct(items, type_name).ok_or_else(|| format!("no struct {type_name}"))?;
    if !drop_derived_debug(strukt) {
        return Err(format!("{type_name} does not derive Debug"));
    }
    let ident = strukt.ident.clone();
    let name = ident.to_string();
    let mut calls = Vec::new();
    for field in &strukt.fields {
        let Some(f) = &field.ident else {
            return Err(format!("{type_name} has an unnamed field"));
        };
        let label = f.to_string().trim_start_matches("r#").to_string();
        calls.push(if masked.contains(f) {
            quote::quote!(.field(#label, &crate::identity::MaskedField(&self.#f)))
        } else {
            quote::quote!(.field(#label, &self.#f))
        });
    }
    items.push(parse_quote! {
        impl ::std::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#name) #(#calls)* .finish()
            }
        }
    });
    Ok(())
}

/// Removes `Debug` from the struct's `#[derive(...)]`; whether it was there.
fn drop_derived_debug(strukt: &mut ItemStruct) -> bool {
    let mut dropped = false;
    for attr in strukt
        .attrs
        .iter_mut()
        .filter(|a| a.path().is_ident("derive"))
    {
        let Ok(paths) =
            attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept: Punctuated<syn::Path, syn::Token![,]> = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != "Debug"))
            .cloned()
            .collect();
        if kept.len() != paths.len() {
            dropped = true;
            *attr = parse_quote!(#[derive(#kept)]);
        }
    }
    dropped
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn marked_fields_are_masked_in_the_type_and_its_builder() {
        let spec = json!({"components": {"schemas": {"verify_request": {"properties": {
            "uid": {"type": "string", "x-digilocker-identity-number": true},
            "name": {"type": "string"}
        }}}}});
        let fields = identity_number_fields(&spec);
        assert_eq!(fields, [("VerifyRequest".to_string(), "uid".to_string())]);
        let mut file: syn::File = parse_quote! {
            pub mod types {
                #[derive(Clone, Debug, PartialEq)]
                pub struct VerifyRequest {
                    pub uid: ::std::option::Option<::std::string::String>,
                    pub name: ::std::string::String,
                }
                pub mod builder {
                    #[derive(Clone, Debug)]
                    pub struct VerifyRequest {
                        uid: ::std::result::Result<::std::option::Option<::std::string::String>, ::std::string::String>,
                        name: ::std::result::Result<::std::string::String, ::std::string::String>,
                    }
                }
            }
        };
        mask_identity_numbers(&mut file, &fields).unwrap();
        let text = prettyplease::unparse(&file);
        assert_eq!(
            text.matches("derive(Clone, PartialEq)").count(),
            1,
            "{text}"
        );
        assert_eq!(text.matches("derive(Clone)").count(), 1, "{text}");
        assert_eq!(
            text.matches("crate::identity::MaskedField(&self.uid)")
                .count(),
            2,
            "{text}"
        );
        assert_eq!(
            text.matches(".field(\"name\", &self.name)").count(),
            2,
            "{text}"
        );

        let missing = [("VerifyRequest".to_string(), "nope".to_string())];
        assert!(mask_identity_numbers(&mut file, &missing).is_err());
    }
}
