//! `cargo xtask update-spec` and `api-diff` against temporary copies of the
//! repository, with the "next upstream" fixtures in `tests/fixtures/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const SPEC: &str = "spec/authpartner-1.0.0.openapi.json";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

/// A temporary checkout holding copies of `spec/` and `patches/`.
fn temp_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["spec", "patches"] {
        copy_dir(&repo().join(sub), &dir.path().join(sub));
    }
    dir
}

/// The vendored spec with the given fixtures' JSON Patches applied in order.
fn next_upstream(fixtures: &[&str]) -> Value {
    let mut spec: Value =
        serde_json::from_slice(&std::fs::read(repo().join(SPEC)).unwrap()).unwrap();
    for name in fixtures {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let fixture: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let patch: json_patch::Patch = serde_json::from_value(fixture["patch"].clone()).unwrap();
        json_patch::patch(&mut spec, &patch).unwrap();
    }
    spec
}

fn xtask(root: &Path, args: &[&str]) -> (Output, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

fn update(root: &Path, input: &Path) -> (Output, String) {
    xtask(
        root,
        &["update-spec", input.to_str().unwrap(), "--no-snapshots"],
    )
}

/// Every file under `root`, with its bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                out.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The classified diff: the lines after the `API diff` heading, up to the summary line.
fn classified(text: &str) -> String {
    let is_summary =
        |l: &str| l.ends_with(" additive") && l.contains(" breaking, ") && !l.starts_with(' ');
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("API diff"))
        .skip(1)
        .skip_while(|l| l.is_empty())
        .collect();
    let end = lines
        .iter()
        .position(|l| is_summary(l))
        .expect("a summary line");
    lines[..=end].join("\n")
}

const ADDITIVE: &str = "\
Operations:
  additive  GET /oauth2/1/files/count (Get Document Count id): operation added
  additive  GET /oauth2/2/files/issued (get_issued_documents): query parameter `doctype` added (optional, String)
Types:
  additive  DocumentCount: type added
0 breaking, 3 additive";

#[test]
fn a_new_operation_and_optional_parameter_are_additive() {
    let root = temp_repo();
    let input = root.path().join("next.json");
    let upstream = next_upstream(&["a-new-operation-and-optional-parameter.json"]);
    std::fs::write(&input, serde_json::to_string(&upstream).unwrap()).unwrap();

    let (output, text) = update(root.path(), &input);
    assert!(output.status.success(), "{text}");
    assert_eq!(classified(&text), ADDITIVE, "{text}");
    assert!(text.contains("Next: `cargo insta review`"), "{text}");

    // Stored as canonical JSON, with the provenance updated.
    let stored = std::fs::read_to_string(root.path().join(SPEC)).unwrap();
    assert_eq!(
        stored,
        format!("{}\n", serde_json::to_string_pretty(&upstream).unwrap())
    );
    let provenance = std::fs::read_to_string(root.path().join("spec/PROVENANCE.md")).unwrap();
    let sha = sha256(stored.as_bytes());
    assert!(
        provenance.contains(&format!("| sha256 | `{sha}` |")),
        "{provenance}"
    );
    assert!(
        provenance.contains(&format!("| source | {} |", input.display())),
        "{provenance}"
    );
    assert!(root.path().join("target/generated/client.rs").is_file());
    let (output, text) = xtask(root.path(), &["check"]);
    assert!(output.status.success(), "{text}");
}

#[test]
fn a_retyped_and_a_removed_response_field_are_breaking() {
    let root = temp_repo();
    let a = root.path().join("a.json");
    std::fs::write(
        &a,
        serde_json::to_string(&next_upstream(&[
            "a-new-operation-and-optional-parameter.json",
        ]))
        .unwrap(),
    )
    .unwrap();
    let (output, text) = update(root.path(), &a);
    assert!(output.status.success(), "{text}");

    // The next upstream arrives as YAML.
    let b = root.path().join("b.yaml");
    let upstream = next_upstream(&[
        "a-new-operation-and-optional-parameter.json",
        "b-response-field-retyped-and-removed.json",
    ]);
    std::fs::write(&b, serde_norway::to_string(&upstream).unwrap()).unwrap();
    let (output, text) = update(root.path(), &b);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("(YAML,"), "{text}");
    assert_eq!(
        classified(&text),
        "\
Types:
  breaking  DocumentCount: field `uploaded` removed (was Option<i64>)
  breaking  DocumentCount: field `count` type changed: i64 -> String
2 breaking, 0 additive",
        "{text}"
    );
    let stored = std::fs::read_to_string(root.path().join(SPEC)).unwrap();
    assert_eq!(
        stored,
        format!("{}\n", serde_json::to_string_pretty(&upstream).unwrap())
    );
}

#[test]
fn a_failing_patch_test_stops_the_update_and_leaves_the_tree_untouched() {
    let root = temp_repo();
    let input = root.path().join("next.json");
    std::fs::write(
        &input,
        serde_json::to_string(&next_upstream(&["c-upstream-fixes-operation-id.json"])).unwrap(),
    )
    .unwrap();
    let before = tree(root.path());

    let (output, text) = update(root.path(), &input);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("patches/0001-operation-ids.json: test failed at /paths/~1account~12~1verify/post/operationId"),
        "{text}"
    );
    assert!(text.contains("expected: \"Verify Account id\""), "{text}");
    assert!(text.contains("upstream: \"verify_account\""), "{text}");
    assert!(
        text.contains("hint: if upstream fixed this defect, drop the patch"),
        "{text}"
    );
    assert!(text.contains("stopped before regenerating"), "{text}");
    assert!(!text.contains("API diff"), "{text}");
    assert_eq!(tree(root.path()), before, "the working tree changed");
}

#[test]
fn the_vendored_spec_itself_is_a_no_op() {
    let root = temp_repo();
    let before = tree(root.path());
    let (output, text) = update(root.path(), &repo().join(SPEC));
    assert!(output.status.success(), "{text}");
    assert!(text.contains("nothing to do"), "{text}");
    assert_eq!(tree(root.path()), before);
}

#[test]
fn api_diff_compares_a_git_revision_with_the_working_tree() {
    let root = temp_repo();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(root.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "--quiet"]);
    git(&["add", "spec", "patches"]);
    git(&["commit", "--quiet", "-m", "vendored"]);

    let (output, text) = xtask(root.path(), &["api-diff"]);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("No API change.\n0 breaking, 0 additive"),
        "{text}"
    );

    let input = root.path().join("next.json");
    std::fs::write(
        &input,
        serde_json::to_string(&next_upstream(&[
            "a-new-operation-and-optional-parameter.json",
        ]))
        .unwrap(),
    )
    .unwrap();
    let (output, text) = update(root.path(), &input);
    assert!(output.status.success(), "{text}");
    let (output, text) = xtask(root.path(), &["api-diff", "--against", "HEAD"]);
    assert!(output.status.success(), "{text}");
    assert_eq!(classified(&text), ADDITIVE, "{text}");

    let (output, text) = xtask(root.path(), &["api-diff", "--against", "no-such-rev"]);
    assert!(!output.status.success());
    assert!(text.contains("`no-such-rev` is not a commit"), "{text}");
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
