//! Loading and applying the patch files, step by step.
//!
//! A patch file's operations form **steps**: one or more `test` operations and
//! the operations after them, up to the next `test`; each operation before the
//! file's first `test` is a step of its own. A step applies as a whole or not
//! at all, and a failed step never stops the others, so one broken operation
//! does not hide the rest of its file. Each failure is reported as **primary**,
//! or as a **knock-on** of an earlier failure when its pointer lies on or
//! under a pointer that an earlier failed step would have written.
//!
//! Two upstream changes are absorbed without a patch edit, and reported as notes:
//! - **relocated**: a `test` on an array element (`…/parameters/4/name`,
//!   `…/required/2`) that fails at its index but holds at exactly one other
//!   index re-targets its step to that index (upstream inserted or removed an
//!   element before it);
//! - **obsolete**: a step that cannot apply only because upstream no longer has
//!   what it edits — a field gone from a `properties` map, a value it would
//!   remove that is already gone, or a name it would drop from a `required`
//!   list that is no longer there — is skipped.
//!
//! An `add` (or a `move` or `copy` target) never silently overwrites an
//! upstream value: when the member it would create already exists with another
//! value and no `test` in its step guards it, the step fails. Adding a name to
//! a `required` list that already has it is a no-op.

use std::path::Path;

use json_patch::PatchOperation;
use json_patch::jsonptr::PointerBuf;
use serde::Deserialize;
use serde_json::Value;

use crate::PipelineError;
use crate::patch_report::{Cause, Difference, PatchNote, PatchProblem, Problem, describe_missing};

/// One patch file: a defect, its evidence, and the RFC 6902 operations that fix it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// File name inside `patches/`, e.g. `0004-one-error-response.json`.
    #[serde(skip)]
    pub file: String,
    /// What is wrong upstream.
    pub defect: String,
    /// Where the truth comes from (PDF sections, or the spec's own contradictions).
    pub evidence: Vec<String>,
    /// The RFC 6902 JSON Patch document.
    pub patch: json_patch::Patch,
}

/// Loads every `*.json` patch in `dir`, in file-name order.
pub fn load_patches(dir: &Path) -> Result<Vec<Patch>, PipelineError> {
    let io = |e| PipelineError::Io {
        path: dir.to_path_buf(),
        source: e,
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).map_err(|e| PipelineError::Io {
                path: path.clone(),
                source: e,
            })?;
            let mut patch: Patch =
                serde_json::from_str(&text).map_err(|e| PipelineError::BadPatchFile {
                    file: file.clone(),
                    reason: e.to_string(),
                })?;
            if patch.patch.0.is_empty() {
                return Err(PipelineError::BadPatchFile {
                    file,
                    reason: "has no operations".into(),
                });
            }
            patch.file = file;
            Ok(patch)
        })
        .collect()
}

/// The steps of a patch file, as lists of operation indices.
///
/// A run of consecutive `test` operations guards the operations after it, up
/// to the next `test`, that touch what the tests look at: whose `path` or
/// `from` lies on or under, or above, the parent of a tested pointer (or the
/// target of a guarded `move`). Those form one step with the tests; every
/// other operation is a step of its own.
pub fn steps(ops: &[PatchOperation]) -> Vec<Vec<usize>> {
    let is_test = |op: &PatchOperation| matches!(op, PatchOperation::Test(_));
    let mut out = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        if !is_test(&ops[i]) {
            out.push(vec![i]);
            i += 1;
            continue;
        }
        let mut step = Vec::new();
        let mut parents: Vec<String> = Vec::new();
        while i < ops.len() && is_test(&ops[i]) {
            let path = op_path(&ops[i]);
            parents.push(split_last(path).map_or(String::new(), |(parent, _)| parent.to_string()));
            step.push(i);
            i += 1;
        }
        let mut alone = Vec::new();
        while i < ops.len() && !is_test(&ops[i]) {
            let touches = std::iter::once(op_path(&ops[i]))
                .chain(op_from(&ops[i]))
                .any(|p| parents.iter().any(|parent| overlaps(p, parent)));
            if touches {
                step.push(i);
                // What a guarded `move` carries stays guarded at its new place.
                if let PatchOperation::Move(m) = &ops[i] {
                    parents.push(m.path.as_str().to_string());
                }
            } else {
                alone.push(vec![i]);
            }
            i += 1;
        }
        out.push(step);
        out.extend(alone);
    }
    out
}

