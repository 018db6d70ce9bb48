//! Field-level adjustments of the generated types that OpenAPI cannot say.
//!
//! A property marked `x-digilocker-blank-is-absent: true` in the patched
//! spec (patch 0035) is an `Option<String>` whose blank value means the
//! value does not apply; its generated field gets
//! `#[serde(default, deserialize_with = "crate::shapes::blank_as_none")]`
//! (absent stays `None`), so `""`
//! reads as `None`.

use heck::ToUpperCamelCase as _;
use serde_json::Value;
use syn::{Item, parse_quote};

use crate::PipelineError;

/// The extension that marks a property whose blank value means absent.
pub const BLANK_IS_ABSENT: &str = "x-digilocker-blank-is-absent";

/// `(Rust type name, JSON field name)` of every property marked
/// [`BLANK_IS_ABSENT`], in spec order.
pub fn blank_is_absent_fields(spec: &Value) -> Vec<(String, String)> {
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
            if prop.get(BLANK_IS_ABSENT).and_then(Value::as_bool) == Some(true) {
                out.push((name.to_upper_camel_case(), field.clone()));
            }
        }
    }
    out
}

/// Adds the blank-as-`None` deserializer to each listed field of the
/// generated `types` module. Fails if a field is missing or not an
/// `Option<String>`, so a spec change cannot silently drop the rule.
pub fn mark_blank_is_absent(
    file: &mut syn::File,
    fields: &[(String, String)],
) -> Result<(), PipelineError> {
    let fail = |reason: String| PipelineError::Generation {
        operation: None,
        reason,
    };
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| fail("no `types` module in the generated code".into()))?;
    for (type_name, json_name) in fields {
        let strukt = types
            .iter_mut()
            .find_map(|item| match item {
                Item::Struct(s) if s.ident == type_name => Some(s),
                _ => None,
            })
            .ok_or_else(|| {
                fail(format!(
                    "{BLANK_IS_ABSENT}: no generated struct {type_name}"
                ))
            })?;
        let field = strukt
            .fields
            .iter_mut()
            .find(|f| {
                crate::inspect::serde_rename(&f.attrs).as_deref() == Some(json_name.as_str())
                    || f.ident
                        .as_ref()
                        .is_some_and(|i| i.to_string().trim_start_matches("r#") == json_name)
            })
            .ok_or_else(|| {
                fail(format!(
                    "{BLANK_IS_ABSENT}: {type_name} has no field {json_name}"
                ))
            })?;
        let ty = crate::inspect::short_type(&field.ty);
        if ty != "Option<String>" {
            return Err(fail(format!(
                "{BLANK_IS_ABSENT} on {type_name}.{json_name}: needs an optional string, generated {ty}"
            )));
        }
        field.attrs.push(
            parse_quote!(#[serde(default, deserialize_with = "crate::shapes::blank_as_none")]),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn marks_listed_optional_strings_and_refuses_anything_else() {
        let spec = json!({"components": {"schemas": {"item": {"properties": {
            "id": {"type": "string", "x-digilocker-blank-is-absent": true},
            "name": {"type": "string"}
        }}}}});
        let fields = blank_is_absent_fields(&spec);
        assert_eq!(fields, [("Item".to_string(), "id".to_string())]);
        let mut file: syn::File = parse_quote! {
            pub mod types {
                pub struct Item {
                    #[serde(default)]
                    pub id: ::std::option::Option<::std::string::String>,
                    pub name: ::std::string::String,
                }
            }
        };
        mark_blank_is_absent(&mut file, &fields).unwrap();
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("deserialize_with = \"crate::shapes::blank_as_none\""),
            "{text}"
        );
        assert_eq!(text.matches("deserialize_with").count(), 1, "{text}");

        let wrong = [("Item".to_string(), "name".to_string())];
        assert!(mark_blank_is_absent(&mut file, &wrong).is_err());
        let missing = [("Item".to_string(), "nope".to_string())];
        assert!(mark_blank_is_absent(&mut file, &missing).is_err());
    }
}
