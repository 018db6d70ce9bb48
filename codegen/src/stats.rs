//! How much of upstream passes through the patches untouched.

use std::collections::BTreeMap;
use std::fmt;

use json_patch::PatchOperation;
use serde_json::Value;

use crate::Patch;
use crate::names::each_operation;
use crate::patches::{is_under, op_path, trace_patches};

/// How a schema or operation of the patched spec relates to upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Exactly upstream's: no patch operation inside it (a rename does not count).
    Untouched,
    /// Upstream's, with `ops` patch operations on single values inside it;
    /// everything else in it, including upstream's future changes, passes through.
    Narrow {
        /// Patch operations (tests included) inside it.
        ops: usize,
    },
    /// Written by a patch as a whole (a new schema or operation, or a shape defect).
    Written,
}

/// Per schema and per operation of the patched spec: how it relates to upstream.
#[derive(Clone, Debug, Default)]
pub struct PatchStats {
    /// Component schemas, by name.
    pub schemas: BTreeMap<String, Standing>,
    /// Operations, as `METHOD /path`.
    pub operations: BTreeMap<String, Standing>,
    /// Operations whose only patch operations concern their operationId.
    pub only_operation_id: usize,
    /// Leaf values (strings, numbers, booleans, nulls) in the patched spec.
    pub values: usize,
    /// Of those, written by a patch.
    pub values_written: usize,
    /// Of those carried from upstream, the ones a `test` pins.
    pub values_pinned: usize,
}

/// A patch operation's footprint, followed through later `move`s.
struct Touch {
    at: String,
    writes_whole: bool,
    operation_id: bool,
    test: bool,
}

/// Applies `patches` to `upstream` and classifies every schema and operation of the result.
pub fn patch_stats(upstream: &Value, patches: &[Patch]) -> PatchStats {
    let mut doc = upstream.clone();
    let trace = trace_patches(&mut doc, patches);
    let mut touches: Vec<Touch> = Vec::new();
    for applied in &trace.applied {
        let path = op_path(&applied.op).to_string();
        match &applied.op {
            PatchOperation::Move(m) => {
                let from = m.from.as_str();
                for t in &mut touches {
                    if is_under(&t.at, from) {
                        t.at = format!("{path}{}", &t.at[from.len()..]);
                    }
                }
                // A move into an object member is a rename: the content is upstream's.
                continue;
            }
            PatchOperation::Remove(_) | PatchOperation::Replace(_) => {
                touches.retain(|t| !is_under(&t.at, &path) || t.at == path);
            }
            _ => {}
        }
        let writes_whole = matches!(
            applied.op,
            PatchOperation::Add(_) | PatchOperation::Replace(_) | PatchOperation::Copy(_)
        );
        touches.push(Touch {
            operation_id: path.ends_with("/operationId"),
            test: matches!(applied.op, PatchOperation::Test(_)),
            at: path,
            writes_whole,
        });
    }
    let standing = |root: &str| {
        if touches
            .iter()
            .any(|t| t.writes_whole && is_under(root, &t.at))
        {
            return Standing::Written;
        }
        let inside = touches.iter().filter(|t| is_under(&t.at, root)).count();
        if inside == 0 {
            Standing::Untouched
        } else {
            Standing::Narrow { ops: inside }
        }
    };
    let mut stats = PatchStats::default();
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for name in schemas.keys() {
            let root = format!(
                "/components/schemas/{}",
                name.replace('~', "~0").replace('/', "~1")
            );
            stats.schemas.insert(name.clone(), standing(&root));
        }
    }
    for (path, method, _) in each_operation(&doc) {
        let root = format!(
            "/paths/{}/{method}",
            path.replace('~', "~0").replace('/', "~1")
        );
        let s = standing(&root);
        if matches!(s, Standing::Narrow { .. })
            && touches
                .iter()
                .filter(|t| is_under(&t.at, &root))
                .all(|t| t.operation_id)
        {
            stats.only_operation_id += 1;
        }
        stats
            .operations
            .insert(format!("{} {path}", method.to_uppercase()), s);
    }
    let mut leaves = Vec::new();
    collect_leaves(&doc, &mut String::new(), &mut leaves);
    stats.values = leaves.len();
    for leaf in &leaves {
        if touches
            .iter()
            .any(|t| t.writes_whole && is_under(leaf, &t.at))
        {
            stats.values_written += 1;
        } else if touches.iter().any(|t| t.test && is_under(leaf, &t.at)) {
            stats.values_pinned += 1;
        }
    }
    stats
}