/// The name of an operation kind, as in RFC 6902.
pub(crate) fn op_name(op: &PatchOperation) -> &'static str {
    match op {
        PatchOperation::Add(_) => "add",
        PatchOperation::Remove(_) => "remove",
        PatchOperation::Replace(_) => "replace",
        PatchOperation::Move(_) => "move",
        PatchOperation::Copy(_) => "copy",
        PatchOperation::Test(_) => "test",
    }
}

/// The `path` of an operation.
pub(crate) fn op_path(op: &PatchOperation) -> &str {
    match op {
        PatchOperation::Add(o) => o.path.as_str(),
        PatchOperation::Remove(o) => o.path.as_str(),
        PatchOperation::Replace(o) => o.path.as_str(),
        PatchOperation::Move(o) => o.path.as_str(),
        PatchOperation::Copy(o) => o.path.as_str(),
        PatchOperation::Test(o) => o.path.as_str(),
    }
}

/// The `from` of a `move` or `copy`.
pub(crate) fn op_from(op: &PatchOperation) -> Option<&str> {
    match op {
        PatchOperation::Move(o) => Some(o.from.as_str()),
        PatchOperation::Copy(o) => Some(o.from.as_str()),
        _ => None,
    }
}

/// Whether pointer `p` is `prefix` or lies under it.
pub(crate) fn is_under(p: &str, prefix: &str) -> bool {
    p == prefix
        || prefix.is_empty()
        || (p.starts_with(prefix) && p.as_bytes().get(prefix.len()) == Some(&b'/'))
}

fn overlaps(a: &str, b: &str) -> bool {
    is_under(a, b) || is_under(b, a)
}

/// The parent pointer and the last (unescaped) token of `p`.
pub(crate) fn split_last(p: &str) -> Option<(&str, String)> {
    let cut = p.rfind('/')?;
    Some((
        &p[..cut],
        p[cut + 1..].replace("~1", "/").replace("~0", "~"),
    ))
}

/// One operation as applied, for [`trace_patches`].
#[derive(Clone, Debug)]
pub struct AppliedOp {
    /// Index of the patch file in the list given.
    pub patch: usize,
    /// Index of the operation in its file.
    pub index: usize,
    /// The operation, with its pointers as applied (after relocation).
    pub op: PatchOperation,
    /// For `remove` and `replace`: whether the value it removed or replaced was an object.
    pub old_was_object: bool,
}

/// What applying a patch set did.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Every operation applied, in order.
    pub applied: Vec<AppliedOp>,
    /// Relocated and obsolete steps, and no-op adds.
    pub notes: Vec<PatchNote>,
    /// The failures; empty when every step applied or was obsolete.
    pub problems: Vec<PatchProblem>,
}

/// Applies `patches` to `doc` step by step. On failure the error lists every
/// failed step (primary and knock-on) and `doc` holds the steps that applied.
/// On success, returns the notes (relocated and obsolete steps).
pub fn apply_patches(doc: &mut Value, patches: &[Patch]) -> Result<Vec<PatchNote>, PipelineError> {
    let trace = trace_patches(doc, patches);
    if trace.problems.is_empty() {
        Ok(trace.notes)
    } else {
        Err(PipelineError::Patches(trace.problems))
    }
}

