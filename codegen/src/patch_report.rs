//! What went wrong (or was absorbed) while applying the patches, and how it reads.

use std::fmt;

use serde_json::Value;

/// A patch step that could not apply.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchProblem {
    /// The patch file, e.g. `0012-user-details.json`.
    pub file: String,
    /// Index of the failing operation in the file's `patch` array (0-based).
    pub op: usize,
    /// The failing operation's kind (`test`, `move`, ...).
    pub op_name: &'static str,
    /// The step the operation belongs to; none of its operations applied.
    pub step: Vec<usize>,
    /// What went wrong.
    pub problem: Problem,
    /// Primary, or a consequence of an earlier failure.
    pub cause: Cause,
    /// For a failed `test`: the step of the same file that sets exactly the
    /// value upstream has now (upstream fixed that defect itself).
    pub fixed_upstream: Option<Vec<usize>>,
}

/// What went wrong with one operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// A `test` found another value upstream.
    TestFailed {
        /// The tested pointer.
        pointer: String,
        /// The first difference inside the tested value.
        difference: Box<Difference>,
        /// When the pointer does not resolve: what upstream has instead.
        missing: Option<String>,
    },
    /// Another operation could not apply.
    CannotApply {
        /// The operation's `path`.
        pointer: String,
        /// Why.
        reason: String,
    },
}

/// Whether a failure is the real cause or follows from an earlier one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Upstream changed under this step.
    Primary,
    /// The step touches a value an earlier failed step would have written.
    KnockOn {
        /// The earlier failure's patch file.
        file: String,
        /// The earlier failure's operation index.
        op: usize,
    },
}

/// The first difference between a tested value and upstream's value.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// Where, relative to the tested pointer (empty: the value itself).
    pub at: String,
    /// The patch's value there (`None`: the patch has nothing there).
    pub expected: Option<Value>,
    /// Upstream's value there (`None`: upstream has nothing there).
    pub actual: Option<Value>,
}

impl Difference {
    /// Finds the first difference between `expected` and `actual`.
    pub fn between(expected: &Value, actual: Option<&Value>) -> Self {
        let mut at = String::new();
        let (e, a) = first_difference(expected, actual, &mut at);
        Self {
            at,
            expected: e.cloned(),
            actual: a.cloned(),
        }
    }
}

fn first_difference<'a>(
    expected: &'a Value,
    actual: Option<&'a Value>,
    at: &mut String,
) -> (Option<&'a Value>, Option<&'a Value>) {
    let Some(actual) = actual else {
        return (Some(expected), None);
    };
    let descend = |key: &str, e: Option<&'a Value>, a: Option<&'a Value>, at: &mut String| {
        at.push('/');
        at.push_str(&key.replace('~', "~0").replace('/', "~1"));
        match e {
            Some(e) => first_difference(e, a, at),
            None => (None, a),
        }
    };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                if a.get(k) != Some(ev) {
                    return descend(k, Some(ev), a.get(k), at);
                }
            }
            if let Some((k, av)) = a.iter().find(|(k, _)| !e.contains_key(*k)) {
                return descend(k, None, Some(av), at);
            }
            (Some(expected), Some(actual))
        }
        (Value::Array(e), Value::Array(a)) => {
            for i in 0..e.len().max(a.len()) {
                if e.get(i) != a.get(i) {
                    return descend(&i.to_string(), e.get(i), a.get(i), at);
                }
            }
            (Some(expected), Some(actual))
        }
        _ => (Some(expected), Some(actual)),
    }
}

/// Something the pipeline absorbed while applying the patches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchNote {
    /// The patch file.
    pub file: String,
    /// The operations concerned.
    pub ops: Vec<usize>,
    /// What happened.
    pub kind: NoteKind,
}

/// The kinds of [`PatchNote`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// The step's array element moved upstream; the step was applied at its new index.
    Relocated {
        /// The pointer in the patch.
        from: String,
        /// Where the element is now.
        to: String,
    },
    /// Upstream no longer has what the step edits; it was skipped.
    Obsolete {
        /// Why.
        why: String,
    },
    /// An `add` of a name to a `required` list that already has it did nothing.
    AlreadyRequired {
        /// Which list and name.
        what: String,
    },
}

impl PatchNote {
    pub(crate) fn relocated(file: &str, ops: Vec<usize>, from: String, to: String) -> Self {
        Self {
            file: file.into(),
            ops,
            kind: NoteKind::Relocated { from, to },
        }
    }

    pub(crate) fn obsolete(file: &str, ops: Vec<usize>, why: String) -> Self {
        Self {
            file: file.into(),
            ops,
            kind: NoteKind::Obsolete { why },
        }
    }

    pub(crate) fn already_required(file: &str, op: usize, what: String) -> Self {
        Self {
            file: file.into(),
            ops: vec![op],
            kind: NoteKind::AlreadyRequired { what },
        }
    }
}

