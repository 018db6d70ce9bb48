//! Doc notes on the raw generated builders that have a checked overlay: what
//! the raw builder does not check, and which overlay method does.

use syn::{ImplItem, Item, parse_quote};

/// `(generated method, what it leaves unchecked, the checked overlay methods)`.
pub const RAW_WITH_OVERLAY: [(&str, &str, &str); 5] = [
    (
        "get_file",
        "the `hmac` header (the body is not verified) and the body size",
        "[`Client::download`], [`Client::download_stream`] or [`Client::download_to_path`]",
    ),
    (
        "upload_file",
        "the destination path, the file type (sniffed from the content), the 10 MiB limit, and the HMAC (you compute it)",
        "[`Client::upload_bytes`], [`Client::upload_path`] or [`Client::upload_reader`]",
    ),
    (
        "get_certificate_xml",
        "the `hmac` header and the XML itself",
        "[`Client::certificate_xml`] or [`Client::certificate`]",
    ),
    (
        "get_eaadhaar_xml",
        "the `hmac` header and the XML itself",
        "[`Client::eaadhaar_xml`] or [`Client::eaadhaar`]",
    ),
    (
        "get_eaadhaar_xml_v2",
        "the `hmac` header and the XML itself",
        "[`Client::eaadhaar_xml_v2`]",
    ),
];

/// Appends the note to each listed method of the generated `impl Client`.
/// Returns how many methods got one.
pub fn add_raw_builder_notes(file: &mut syn::File) -> usize {
    let mut noted = 0;
    for item in &mut file.items {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        for member in &mut imp.items {
            let ImplItem::Fn(f) = member else { continue };
            let name = f.sig.ident.to_string();
            if let Some((_, unchecked, checked)) =
                RAW_WITH_OVERLAY.iter().find(|(m, _, _)| *m == name)
            {
                let note = format!(
                    " **Raw builder.** It does not check {unchecked}. Use {checked} instead unless you need the raw response."
                );
                f.attrs.push(parse_quote!(#[doc = ""]));
                f.attrs.push(parse_quote!(#[doc = #note]));
                noted += 1;
            }
        }
    }
    noted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_only_the_listed_methods_of_inherent_impls() {
        let mut file: syn::File = parse_quote! {
            impl Client {
                ///Sends a `GET` request to `/oauth2/1/file/{uri}`
                pub fn get_file(&self) -> builder::GetFile<'_> { todo!() }
                pub fn get_user_details(&self) -> builder::GetUserDetails<'_> { todo!() }
            }
            impl Clone for Client { fn get_file(&self) {} }
        };
        assert_eq!(add_raw_builder_notes(&mut file), 1);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("[`Client::download`]"), "{text}");
        assert_eq!(text.matches("Raw builder").count(), 1, "{text}");
    }
}