/// Like [`apply_patches`], and also returns every applied operation.
pub fn trace_patches(doc: &mut Value, patches: &[Patch]) -> Trace {
    let mut trace = Trace::default();
    // Pointers written by failed steps, and by obsolete ones, with their origin.
    let mut poisoned: Vec<(String, String, usize)> = Vec::new();
    let mut gone: Vec<(String, String, usize)> = Vec::new();
    // Failed tests: the same test failing again later (an identity test
    // repeated in each step on an array element) is a knock-on of the first.
    let mut failed_tests: Vec<(String, Value, String, usize)> = Vec::new();
    for (pi, patch) in patches.iter().enumerate() {
        let ops = &patch.patch.0;
        for step in steps(ops) {
            let written_ops: Vec<PatchOperation> = step.iter().map(|&i| ops[i].clone()).collect();
            let (step_ops, relocations) = relocate(doc, &written_ops);
            let mut applied = Vec::new();
            let mut notes = Vec::new();
            match run_step(doc, &step_ops, &mut applied, &mut notes) {
                Ok(()) => {
                    for (from, to) in relocations {
                        trace
                            .notes
                            .push(PatchNote::relocated(&patch.file, step.clone(), from, to));
                    }
                    for (k, note) in notes {
                        trace
                            .notes
                            .push(PatchNote::already_required(&patch.file, step[k], note));
                    }
                    trace
                        .applied
                        .extend(
                            applied
                                .into_iter()
                                .map(|(k, op, old_was_object)| AppliedOp {
                                    patch: pi,
                                    index: step[k],
                                    op,
                                    old_was_object,
                                }),
                        );
                }
                Err((k, problem)) => {
                    let failing = &step_ops[k];
                    let pointers: Vec<&str> = std::iter::once(op_path(failing))
                        .chain(op_from(failing))
                        .collect();
                    let origin = |list: &[(String, String, usize)]| {
                        list.iter()
                            .find(|(p, _, _)| pointers.iter().any(|q| overlaps(p, q)))
                            .map(|(_, file, op)| (file.clone(), *op))
                    };
                    // What the step would have written (a `move` leaves its source in place
                    // when skipped, so only targets count).
                    let written = step_ops
                        .iter()
                        .filter(|op| !matches!(op, PatchOperation::Test(_)))
                        .map(|op| (op_path(op).to_string(), patch.file.clone(), step[k]));
                    let repeated = match failing {
                        PatchOperation::Test(t) => failed_tests
                            .iter()
                            .find(|(p, v, _, _)| p == t.path.as_str() && *v == t.value)
                            .map(|(_, _, file, op)| (file.clone(), *op)),
                        _ => None,
                    };
                    let knock_on = repeated.or_else(|| origin(&poisoned));
                    let obsolete_why = if knock_on.is_some() {
                        None
                    } else {
                        origin(&gone)
                            .map(|(file, op)| {
                                format!("follows from the obsolete step at patches/{file} op {op}")
                            })
                            .or_else(|| obsolete(doc, &step_ops, k))
                    };
                    if let Some(why) = obsolete_why {
                        trace
                            .notes
                            .push(PatchNote::obsolete(&patch.file, step.clone(), why));
                        gone.extend(written);
                        continue;
                    }
                    let (cause, fixed) = match knock_on {
                        Some((file, op)) => (Cause::KnockOn { file, op }, None),
                        None => {
                            if let PatchOperation::Test(t) = failing {
                                failed_tests.push((
                                    t.path.as_str().to_string(),
                                    t.value.clone(),
                                    patch.file.clone(),
                                    step[k],
                                ));
                            }
                            (Cause::Primary, fixed_upstream(ops, failing, doc))
                        }
                    };
                    trace.problems.push(PatchProblem {
                        file: patch.file.clone(),
                        op: step[k],
                        op_name: op_name(failing),
                        step: step.clone(),
                        problem,
                        cause,
                        fixed_upstream: fixed,
                    });
                    poisoned.extend(written);
                }
            }
        }
    }
    trace
}

/// For a failed `test`: the step of `ops` that sets, at the tested pointer,
/// exactly the value upstream has there now.
fn fixed_upstream(
    ops: &[PatchOperation],
    failing: &PatchOperation,
    work: &Value,
) -> Option<Vec<usize>> {
    let PatchOperation::Test(t) = failing else {
        return None;
    };
    let actual = work.pointer(t.path.as_str())?;
    let index = ops.iter().position(|op| match op {
        PatchOperation::Replace(r) => r.path == t.path && r.value == *actual,
        PatchOperation::Add(a) => a.path == t.path && a.value == *actual,
        _ => false,
    })?;
    steps(ops).into_iter().find(|step| step.contains(&index))
}