/// `op 4`, `ops 4-6`, `ops 4-6, 9`.
fn ops_label(ops: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        let start = ops[i];
        while i + 1 < ops.len() && ops[i + 1] == ops[i] + 1 {
            i += 1;
        }
        parts.push(if ops[i] == start {
            start.to_string()
        } else {
            format!("{start}-{}", ops[i])
        });
        i += 1;
    }
    let plural = if ops.len() == 1 { "op" } else { "ops" };
    format!("{plural} {}", parts.join(", "))
}

impl fmt::Display for PatchNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = format!("patches/{} {}", self.file, ops_label(&self.ops));
        match &self.kind {
            NoteKind::Relocated { from, to } => write!(
                f,
                "{at}: applied at {to} (the patch says {from}; upstream moved the element)"
            ),
            NoteKind::Obsolete { why } => write!(
                f,
                "{at}: obsolete, skipped: {why}; delete these operations when convenient"
            ),
            NoteKind::AlreadyRequired { what } => write!(f, "{at}: nothing to do, {what}"),
        }
    }
}

/// Compact JSON, cut to 120 characters with its size when longer.
pub(crate) fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= 120 {
        return s;
    }
    let cut: String = s.chars().take(100).collect();
    format!("{cut}… ({} bytes)", s.len())
}

/// Renders two differing values; long strings as a window around their first difference.
fn render_pair(
    expected: Option<&Value>,
    actual: Option<&Value>,
) -> (String, String, Option<String>) {
    const SHORT: usize = 100;
    const WINDOW: usize = 40;
    if let (Some(Value::String(e)), Some(Value::String(a))) = (expected, actual) {
        let (ec, ac): (Vec<char>, Vec<char>) = (e.chars().collect(), a.chars().collect());
        if ec.len() > SHORT || ac.len() > SHORT {
            let first = ec.iter().zip(&ac).take_while(|(x, y)| x == y).count();
            let window = |chars: &[char]| {
                let start = first.saturating_sub(WINDOW);
                let end = (first + WINDOW).min(chars.len());
                let text: String = chars[start.min(end)..end].iter().collect();
                format!(
                    "{}{}{}",
                    if start > 0 { "…" } else { "" },
                    Value::String(text),
                    if end < chars.len() { "…" } else { "" }
                )
            };
            return (
                window(&ec),
                window(&ac),
                Some(format!(
                    "(strings of {} and {} characters, first different at character {first})",
                    ec.len(),
                    ac.len()
                )),
            );
        }
    }
    let render = |v: Option<&Value>| v.map_or_else(|| "<absent>".to_string(), short);
    (render(expected), render(actual), None)
}

impl fmt::Display for PatchProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "patches/{} op {} ({})", self.file, self.op, self.op_name)?;
        if let Cause::KnockOn { file, op } = &self.cause {
            // Knock-ons stay short: the primary failure carries the details.
            writeln!(f, ", knock-on of patches/{file} op {op}")?;
            match &self.problem {
                Problem::TestFailed { pointer, .. } => write!(f, "  test at {pointer}")?,
                Problem::CannotApply { pointer, reason } => {
                    let reason = reason.split(" (it has:").next().unwrap_or(reason);
                    write!(f, "  cannot apply at {pointer}: {reason}")?
                }
            }
            return write!(f, "; not applied: {}", ops_label(&self.step));
        }
        writeln!(f, ", primary")?;
        match &self.problem {
            Problem::TestFailed {
                pointer,
                difference,
                missing,
            } => {
                writeln!(f, "  test at:     {pointer}")?;
                if !difference.at.is_empty() {
                    writeln!(f, "  differs at:  {pointer}{}", difference.at)?;
                }
                let (e, a, note) =
                    render_pair(difference.expected.as_ref(), difference.actual.as_ref());
                writeln!(f, "  expected:    {e}")?;
                match missing {
                    Some(m) => writeln!(f, "  upstream:    <absent>: {m}")?,
                    None => writeln!(f, "  upstream:    {a}")?,
                }
                if let Some(note) = note {
                    writeln!(f, "               {note}")?;
                }
                writeln!(f, "  not applied: {}", ops_label(&self.step))?;
                match &self.fixed_upstream {
                    Some(fix) if *fix == self.step => write!(
                        f,
                        "  hint: upstream now has the value this step sets: upstream fixed the defect, delete {}",
                        ops_label(fix)
                    ),
                    Some(fix) => write!(
                        f,
                        "  hint: upstream now has the value that {} of this file set: upstream fixed that defect; delete {}, and change this test (and any other of {pointer}) to the new value",
                        ops_label(fix),
                        ops_label(fix)
                    ),
                    None => write!(
                        f,
                        "  hint: if upstream fixed this defect, delete {}; otherwise adapt the test value (and the change it guards) to the new upstream value",
                        ops_label(&self.step)
                    ),
                }
            }
            Problem::CannotApply { pointer, reason } => {
                writeln!(f, "  cannot apply at {pointer}: {reason}")?;
                writeln!(f, "  not applied: {}", ops_label(&self.step))?;
                write!(
                    f,
                    "  hint: upstream changed the structure this step edits; adapt or delete {}",
                    ops_label(&self.step)
                )
            }
        }
    }
}

