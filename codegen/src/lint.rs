//! The rules that keep patches narrow (see `patches/README.md`).

use std::collections::BTreeMap;

use json_patch::PatchOperation;
use serde_json::Value;

use crate::Patch;
use crate::patches::{is_under, op_from, op_name, op_path, steps, trace_patches};

/// Keys whose values are arrays in OpenAPI: a number after them is an element index.
const ARRAY_KEYS: [&str; 9] = [
    "parameters",
    "required",
    "servers",
    "security",
    "tags",
    "enum",
    "oneOf",
    "anyOf",
    "allOf",
];

/// The keyword of an object schema: a `test` value holding one tests a whole schema.
const SCHEMA_KEYS: [&str; 1] = ["properties"];

/// Checks the patch rules against `upstream`; returns one message per violation.
///
/// - a `replace` is guarded by a `test` in its step on the same pointer or a
///   value under it (after following the step's `move`s);
/// - a `remove` of anything but an object member whose content does not
///   matter (an object) is guarded the same way;
/// - an operation that addresses an array element by index is in a step whose
///   `test` identifies that element;
/// - a `test` holds values, never a whole object schema (no `properties` inside it);
/// - every patch applies.
pub fn lint_patches(upstream: &Value, patches: &[Patch]) -> Vec<String> {
    let mut doc = upstream.clone();
    let trace = trace_patches(&mut doc, patches);
    let mut out: Vec<String> = trace.problems.iter().map(|p| p.to_string()).collect();
    let object_removed: BTreeMap<(usize, usize), bool> = trace
        .applied
        .iter()
        .map(|a| ((a.patch, a.index), a.old_was_object))
        .collect();
    for (pi, patch) in patches.iter().enumerate() {
        let ops = &patch.patch.0;
        for step in steps(ops) {
            let mut guarded: Vec<String> = Vec::new();
            for i in step {
                let op = &ops[i];
                let at = |why: &str| {
                    format!(
                        "patches/{} op {i} ({} {}): {why}",
                        patch.file,
                        op_name(op),
                        op_path(op)
                    )
                };
                if let PatchOperation::Test(t) = op {
                    guarded.push(t.path.as_str().to_string());
                    if let Some(key) = schema_key_in(&t.value) {
                        out.push(at(&format!(
                            "the test holds a schema (it contains `{key}`); test single values instead"
                        )));
                    }
                    continue;
                }
                let path = op_path(op);
                let is_guarded = |p: &str| guarded.iter().any(|t| is_under(t, p));
                match op {
                    PatchOperation::Replace(_) if !is_guarded(path) => out.push(at(
                        "no `test` in its step guards the value it replaces (test it, or a value under it)",
                    )),
                    PatchOperation::Remove(_)
                        if !object_removed.get(&(pi, i)).copied().unwrap_or(true)
                            && !is_guarded(path) =>
                    {
                        out.push(at("no `test` in its step guards the value it removes"))
                    }
                    _ => {}
                }
                // An `add`, `move` or `copy` target index is an insertion point, not an element.
                let inserts = matches!(
                    op,
                    PatchOperation::Add(_) | PatchOperation::Move(_) | PatchOperation::Copy(_)
                );
                for (p, is_target) in
                    std::iter::once((path, true)).chain(op_from(op).map(|f| (f, false)))
                {
                    if let Some(element) = indexed_element(p)
                        && !(inserts && is_target && element == p)
                        && !guarded.iter().any(|t| is_under(t, &element))
                    {
                        out.push(at(&format!(
                            "addresses the array element {element} by index, but no `test` in its step identifies that element"
                        )));
                    }
                }
                if let PatchOperation::Move(m) = op {
                    let (from, to) = (m.from.as_str(), m.path.as_str());
                    let moved: Vec<String> = guarded
                        .iter()
                        .filter(|t| is_under(t, from))
                        .map(|t| format!("{to}{}", &t[from.len()..]))
                        .collect();
                    guarded.extend(moved);
                }
            }
        }
    }
    out
}

fn schema_key_in(v: &Value) -> Option<&'static str> {
    match v {
        Value::Object(map) => SCHEMA_KEYS
            .into_iter()
            .find(|k| map.contains_key(*k))
            .or_else(|| map.values().find_map(schema_key_in)),
        Value::Array(items) => items.iter().find_map(schema_key_in),
        _ => None,
    }
}

/// The pointer of the first array element `p` addresses by index, if any.
fn indexed_element(p: &str) -> Option<String> {
    let tokens: Vec<&str> = p.split('/').skip(1).collect();
    for (n, pair) in tokens.windows(2).enumerate() {
        if ARRAY_KEYS.contains(&pair[0]) && pair[1].parse::<usize>().is_ok() {
            return Some(tokens[..n + 2].iter().map(|t| format!("/{t}")).collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(ops: Value) -> Patch {
        Patch {
            file: "t.json".into(),
            defect: String::new(),
            evidence: vec![],
            patch: serde_json::from_value(ops).unwrap(),
        }
    }

    #[test]
    fn each_rule_is_enforced() {
        let doc = json!({
            "a": {"type": "integer", "title": "T", "obj": {"x": 1}},
            "parameters": [{"name": "p", "required": false}]
        });
        let lint = |ops: Value| lint_patches(&doc, &[patch(ops)]);
        assert!(
            lint(json!([
                {"op": "test", "path": "/parameters/0/name", "value": "p"},
                {"op": "replace", "path": "/parameters/0/required", "value": true}
            ]))
            .iter()
            .any(|m| m.contains("op 1") && m.contains("guards the value it replaces"))
        );
        assert_eq!(
            lint(json!([
                {"op": "test", "path": "/a/type", "value": "integer"},
                {"op": "replace", "path": "/a/type", "value": "string"},
                {"op": "remove", "path": "/a/obj"},
                {"op": "test", "path": "/parameters/0/name", "value": "p"},
                {"op": "test", "path": "/parameters/0/required", "value": false},
                {"op": "replace", "path": "/parameters/0/required", "value": true},
                {"op": "test", "path": "/a/title", "value": "T"},
                {"op": "move", "from": "/a", "path": "/b"},
                {"op": "remove", "path": "/b/title"}
            ])),
            Vec::<String>::new()
        );
        let m = lint(json!([{"op": "remove", "path": "/a/title"}]));
        assert!(m[0].contains("guards the value it removes"), "{m:?}");
        let m = lint(json!([{"op": "add", "path": "/parameters/0/in", "value": "query"}]));
        assert!(m[0].contains("/parameters/0 by index"), "{m:?}");
        let doc = json!({"s": {"type": "object", "properties": {"a": {"type": "string"}}}});
        let m = lint_patches(
            &doc,
            &[patch(json!([
                {"op": "test", "path": "/s", "value": {"type": "object", "properties": {"a": {"type": "string"}}}},
                {"op": "replace", "path": "/s", "value": {}}
            ]))],
        );
        assert!(
            m[0].contains("holds a schema (it contains `properties`)"),
            "{m:?}"
        );
        let m = lint(json!([{"op": "test", "path": "/a/type", "value": "string"}]));
        assert!(m[0].contains("primary"), "{m:?}");
    }
}