/// Re-targets a step whose `test` on an array element holds at exactly one
/// other index of that array. Returns the step and the relocations made.
fn relocate(doc: &Value, ops: &[PatchOperation]) -> (Vec<PatchOperation>, Vec<(String, String)>) {
    let mut ops = ops.to_vec();
    let mut moved = Vec::new();
    for i in 0..ops.len() {
        let PatchOperation::Test(test) = &ops[i] else {
            continue;
        };
        let path = test.path.as_str().to_string();
        if doc.pointer(&path) == Some(&test.value) {
            continue;
        }
        let Some((prefix, index, rest)) = first_array_index(doc, &path) else {
            continue;
        };
        let Some(Value::Array(items)) = doc.pointer(&prefix) else {
            continue;
        };
        let matches: Vec<usize> = (0..items.len())
            .filter(|j| {
                *j != index && doc.pointer(&format!("{prefix}/{j}{rest}")) == Some(&test.value)
            })
            .collect();
        if let [j] = matches[..] {
            let from = format!("{prefix}/{index}");
            let to = format!("{prefix}/{j}");
            for op in &mut ops {
                retarget(op, &from, &to);
            }
            moved.push((from, to));
        }
    }
    (ops, moved)
}

/// The first array index along `path`: `(array pointer, index, rest of the path)`.
fn first_array_index(doc: &Value, path: &str) -> Option<(String, usize, String)> {
    let tokens: Vec<&str> = path.split('/').skip(1).collect();
    let mut cur = doc;
    let mut prefix = String::new();
    for (n, token) in tokens.iter().enumerate() {
        match cur {
            Value::Array(_) => {
                let index = token.parse().ok()?;
                let rest: String = tokens[n + 1..].iter().map(|t| format!("/{t}")).collect();
                return Some((prefix, index, rest));
            }
            Value::Object(map) => {
                cur = map.get(&token.replace("~1", "/").replace("~0", "~"))?;
                prefix.push('/');
                prefix.push_str(token);
            }
            _ => return None,
        }
    }
    None
}

fn retarget(op: &mut PatchOperation, from: &str, to: &str) {
    let fix = |p: &mut PointerBuf| {
        let s = p.as_str();
        if is_under(s, from) {
            let new = format!("{to}{}", &s[from.len()..]);
            if let Ok(buf) = PointerBuf::parse(new) {
                *p = buf;
            }
        }
    };
    match op {
        PatchOperation::Add(o) => fix(&mut o.path),
        PatchOperation::Remove(o) => fix(&mut o.path),
        PatchOperation::Replace(o) => fix(&mut o.path),
        PatchOperation::Move(o) => {
            fix(&mut o.from);
            fix(&mut o.path);
        }
        PatchOperation::Copy(o) => {
            fix(&mut o.from);
            fix(&mut o.path);
        }
        PatchOperation::Test(o) => fix(&mut o.path),
    }
}

type Applied = Vec<(usize, PatchOperation, bool)>;