/// Renders every problem, primary and knock-on counts first.
pub(crate) fn render_problems(
    problems: &[PatchProblem],
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let primary = problems
        .iter()
        .filter(|p| p.cause == Cause::Primary)
        .count();
    let knock_on = problems.len() - primary;
    write!(
        f,
        "{} patch problem(s): {primary} primary, {knock_on} knock-on",
        problems.len()
    )?;
    if knock_on > 0 {
        write!(
            f,
            "\n(a knock-on failure touches a value an earlier failed step would have written: fix the primary ones first)"
        )?;
    }
    let mut previous_knock_on = false;
    for p in problems {
        let knock_on = matches!(p.cause, Cause::KnockOn { .. });
        let gap = if knock_on && previous_knock_on {
            "\n"
        } else {
            "\n\n"
        };
        write!(f, "{gap}{p}")?;
        previous_knock_on = knock_on;
    }
    Ok(())
}

/// Says what upstream has where `pointer` does not resolve.
pub fn describe_missing(doc: &Value, pointer: &str) -> String {
    let mut prefix = String::new();
    let mut cur = doc;
    for token in pointer.split('/').skip(1) {
        let key = token.replace("~1", "/").replace("~0", "~");
        let next = match cur {
            Value::Object(map) => map.get(&key),
            Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        let Some(next) = next else {
            let here = if prefix.is_empty() {
                "/"
            } else {
                prefix.as_str()
            };
            return match cur {
                Value::Object(map) => {
                    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
                    keys.sort_unstable();
                    let more = keys.len().saturating_sub(12);
                    keys.truncate(12);
                    format!(
                        "upstream has no `{key}` in {here} (it has: {}{})",
                        keys.join(", "),
                        if more > 0 {
                            format!(", … {more} more")
                        } else {
                            String::new()
                        }
                    )
                }
                Value::Array(items) => format!(
                    "upstream has no element {token} in {here} (it has {} element(s))",
                    items.len()
                ),
                other => format!(
                    "upstream has {} at {here}, not an object or array",
                    short(other)
                ),
            };
        };
        prefix.push('/');
        prefix.push_str(token);
        cur = next;
    }
    format!("{pointer} exists")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_difference_is_found_inside_the_tested_value() {
        let d = Difference::between(
            &json!({"a": {"b": [1, 2, {"c": "x"}]}, "z": 1}),
            Some(&json!({"a": {"b": [1, 2, {"c": "y"}]}, "z": 1})),
        );
        assert_eq!(d.at, "/a/b/2/c");
        assert_eq!((d.expected, d.actual), (Some(json!("x")), Some(json!("y"))));

        let d = Difference::between(&json!({"a": 1}), Some(&json!({"a": 1, "b/c": 2})));
        assert_eq!(d.at, "/b~1c");
        assert_eq!((d.expected, d.actual), (None, Some(json!(2))));

        let d = Difference::between(&json!([1, 2]), Some(&json!([1])));
        assert_eq!((d.at.as_str(), d.actual), ("/1", None));

        let d = Difference::between(&json!("a"), None);
        assert_eq!(
            (d.at.as_str(), d.expected, d.actual),
            ("", Some(json!("a")), None)
        );
    }

    #[test]
    fn long_strings_show_a_window_around_the_difference() {
        let base = "x".repeat(150);
        let e = json!(format!("{base} Code_challenge {base}"));
        let a = json!(format!("{base} code_challenge {base}"));
        let (re, ra, note) = render_pair(Some(&e), Some(&a));
        assert_eq!(
            re,
            format!("…\"{} Code_challenge {}\"…", "x".repeat(39), "x".repeat(25))
        );
        assert_eq!(
            ra,
            format!("…\"{} code_challenge {}\"…", "x".repeat(39), "x".repeat(25))
        );
        assert_ne!(re, ra);
        assert_eq!(
            note.as_deref(),
            Some("(strings of 316 and 316 characters, first different at character 151)")
        );
        let (re, ra, note) = render_pair(Some(&json!("short")), Some(&json!("shorter")));
        assert_eq!(
            (re.as_str(), ra.as_str(), note),
            ("\"short\"", "\"shorter\"", None)
        );
    }

    #[test]
    fn missing_values_say_what_is_there() {
        let doc = json!({"a": {"x": 1, "y": 2}, "l": [1]});
        assert_eq!(
            describe_missing(&doc, "/a/z/q"),
            "upstream has no `z` in /a (it has: x, y)"
        );
        assert_eq!(
            describe_missing(&doc, "/l/3"),
            "upstream has no element 3 in /l (it has 1 element(s))"
        );
        assert_eq!(
            describe_missing(&doc, "/a/x/q"),
            "upstream has 1 at /a/x, not an object or array"
        );
    }
}
