use serde_json::{Map, Value};

/// Sorts the members of every object in `v` by key, recursively; arrays keep their order.
///
/// The patched spec is canonical in this sense, so its text (the snapshot, the
/// linted file, `cargo xtask patched-spec`) depends only on its content, never
/// on the order of the patch operations that produced it. Object member order
/// carries no meaning in JSON or OpenAPI, and typify orders struct fields by name.
pub fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut sorted = Map::with_capacity(entries.len());
            for (k, mut child) in entries {
                sort_keys(&mut child);
                sorted.insert(k, child);
            }
            *map = sorted;
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_depth_and_arrays_keep_their_order() {
        let mut v = json!({"b": {"z": 1, "a": [{"y": 1, "x": 2}, 3]}, "a": 0});
        sort_keys(&mut v);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"a":0,"b":{"a":[{"x":2,"y":1},3],"z":1}}"#
        );
    }
}