/// Applies one step's operations to `doc`, all or none. The checks run on
/// `doc` as it is before the step (an operation whose target an earlier one
/// of the step touches is left to the apply); on failure returns the index of
/// the failing operation (within the step) and what went wrong, and `doc` is
/// unchanged.
fn run_step(
    doc: &mut Value,
    ops: &[PatchOperation],
    applied: &mut Applied,
    notes: &mut Vec<(usize, String)>,
) -> Result<(), (usize, Problem)> {
    // An `add` may replace an existing member only when its step tests it
    // (RFC 6902 `add` replaces; a `test` + `add` is a guarded replace).
    let tested = |p: &str| {
        ops.iter()
            .any(|o| matches!(o, PatchOperation::Test(t) if is_under(t.path.as_str(), p)))
    };
    // Whether an earlier operation of the step touches `p` (for an array
    // element: the array, whose indices shift).
    let touched_before = |k: usize, p: &str| {
        let scope = match split_last(p) {
            Some((parent, last)) if last == "-" || last.parse::<usize>().is_ok() => parent,
            _ => p,
        };
        ops[..k]
            .iter()
            .filter(|o| !matches!(o, PatchOperation::Test(_)))
            .flat_map(|o| std::iter::once(op_path(o)).chain(op_from(o)))
            .any(|q| overlaps(q, scope))
    };
    let mut keep: Vec<(usize, bool)> = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        let path = op_path(op);
        let cannot = |reason: String| {
            (
                k,
                Problem::CannotApply {
                    pointer: path.to_string(),
                    reason,
                },
            )
        };
        if touched_before(k, path) || op_from(op).is_some_and(|f| touched_before(k, f)) {
            keep.push((k, false));
            continue;
        }
        let mut old_was_object = false;
        match op {
            PatchOperation::Test(t) => {
                let actual = doc.pointer(path);
                if actual != Some(&t.value) {
                    return Err((
                        k,
                        Problem::TestFailed {
                            pointer: path.to_string(),
                            difference: Box::new(Difference::between(&t.value, actual)),
                            missing: actual.is_none().then(|| describe_missing(doc, path)),
                        },
                    ));
                }
            }
            PatchOperation::Add(a) => {
                let Some((parent, key)) = split_last(path) else {
                    return Err(cannot("cannot add at the document root".into()));
                };
                match doc.pointer(parent) {
                    None => return Err(cannot(describe_missing(doc, parent))),
                    Some(Value::Object(map)) => {
                        if let Some(existing) = map.get(&key) {
                            if *existing == a.value {
                                continue;
                            }
                            if !tested(path) {
                                return Err(cannot(format!(
                                    "upstream now has a value here ({}); the patch would overwrite it: drop this `add` if upstream's value is right, or make it a `test` + `replace`",
                                    crate::patch_report::short(existing)
                                )));
                            }
                            old_was_object = existing.is_object();
                        }
                    }
                    Some(Value::Array(items)) => {
                        if parent.ends_with("/required")
                            && a.value.is_string()
                            && items.contains(&a.value)
                        {
                            notes.push((k, format!("{} already lists {}", parent, a.value)));
                            continue;
                        }
                    }
                    Some(_) => {}
                }
            }
            PatchOperation::Remove(_) | PatchOperation::Replace(_) => match doc.pointer(path) {
                None => return Err(cannot(describe_missing(doc, path))),
                Some(v) => old_was_object = v.is_object(),
            },
            PatchOperation::Move(_) | PatchOperation::Copy(_) => {
                let from = op_from(op).unwrap_or_default();
                if doc.pointer(from).is_none() {
                    return Err(cannot(format!(
                        "from {from}: {}",
                        describe_missing(doc, from)
                    )));
                }
                let hoist = matches!(op, PatchOperation::Move(_)) && is_under(from, path);
                if !hoist
                    && !tested(path)
                    && let Some((parent, key)) = split_last(path)
                    && let Some(Value::Object(map)) = doc.pointer(parent)
                    && map.contains_key(&key)
                {
                    return Err(cannot(format!(
                        "upstream now has a value here ({}); the patch would overwrite it",
                        crate::patch_report::short(&map[&key])
                    )));
                }
            }
        }
        keep.push((k, old_was_object));
    }
    let step: Vec<PatchOperation> = keep.iter().map(|&(k, _)| ops[k].clone()).collect();
    // json_patch applies a patch atomically: on error `doc` is left as it was.
    json_patch::patch(doc, &step).map_err(|e| {
        let k = keep[e.operation].0;
        (
            k,
            Problem::CannotApply {
                pointer: op_path(&ops[k]).to_string(),
                reason: e.kind.to_string(),
            },
        )
    })?;
    applied.extend(keep.into_iter().map(|(k, old)| (k, ops[k].clone(), old)));
    Ok(())
}

