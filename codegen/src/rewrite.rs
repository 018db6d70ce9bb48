//! Post-processing of progenitor's output: every generated operation sends
//! through the overlay's transport and returns the crate's one error type.
//!
//! progenitor's builders end in the same shape for every operation:
//!
//! ```text
//! let x = x.map_err(Error::InvalidRequest)?;          // builder parameters
//! let url = format!("{}/path/{}", client.baseurl, encode_path(&x.to_string()));
//! let mut request = client.client.get(url)….build()?;
//! let info = OperationInfo { operation_id: "…" };
//! client.pre(…)?; let result = client.exec(…); client.post(…)?; let response = result?;
//! match response.status().as_u16() { 200u16 => ResponseValue::from_response(response).await, … }
//! ```
//!
//! This module rewrites that tail, with `syn`, into
//! `crate::transport::send(client, OP, request)` plus a decode of the
//! success arm, names each builder parameter in its validation error,
//! validates and encodes each path parameter as exactly one segment, and
//! changes the return type to `Result<ResponseValue<T>, crate::Error>`.
//! Any other shape is an error that names the operation, so a progenitor
//! upgrade that changes it fails the build instead of generating something
//! unchecked.

use syn::visit_mut::VisitMut;
use syn::{Expr, ImplItem, Item, Stmt};

use crate::PipelineError;

/// Rewrites every builder's `send` in `file`; `index_of` maps an
/// operation id to its position in the operations table.
pub fn rewrite_operations(
    file: &mut syn::File,
    index_of: &dyn Fn(&str) -> Option<usize>,
) -> Result<usize, PipelineError> {
    let mut rewritten = 0;
    file.items.retain(|item| !is_hooks_assertion(item));
    for item in &mut file.items {
        match item {
            Item::Impl(imp) if is_type(&imp.self_ty, "Client") && imp.trait_.is_none() => {
                // `Client::new` builds a reqwest client with `unwrap()`; the
                // overlay's `Client::builder` replaces it.
                imp.items
                    .retain(|i| !matches!(i, ImplItem::Fn(f) if f.sig.ident == "new"));
            }
            Item::Mod(m) if m.ident == "builder" => {
                let Some((_, items)) = &mut m.content else {
                    continue;
                };
                for item in items {
                    let Item::Impl(imp) = item else { continue };
                    for member in &mut imp.items {
                        if let ImplItem::Fn(f) = member
                            && f.sig.ident == "send"
                        {
                            rewrite_send(f, index_of)?;
                            rewritten += 1;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(rewritten)
}

fn is_type(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident(name))
}

/// `const _: () = { fn assert_client_hooks() where Client: ClientHooks<…> {} };`
fn is_hooks_assertion(item: &Item) -> bool {
    let Item::Const(c) = item else { return false };
    let text = quote_tokens(&c.expr);
    text.contains("assert_client_hooks")
}

fn quote_tokens<T: quote::ToTokens>(t: &T) -> String {
    t.to_token_stream().to_string()
}

fn shape_error(operation: &str, what: &str) -> PipelineError {
    PipelineError::Generation {
        operation: Some(operation.to_string()),
        reason: format!(
            "progenitor's generated `send` changed shape ({what}); update codegen/src/rewrite.rs"
        ),
    }
}

fn parse<T: syn::parse::Parse>(operation: &str, code: &str) -> Result<T, PipelineError> {
    syn::parse_str(code).map_err(|e| shape_error(operation, &format!("cannot parse {code}: {e}")))
}

fn rewrite_send(
    f: &mut syn::ImplItemFn,
    index_of: &dyn Fn(&str) -> Option<usize>,
) -> Result<(), PipelineError> {
    let id = operation_id(&f.block.stmts).ok_or_else(|| shape_error("?", "no OperationInfo"))?;
    let index = index_of(&id).ok_or_else(|| shape_error(&id, "not in the operations table"))?;
    let op = format!("&crate::operations::OPERATIONS[{index}]");
    let success = success_type(&f.sig.output).ok_or_else(|| shape_error(&id, "return type"))?;
    f.sig.output = parse(
        &id,
        &format!("-> Result<ResponseValue<{success}>, crate::Error>"),
    )?;
    let mut stmts = Vec::with_capacity(f.block.stmts.len());
    let mut sent = false;
    for mut stmt in std::mem::take(&mut f.block.stmts) {
        let text = quote_tokens(&stmt);
        if text.starts_with("let info = OperationInfo") {
            stmts.push(parse::<Stmt>(
                &id,
                &format!("let response = crate::transport::send(client, {op}, request).await?;"),
            )?);
            sent = true;
            continue;
        }
        if text.starts_with("client . pre")
            || text.starts_with("let result = client . exec")
            || text.starts_with("client . post")
            || text.starts_with("let response = result ?")
        {
            continue;
        }
        if let Stmt::Expr(Expr::Match(m), None) = &mut stmt {
            rewrite_status_match(m, &id, &op)?;
            stmts.push(stmt);
            continue;
        }
        Lift {
            op: &op,
            id: &id,
            binding: binding_name(&stmt),
            error: None,
        }
        .apply(&mut stmt)?;
        stmts.push(stmt);
    }
    if !sent {
        return Err(shape_error(&id, "no hook calls"));
    }
    f.block.stmts = stmts;
    Ok(())
}

/// The `"…"` of `let info = OperationInfo { operation_id: "…" };`.
fn operation_id(stmts: &[Stmt]) -> Option<String> {
    stmts.iter().find_map(|s| {
        let Stmt::Local(local) = s else { return None };
        let Expr::Struct(st) = &*local.init.as_ref()?.expr else {
            return None;
        };
        st.fields.iter().find_map(|fv| match &fv.expr {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        })
    })
}

/// `T` of `Result<ResponseValue<T>, Error<E>>`, as source text.
fn success_type(output: &syn::ReturnType) -> Option<String> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(p) = &**ty else {
        return None;
    };
    let result = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &result.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(syn::Type::Path(rv))) = args.args.first() else {
        return None;
    };
    let rv = rv.path.segments.last()?;
    if rv.ident != "ResponseValue" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(inner) = &rv.arguments else {
        return None;
    };
    inner.args.first().map(quote_tokens)
}

/// The name bound by `let NAME = …;`.
fn binding_name(stmt: &Stmt) -> Option<String> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    match &local.pat {
        syn::Pat::Ident(p) => Some(p.ident.to_string()),
        _ => None,
    }
}

/// Keeps the 2xx arms (their JSON decode goes through the transport's
/// bounded reader) and answers every other status with one arm: error
/// statuses never get here, the transport has turned them into `Error::Api`.
fn rewrite_status_match(m: &mut syn::ExprMatch, id: &str, op: &str) -> Result<(), PipelineError> {
    let mut arms = Vec::new();
    for mut arm in std::mem::take(&mut m.arms) {
        let pattern = quote_tokens(&arm.pat);
        if !pattern.starts_with('2') {
            continue;
        }
        let text = quote_tokens(&arm.body);
        let body = text
            .strip_prefix("{ ")
            .and_then(|b| b.strip_suffix(" }"))
            .unwrap_or(&text);
        if body == "ResponseValue :: from_response (response) . await" {
            arm.body = Box::new(parse(
                id,
                &format!("crate::transport::decode_json(client, response, {op}).await"),
            )?);
        } else if !body.starts_with("Ok (ResponseValue ::") {
            return Err(shape_error(id, &format!("success arm {body}")));
        }
        arms.push(arm);
    }
    if arms.is_empty() {
        return Err(shape_error(id, "no success arm"));
    }
    arms.push(parse::<syn::Arm>(
        id,
        &format!("_ => Err(crate::transport::unexpected_status(response, {op})),"),
    )?);
    m.arms = arms;
    Ok(())
}

/// Rewrites one statement before the request is sent:
/// - `x.map_err(Error::InvalidRequest)?` names `x` in its validation error;
/// - `x.to_string().try_into()?` (a header parameter) names `x` when it is
///   not a valid header value;
/// - `encode_path(&x.to_string())` validates `x` as exactly one path segment;
/// - every other `?` converts into the crate's error, naming the operation.
struct Lift<'a> {
    op: &'a str,
    id: &'a str,
    binding: Option<String>,
    error: Option<PipelineError>,
}

impl Lift<'_> {
    fn apply(mut self, stmt: &mut Stmt) -> Result<(), PipelineError> {
        self.visit_stmt_mut(stmt);
        self.error.map_or(Ok(()), Err)
    }

    fn fail(&mut self, what: &str) {
        if self.error.is_none() {
            self.error = Some(shape_error(self.id, what));
        }
    }
}