fn collect_leaves(v: &Value, at: &mut String, out: &mut Vec<String>) {
    let mut child = |key: &str, c: &Value, at: &mut String| {
        let len = at.len();
        at.push('/');
        at.push_str(&key.replace('~', "~0").replace('/', "~1"));
        collect_leaves(c, at, out);
        at.truncate(len);
    };
    match v {
        Value::Object(map) => map.iter().for_each(|(k, c)| child(k, c, at)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, c)| child(&i.to_string(), c, at)),
        _ => out.push(at.clone()),
    }
}

impl PatchStats {
    fn count(map: &BTreeMap<String, Standing>) -> (usize, usize, usize, Vec<&str>) {
        let (mut untouched, mut narrow, mut written) = (0, 0, 0);
        let mut names = Vec::new();
        for (name, s) in map {
            match s {
                Standing::Untouched => untouched += 1,
                Standing::Narrow { .. } => narrow += 1,
                Standing::Written => {
                    written += 1;
                    names.push(name.as_str());
                }
            }
        }
        (untouched, narrow, written, names)
    }
}

impl fmt::Display for PatchStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (su, sn, sw, snames) = Self::count(&self.schemas);
        writeln!(f, "schemas: {}", self.schemas.len())?;
        writeln!(f, "  untouched (no patch operation inside):        {su}")?;
        writeln!(f, "  upstream's, patched at single values:          {sn}")?;
        writeln!(
            f,
            "  written whole by a patch:                      {sw}  {}",
            snames.join(", ")
        )?;
        let (ou, on, ow, onames) = Self::count(&self.operations);
        writeln!(f, "operations: {}", self.operations.len())?;
        writeln!(f, "  untouched (no patch operation inside):        {ou}")?;
        writeln!(
            f,
            "  upstream's, patched at single values:          {on}  ({} of them only at the operationId)",
            self.only_operation_id
        )?;
        writeln!(
            f,
            "  written whole by a patch:                      {ow}  {}",
            onames.join(", ")
        )?;
        let carried = self.values - self.values_written;
        writeln!(
            f,
            "values (strings, numbers, booleans) in the patched spec: {}",
            self.values
        )?;
        writeln!(
            f,
            "  carried from upstream:                         {carried}  ({} pinned by a test, {} passing through untested)",
            self.values_pinned,
            carried - self.values_pinned
        )?;
        write!(
            f,
            "  written by a patch:                            {}",
            self.values_written
        )?;
        for (title, map) in [("schemas", &self.schemas), ("operations", &self.operations)] {
            write!(f, "\n\n{title}:")?;
            for (name, s) in map {
                let s = match s {
                    Standing::Untouched => "untouched".to_string(),
                    Standing::Narrow { ops } => format!("{ops} patch operation(s) inside"),
                    Standing::Written => "written by a patch".to_string(),
                };
                write!(f, "\n  {name}: {s}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schemas_and_operations_are_classified() {
        let upstream = json!({
            "paths": {"/a": {"get": {"operationId": "A id", "summary": "s"}}, "/b": {"get": {"operationId": "b"}}},
            "components": {"schemas": {"Old": {"type": "integer"}, "Kept": {"type": "string"}, "Shape": {"type": "array"}}}
        });
        let patch = Patch {
            file: "t.json".into(),
            defect: String::new(),
            evidence: vec![],
            patch: serde_json::from_value(json!([
                {"op": "move", "from": "/components/schemas/Old", "path": "/components/schemas/New"},
                {"op": "test", "path": "/components/schemas/New/type", "value": "integer"},
                {"op": "replace", "path": "/components/schemas/New/type", "value": "string"},
                {"op": "test", "path": "/components/schemas/Shape/type", "value": "array"},
                {"op": "replace", "path": "/components/schemas/Shape", "value": {"type": "object"}},
                {"op": "add", "path": "/components/schemas/Added", "value": {}},
                {"op": "test", "path": "/paths/~1a/get/operationId", "value": "A id"},
                {"op": "replace", "path": "/paths/~1a/get/operationId", "value": "a"}
            ]))
            .unwrap(),
        };
        let stats = patch_stats(&upstream, &[patch]);
        assert_eq!(stats.schemas["Kept"], Standing::Untouched);
        assert_eq!(stats.schemas["New"], Standing::Narrow { ops: 2 });
        assert_eq!(stats.schemas["Shape"], Standing::Written);
        assert_eq!(stats.schemas["Added"], Standing::Written);
        assert_eq!(stats.operations["GET /a"], Standing::Narrow { ops: 2 });
        assert_eq!(stats.operations["GET /b"], Standing::Untouched);
        assert_eq!(stats.only_operation_id, 1);
        // Leaves: a summary, two operationIds and three schema types.
        assert_eq!(stats.values, 6);
        // New/type and the a operationId are replaced; Shape and Added are written.
        assert_eq!(stats.values_written, 3);
        assert_eq!(stats.values_pinned, 0);
    }
}