/// Why a failed step is obsolete (upstream no longer has what it edits), if it is.
fn obsolete(work: &Value, ops: &[PatchOperation], k: usize) -> Option<String> {
    let op = &ops[k];
    let removes = |p: &str| {
        ops.iter()
            .any(|o| matches!(o, PatchOperation::Remove(r) if r.path.as_str() == p))
    };
    // A name this step drops from a `required` list, no longer listed there.
    if let PatchOperation::Test(t) = op {
        let p = t.path.as_str();
        if let Some((parent, _)) = split_last(p)
            && parent.ends_with("/required")
            && removes(p)
            && let Some(Value::Array(items)) = work.pointer(parent)
            && !items.contains(&t.value)
        {
            return Some(format!("{parent} no longer lists {}", t.value));
        }
    }
    let pointer = match op {
        PatchOperation::Move(_) | PatchOperation::Copy(_) => {
            let from = op_from(op).unwrap_or_default();
            if work.pointer(from).is_none() {
                from
            } else {
                op_path(op)
            }
        }
        _ => op_path(op),
    };
    let missing = first_missing(work, pointer)?;
    // A field gone from a `properties` map.
    if let Some((parent, name)) = split_last(&missing)
        && parent.ends_with("/properties")
        && work.pointer(parent).is_some_and(Value::is_object)
    {
        return Some(format!(
            "upstream no longer has the field `{name}` ({missing})"
        ));
    }
    // A value this step removes, already gone.
    if missing == pointer && removes(pointer) {
        return Some(format!(
            "upstream no longer has {pointer}, which this step removes"
        ));
    }
    None
}