impl VisitMut for Lift<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Try(t) = expr {
            let inner = quote_tokens(&t.expr);
            if let Some(receiver) = inner.strip_suffix(". map_err (Error :: InvalidRequest)") {
                let Some(name) = self.binding.clone() else {
                    return self.fail("map_err outside a let");
                };
                match syn::parse_str::<Expr>(&format!(
                    "crate::error::invalid_parameter({receiver}, {name:?})?"
                )) {
                    Ok(e) => *expr = e,
                    Err(e) => self.fail(&e.to_string()),
                }
                return;
            }
            if let Some(name) = inner
                .strip_suffix(" . to_string () . try_into ()")
                .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            {
                // A header parameter: name it in the error.
                match syn::parse_str::<Expr>(&format!(
                    "crate::error::header_value({name:?}, &{name}.to_string())?"
                )) {
                    Ok(e) => *expr = e,
                    Err(e) => self.fail(&e.to_string()),
                }
                return;
            }
            syn::visit_mut::visit_expr_mut(self, &mut t.expr);
            let inner = quote_tokens(&t.expr);
            match syn::parse_str::<Expr>(&format!("crate::error::lift({inner}, {})?", self.op)) {
                Ok(e) => *expr = e,
                Err(e) => self.fail(&e.to_string()),
            }
            return;
        }
        if let Expr::Macro(mac) = expr
            && mac.mac.path.is_ident("format")
        {
            let text = mac.mac.tokens.to_string();
            if text.contains("encode_path") {
                match encode_path_args(&text) {
                    Some(tokens) => match tokens.parse() {
                        Ok(t) => mac.mac.tokens = t,
                        Err(e) => self.fail(&e.to_string()),
                    },
                    None => self.fail("encode_path argument"),
                }
            }
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}

/// `encode_path (& x . to_string ())` → `crate::transport::path_segment("x", &x.to_string())?`.
fn encode_path_args(tokens: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = tokens;
    while let Some(at) = rest.find("encode_path (& ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "encode_path (& ".len()..];
        let end = after.find(" . to_string ())")?;
        let name = after[..end].trim();
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        out.push_str(&format!(
            "crate::transport::path_segment({name:?}, &{name}.to_string())?"
        ));
        rest = &after[end + " . to_string ())".len()..];
    }
    out.push_str(rest);
    Some(out)
}