/// The shortest prefix of `pointer` that does not resolve in `doc`, if any.
fn first_missing(doc: &Value, pointer: &str) -> Option<String> {
    let mut prefix = String::new();
    for token in pointer.split('/').skip(1) {
        prefix.push('/');
        prefix.push_str(token);
        if doc.pointer(&prefix).is_none() {
            return Some(prefix);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoteKind;
    use serde_json::json;

    fn patch(file: &str, ops: Value) -> Patch {
        Patch {
            file: file.into(),
            defect: String::new(),
            evidence: vec![],
            patch: serde_json::from_value(ops).unwrap(),
        }
    }

    fn ops(v: Value) -> Vec<PatchOperation> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn steps_are_tests_with_the_ops_after_them_and_lone_leading_ops() {
        let list = ops(json!([
            {"op": "add", "path": "/a", "value": 1},
            {"op": "add", "path": "/b", "value": 1},
            {"op": "test", "path": "/a", "value": 1},
            {"op": "test", "path": "/b", "value": 1},
            {"op": "remove", "path": "/a"},
            {"op": "add", "path": "/c", "value": 1},
            {"op": "test", "path": "/c", "value": 1},
        ]));
        assert_eq!(
            steps(&list),
            vec![vec![0], vec![1], vec![2, 3, 4, 5], vec![6]]
        );
        // A test guards what touches the object holding the tested value;
        // anything else after it stands alone.
        let list = ops(json!([
            {"op": "test", "path": "/x/a/type", "value": "integer"},
            {"op": "replace", "path": "/x/a/type", "value": "string"},
            {"op": "add", "path": "/x/a/example", "value": "1"},
            {"op": "add", "path": "/y/z", "value": 1},
            {"op": "remove", "path": "/x"},
        ]));
        assert_eq!(steps(&list), vec![vec![0, 1, 2, 4], vec![3]]);
    }

    #[test]
    fn a_failed_step_is_skipped_whole_and_the_rest_of_the_file_applies() {
        let mut doc = json!({"a": {"type": "integer", "title": "x"}, "b": {"type": "integer"}});
        let p = patch(
            "0001-t.json",
            json!([
                {"op": "test", "path": "/a/type", "value": "number"},
                {"op": "replace", "path": "/a/type", "value": "string"},
                {"op": "remove", "path": "/a/title"},
                {"op": "test", "path": "/b/type", "value": "integer"},
                {"op": "replace", "path": "/b/type", "value": "string"}
            ]),
        );
        let trace = trace_patches(&mut doc, &[p]);
        assert_eq!(
            doc,
            json!({"a": {"type": "integer", "title": "x"}, "b": {"type": "string"}})
        );
        let [problem] = &trace.problems[..] else {
            panic!("{:?}", trace.problems)
        };
        assert_eq!(
            (problem.op, problem.step.clone(), &problem.cause),
            (0, vec![0, 1, 2], &Cause::Primary)
        );
        let text = problem.to_string();
        assert!(
            text.contains("expected:    \"number\"\n  upstream:    \"integer\""),
            "{text}"
        );
    }

    #[test]
    fn failures_under_what_a_failed_step_would_have_written_are_knock_ons() {
        let mut doc = json!({"inline": {"title": "Other", "x": 1}, "components": {}});
        let first = patch(
            "0001-move.json",
            json!([
                {"op": "test", "path": "/inline/title", "value": "Sample"},
                {"op": "move", "from": "/inline", "path": "/components/S"}
            ]),
        );
        let second = patch(
            "0002-edit.json",
            json!([
                {"op": "add", "path": "/components/S/description", "value": "d"},
                {"op": "test", "path": "/components/S/x", "value": 1},
                {"op": "replace", "path": "/components/S/x", "value": 2}
            ]),
        );
        let independent = patch(
            "0003-other.json",
            json!([{"op": "test", "path": "/inline/x", "value": 3}]),
        );
        let trace = trace_patches(&mut doc, &[first, second, independent]);
        let causes: Vec<(&str, usize, &Cause)> = trace
            .problems
            .iter()
            .map(|p| (p.file.as_str(), p.op, &p.cause))
            .collect();
        let knock_on = Cause::KnockOn {
            file: "0001-move.json".into(),
            op: 0,
        };
        assert_eq!(
            causes,
            vec![
                ("0001-move.json", 0, &Cause::Primary),
                ("0002-edit.json", 0, &knock_on),
                ("0002-edit.json", 1, &knock_on),
                ("0003-other.json", 0, &Cause::Primary),
            ]
        );
        let err = PipelineError::Patches(trace.problems).to_string();
        assert!(
            err.starts_with("4 patch problem(s): 2 primary, 2 knock-on"),
            "{err}"
        );
    }

    #[test]
    fn a_repeated_identity_test_is_a_knock_on_of_its_first_failure() {
        let mut doc = json!({"parameters": [{"name": "b", "required": false, "description": "d"}]});
        let p = patch(
            "0001-p.json",
            json!([
                {"op": "test", "path": "/parameters/0/name", "value": "a"},
                {"op": "replace", "path": "/parameters/0/required", "value": true},
                {"op": "test", "path": "/parameters/0/name", "value": "a"},
                {"op": "replace", "path": "/parameters/0/description", "value": "e"}
            ]),
        );
        let trace = trace_patches(&mut doc, &[p]);
        assert_eq!(trace.problems.len(), 2);
        assert_eq!(trace.problems[0].cause, Cause::Primary);
        assert_eq!(
            trace.problems[1].cause,
            Cause::KnockOn {
                file: "0001-p.json".into(),
                op: 0
            }
        );
    }

    #[test]
    fn array_elements_are_found_by_their_test_when_upstream_moved_them() {
        let mut doc = json!({
            "parameters": [{"name": "new"}, {"name": "a", "required": false}],
            "required": ["x", "new", "dob", "name"]
        });
        let p = patch(
            "0001-p.json",
            json!([
                {"op": "test", "path": "/parameters/0/name", "value": "a"},
                {"op": "test", "path": "/parameters/0/required", "value": false},
                {"op": "replace", "path": "/parameters/0/required", "value": true},
                {"op": "test", "path": "/required/1", "value": "dob"},
                {"op": "remove", "path": "/required/1"}
            ]),
        );
        let notes = apply_patches(&mut doc, &[p]).unwrap();
        assert_eq!(
            doc,
            json!({
                "parameters": [{"name": "new"}, {"name": "a", "required": true}],
                "required": ["x", "new", "name"]
            })
        );
        assert_eq!(
            notes.iter().map(|n| &n.kind).collect::<Vec<_>>(),
            vec![
                &NoteKind::Relocated {
                    from: "/parameters/0".into(),
                    to: "/parameters/1".into()
                },
                &NoteKind::Relocated {
                    from: "/required/1".into(),
                    to: "/required/2".into()
                }
            ]
        );
    }

    #[test]
    fn steps_on_what_upstream_removed_are_obsolete_not_failures() {
        let mut doc = json!({"S": {
            "properties": {"kept": {"type": "string"}},
            "required": ["kept"],
            "format": null
        }});
        let p = patch(
            "0001-s.json",
            json!([
                {"op": "test", "path": "/S/properties/gone/description", "value": "old"},
                {"op": "replace", "path": "/S/properties/gone/description", "value": "new"},
                {"op": "test", "path": "/S/required/1", "value": "gone"},
                {"op": "remove", "path": "/S/required/1"},
                {"op": "test", "path": "/S/pattern", "value": "x"},
                {"op": "remove", "path": "/S/pattern"},
                {"op": "test", "path": "/S/properties/kept/type", "value": "integer"},
                {"op": "replace", "path": "/S/properties/kept/type", "value": "string"}
            ]),
        );
        let trace = trace_patches(&mut doc, &[p]);
        let obsolete: Vec<Vec<usize>> = trace
            .notes
            .iter()
            .filter(|n| matches!(n.kind, NoteKind::Obsolete { .. }))
            .map(|n| n.ops.clone())
            .collect();
        assert_eq!(obsolete, vec![vec![0, 1], vec![2, 3], vec![4, 5]]);
        // A changed value is still a failure.
        assert_eq!(trace.problems.len(), 1);
        assert_eq!(trace.problems[0].op, 6);
        assert!(
            trace.notes[0]
                .to_string()
                .contains("no longer has the field `gone`")
        );
    }

    #[test]
    fn an_add_never_overwrites_an_upstream_value() {
        let mut doc = json!({"a": {"example": "upstream"}, "required": ["x"]});
        let p = patch(
            "0001-a.json",
            json!([
                {"op": "add", "path": "/a/example", "value": "ours"},
                {"op": "add", "path": "/a/example2", "value": "ours"},
                {"op": "add", "path": "/required/-", "value": "x"},
                {"op": "add", "path": "/a/same", "value": 1},
                {"op": "add", "path": "/a/same", "value": 1}
            ]),
        );
        let trace = trace_patches(&mut doc, &[p]);
        assert_eq!(
            doc,
            json!({"a": {"example": "upstream", "example2": "ours", "same": 1}, "required": ["x"]})
        );
        assert_eq!(trace.problems.len(), 1);
        assert!(
            trace.problems[0]
                .to_string()
                .contains("the patch would overwrite it"),
            "{}",
            trace.problems[0]
        );
        assert!(
            trace
                .notes
                .iter()
                .any(|n| matches!(n.kind, NoteKind::AlreadyRequired { .. }))
        );
    }

    #[test]
    fn a_tested_add_replaces_as_in_rfc_6902() {
        let mut doc = json!({"security": [{"oauth": []}]});
        let p = patch(
            "0001-s.json",
            json!([
                {"op": "test", "path": "/security", "value": [{"oauth": []}]},
                {"op": "add", "path": "/security", "value": []}
            ]),
        );
        apply_patches(&mut doc, &[p]).unwrap();
        assert_eq!(doc, json!({"security": []}));
    }

    #[test]
    fn an_array_edited_earlier_in_the_step_is_checked_as_it_is_then() {
        // Reordering a `required` list: "name" is removed and added back.
        let mut doc = json!({"required": ["name", "orgid"]});
        let p = patch(
            "0001-r.json",
            json!([
                {"op": "test", "path": "/required/0", "value": "name"},
                {"op": "remove", "path": "/required/0"},
                {"op": "add", "path": "/required/1", "value": "name"}
            ]),
        );
        apply_patches(&mut doc, &[p]).unwrap();
        assert_eq!(doc, json!({"required": ["orgid", "name"]}));
    }
}
