//! `cargo xtask update-spec` and `api-diff` against temporary copies of the
//! repository, with the "next upstream" fixtures in `tests/fixtures/` (each a
//! JSON Patch applied to the vendored spec).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const SPEC: &str = "spec/authpartner-1.0.0.openapi.json";
const PATCHED_SNAPSHOT: &str = "tests/snapshots/api_surface__patched_spec.snap";
const SURFACE_SNAPSHOT: &str = "tests/snapshots/api_surface__api_surface.snap";

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
        } else if !path.to_string_lossy().ends_with(".snap.new") {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

/// A temporary checkout holding copies of `spec/`, `patches/`, `src/` (the
/// overlay the surface snapshot lists) and the snapshots.
fn temp_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["spec", "patches", "src", "tests/snapshots"] {
        copy_dir(&repo().join(sub), &dir.path().join(sub));
    }
    // The OpenAPI linters `check` runs (installed by `npm ci --prefix .ci/lint`,
    // and required under CI), shared with the real repository.
    std::fs::create_dir_all(dir.path().join(".ci")).unwrap();
    std::os::unix::fs::symlink(repo().join(".ci/lint"), dir.path().join(".ci/lint")).unwrap();
    dir
}

fn git(root: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes `root` a git repository with everything committed.
fn commit_all(root: &Path) {
    git(root, &["init", "--quiet"]);
    git(root, &["add", "."]);
    git(root, &["commit", "--quiet", "-m", "vendored"]);
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

fn write_upstream(root: &Path, fixtures: &[&str]) -> PathBuf {
    let input = root.join("next.json");
    std::fs::write(
        &input,
        serde_json::to_string(&next_upstream(fixtures)).unwrap(),
    )
    .unwrap();
    input
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

/// `update-spec FILE`: pending snapshots written, the crate not compiled (too slow here).
fn update(root: &Path, input: &Path) -> (Output, String) {
    xtask(
        root,
        &["update-spec", input.to_str().unwrap(), "--no-build"],
    )
}

/// Every file under `root`, with its bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n == ".git") {
                    continue;
                }
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

/// Runs `update-spec` on a next upstream that breaks patches: it must fail,
/// print no API diff and leave every file as it was. Returns its output.
fn failing_update(fixtures: &[&str]) -> String {
    let root = temp_repo();
    let input = write_upstream(root.path(), fixtures);
    let before = tree(root.path());
    let (output, text) = update(root.path(), &input);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("stopped before regenerating"), "{text}");
    assert!(!text.contains("API diff"), "{text}");
    assert_eq!(tree(root.path()), before, "the working tree changed");
    text
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
        .unwrap_or_else(|| panic!("a summary line in:\n{text}"));
    lines[..=end].join("\n")
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

const ADDITIVE: &str = "\
Operations:
  additive  GET /oauth2/1/files/count (get_document_count): operation added (method name derived from the upstream operationId \"Get Document Count id\")
  additive  GET /oauth2/2/files/issued (get_issued_documents): query parameter `doctype` added (optional, String)
Types:
  additive  DocumentCount: type added
0 breaking, 3 additive";

const PARAMETER_AND_FIELD: &str = "\
Operations:
  additive  GET /oauth2/2/files/issued (get_issued_documents): query parameter `doctype` added (optional, String)
Types:
  additive  UserDetails: field `email` added (required, String)
0 breaking, 2 additive";

#[test]
fn an_optional_parameter_and_a_field_on_a_patched_schema_need_no_patch_edit() {
    let root = temp_repo();
    commit_all(root.path());
    let input = write_upstream(
        root.path(),
        &["d-optional-parameter-and-field-on-patched-schema.json"],
    );
    let patches_before: Vec<_> = tree(root.path())
        .into_iter()
        .filter(|(p, _)| p.starts_with("patches"))
        .collect();

    let (output, text) = update(root.path(), &input);
    assert!(output.status.success(), "{text}");
    assert!(!text.contains("absorbed without a patch edit"), "{text}");
    assert!(
        text.contains(&format!(
            "API diff (HEAD:{PATCHED_SNAPSHOT} -> new patched spec):"
        )),
        "{text}"
    );
    assert_eq!(classified(&text), PARAMETER_AND_FIELD, "{text}");

    // The snapshots are pending, in insta's format, with both changes in them.
    assert!(text.contains("snapshots: 2 pending"), "{text}");
    let patched = read(root.path(), &format!("{PATCHED_SNAPSHOT}.new"));
    assert!(
        patched.starts_with("---\nsource: tests/api_surface.rs\n"),
        "{patched}"
    );
    let body: Value = serde_json::from_str(patched.split_once("\n---\n").unwrap().1).unwrap();
    assert_eq!(
        body.pointer("/components/schemas/UserDetails/properties/email/type"),
        Some(&Value::from("string"))
    );
    assert_eq!(
        body.pointer("/components/schemas/UserDetails/required"),
        Some(&serde_json::json!(["digilockerid", "name", "email"]))
    );
    let surface = read(root.path(), &format!("{SURFACE_SNAPSHOT}.new"));
    assert!(
        surface.contains("\n  email: String (required)\n"),
        "{surface}"
    );
    assert!(
        surface.contains("\n  param query doctype: String (optional)\n"),
        "{surface}"
    );
    let patches_after: Vec<_> = tree(root.path())
        .into_iter()
        .filter(|(p, _)| p.starts_with("patches"))
        .collect();
    assert_eq!(patches_before, patches_after, "a patch changed");

    // `check` fails while the snapshots are pending, and passes once they are accepted.
    let (output, text) = xtask(root.path(), &["check"]);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("2 pending snapshot file(s)"), "{text}");
    for rel in [PATCHED_SNAPSHOT, SURFACE_SNAPSHOT] {
        std::fs::rename(
            root.path().join(format!("{rel}.new")),
            root.path().join(rel),
        )
        .unwrap();
    }
    let (output, text) = xtask(root.path(), &["check"]);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("ok    patch rules"), "{text}");
}

#[test]
fn a_field_removed_from_a_patched_schema_is_breaking_without_a_patch_edit() {
    let root = temp_repo();
    let input = write_upstream(root.path(), &["e-field-removed-from-patched-schema.json"]);
    let (output, text) = update(root.path(), &input);
    assert!(output.status.success(), "{text}");
    // 0015's steps on the removed field are skipped and named.
    assert!(text.contains(
        "patches/0015-meta-responses.json ops 164-165: obsolete, skipped: /components/schemas/VerifyAccountResponse/required no longer lists \"digilockerid\""
    ), "{text}");
    assert!(text.contains(
        "obsolete, skipped: upstream no longer has the field `digilockerid` (/components/schemas/VerifyAccountResponse/properties/digilockerid)"
    ), "{text}");
    assert!(
        text.contains(&format!("API diff ({PATCHED_SNAPSHOT} (working tree")),
        "{text}"
    );
    assert_eq!(
        classified(&text),
        "\
Types:
  breaking  VerifyAccountResponse: field `digilockerid` removed (was Option<String>)
1 breaking, 0 additive",
        "{text}"
    );
}

#[test]
fn a_value_changed_under_a_patch_fails_with_both_values_and_leaves_the_tree_untouched() {
    let text = failing_update(&["f-value-changed-under-patch.json"]);
    assert!(
        text.contains("7 patch problem(s): 1 primary, 6 knock-on"),
        "{text}"
    );
    assert!(text.contains(
        "patches/0008-authorize-parameters.json op 26 (test), primary\n  test at:     /paths/~1oauth2~11~1authorize/get/parameters/4/name\n  expected:    \"Code_challenge\"\n  upstream:    \"code_challenge\"\n  not applied: ops 26-28\n  hint: upstream now has the value that ops 41-42 of this file set: upstream fixed that defect; delete ops 41-42, and change this test (and any other of /paths/~1oauth2~11~1authorize/get/parameters/4/name) to the new value\n"
    ), "{text}");
    assert!(text.contains(
        "patches/0008-authorize-parameters.json op 29 (test), knock-on of patches/0008-authorize-parameters.json op 26\n  test at /paths/~1oauth2~11~1authorize/get/parameters/4/name; not applied: ops 29-31"
    ), "{text}");
}

#[test]
fn a_long_value_changed_under_a_patch_shows_a_window_around_the_difference() {
    let text = failing_update(&["g-long-description-changed-under-patch.json"]);
    assert!(text.contains(
        "patches/0013-request-hash-order.json op 18 (test), primary\n  test at:     /components/schemas/Issuer/properties/hmac/description\n  expected:    …\"tid and ts parameters above concatenated in this sequence (client secret, client\"…\n  upstream:    …\"tid and ts parameters above concatenated, in this exact sequence (client secret,\"…\n               (strings of 373 and 380 characters, first different at character 99)\n"
    ), "{text}");
    assert!(
        text.contains("1 patch problem(s): 1 primary, 0 knock-on"),
        "{text}"
    );
}

#[test]
fn two_independent_broken_patches_are_both_primary() {
    let text = failing_update(&["h-two-independent-broken-patches.json"]);
    assert!(
        text.contains("2 patch problem(s): 2 primary, 0 knock-on"),
        "{text}"
    );
    assert!(text.contains(
        "patches/0003-string-typed-identifiers.json op 8 (test), primary\n  test at:     /components/schemas/DemoAuthVerify/properties/otp/type\n  expected:    \"integer\"\n  upstream:    \"string\"\n  not applied: ops 8-9\n  hint: upstream now has the value this step sets: upstream fixed the defect, delete ops 8-9"
    ), "{text}");
    assert!(text.contains(
        "patches/0019-servers.json op 2 (test), primary\n  test at:     /servers/0/url\n  expected:    \"https://betaapi.digitallocker.gov.in/public\"\n  upstream:    \"https://sandbox.digitallocker.gov.in/public\"\n  not applied: ops 2-3\n  hint: if upstream fixed this defect, delete ops 2-3; otherwise adapt the test value (and the change it guards) to the new upstream value"
    ), "{text}");
}

#[test]
fn a_failure_that_follows_from_an_earlier_one_is_labelled_knock_on() {
    let text = failing_update(&["i-upstream-titles-user-details.json"]);
    assert!(text.contains(
        "patches/0002-sample-title-collisions.json op 0 (test), primary\n  test at:     /paths/~1oauth2~11~1user/get/responses/200/content/application~1json/schema/title\n  expected:    \"Sample\"\n  upstream:    \"UserDetails\"\n"
    ), "{text}");
    assert!(text.contains(
        "patches/0012-user-details.json op 0 (move), knock-on of patches/0002-sample-title-collisions.json op 0\n  cannot apply at /components/schemas/UserDetails: from /components/schemas/UserDetails/properties/details: upstream has no `UserDetails` in /components/schemas; not applied: op 0"
    ), "{text}");
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("patches/") && l.contains(" op "))
        .collect();
    assert!(problems.len() > 10, "{text}");
    assert!(
        problems[1..]
            .iter()
            .all(|l| (l.starts_with("patches/0012-user-details.json")
                || l.starts_with("patches/0033-gender.json"))
                && l.ends_with("knock-on of patches/0002-sample-title-collisions.json op 0")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "patch problem(s): 1 primary, {} knock-on",
            problems.len() - 1
        )),
        "{text}"
    );
}

#[test]
fn a_new_operation_gets_a_derived_method_name_and_the_patch_to_extend() {
    let root = temp_repo();
    let input = write_upstream(
        root.path(),
        &["a-new-operation-and-optional-parameter.json"],
    );
    let (output, text) = update(root.path(), &input);
    assert!(output.status.success(), "{text}");
    assert!(text.contains(
        "  GET /oauth2/1/files/count: operationId \"Get Document Count id\" -> Client::get_document_count()\n    keep that name (it is in the API diff and the surface snapshot), or choose one in patches/0001-operation-ids.json:\n      {\"op\":\"test\",\"path\":\"/paths/~1oauth2~11~1files~1count/get/operationId\",\"value\":\"Get Document Count id\"},\n      {\"op\":\"replace\",\"path\":\"/paths/~1oauth2~11~1files~1count/get/operationId\",\"value\":\"get_document_count\"}"
    ), "{text}");
    assert_eq!(classified(&text), ADDITIVE, "{text}");
    // The generated method, progenitor's operation id and the runtime table agree.
    let client = read(root.path(), "target/generated/client.rs");
    assert!(
        client.contains("pub fn get_document_count(&self)"),
        "no method"
    );
    // Generated operations send through the runtime table (codegen/src/rewrite.rs).
    assert!(
        client.contains("crate::transport::send(") && !client.contains("OperationInfo {"),
        "not sent through the transport"
    );
    let table = read(root.path(), "target/generated/operations.rs");
    assert!(
        table.contains(
            "id: \"get_document_count\", method: \"GET\", path: \"/oauth2/1/files/count\""
        ),
        "{table}"
    );
    let surface = read(root.path(), &format!("{SURFACE_SNAPSHOT}.new"));
    assert!(surface.contains(
        "GET /oauth2/1/files/count\n  operationId: Get Document Count id\n  rust: Client::get_document_count()  (generated builder, name derived from the operationId)\n"
    ), "{surface}");

    // Naming it as suggested: the note goes away and the method takes the chosen name.
    let path = root.path().join("patches/0001-operation-ids.json");
    let mut naming: Value =
        serde_json::from_str(&read(root.path(), "patches/0001-operation-ids.json")).unwrap();
    let pointer = "/paths/~1oauth2~11~1files~1count/get/operationId";
    let ops = naming["patch"].as_array_mut().unwrap();
    ops.push(serde_json::json!({"op": "test", "path": pointer, "value": "Get Document Count id"}));
    ops.push(serde_json::json!({"op": "replace", "path": pointer, "value": "count_documents"}));
    std::fs::write(&path, serde_json::to_string_pretty(&naming).unwrap()).unwrap();
    let (output, text) = xtask(root.path(), &["regen"]);
    assert!(output.status.success(), "{text}");
    let client = read(root.path(), "target/generated/client.rs");
    assert!(
        client.contains("pub fn count_documents(&self)"),
        "not renamed"
    );
    let (_, text) = xtask(root.path(), &["check"]);
    assert!(!text.contains("without a Rust method name"), "{text}");
}

#[test]
fn a_new_operation_without_an_operation_id_gets_a_name_from_its_method_and_path() {
    let root = temp_repo();
    let input = write_upstream(root.path(), &["j-new-operation-without-operation-id.json"]);
    let (output, text) = update(root.path(), &input);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains(
            "  GET /oauth2/1/files/count: no operationId -> Client::get_oauth2_1_files_count()\n"
        ),
        "{text}"
    );
    assert!(text.contains(
        "{\"op\":\"add\",\"path\":\"/paths/~1oauth2~11~1files~1count/get/operationId\",\"value\":\"get_oauth2_1_files_count\"}"
    ), "{text}");
    assert!(
        read(root.path(), "target/generated/client.rs")
            .contains("pub fn get_oauth2_1_files_count(&self)")
    );
}

#[test]
fn the_diff_is_printed_after_patches_were_adapted() {
    let root = temp_repo();
    commit_all(root.path());
    let input = write_upstream(
        root.path(),
        &[
            "f-value-changed-under-patch.json",
            "d-optional-parameter-and-field-on-patched-schema.json",
        ],
    );
    let (output, text) = update(root.path(), &input);
    assert!(!output.status.success(), "{text}");

    // Adapt 0008 to upstream's fix: its steps now find the parameter by its new
    // name, and the step that renamed it goes.
    let path = root.path().join("patches/0008-authorize-parameters.json");
    let mut patch: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let ops = patch["patch"].as_array_mut().unwrap();
    let rename = ops
        .iter()
        .position(|op| op["op"] == "replace" && op["value"] == "code_challenge")
        .unwrap();
    ops.drain(rename - 1..=rename);
    for op in ops.iter_mut() {
        if op["value"] == "Code_challenge" {
            op["value"] = "code_challenge".into();
        }
    }
    std::fs::write(&path, serde_json::to_string_pretty(&patch).unwrap()).unwrap();

    let (output, text) = update(root.path(), &input);
    assert!(output.status.success(), "{text}");
    assert!(!text.contains("skipped"), "{text}");
    assert!(
        text.contains(&format!(
            "API diff (HEAD:{PATCHED_SNAPSHOT} -> new patched spec):"
        )),
        "{text}"
    );
    assert_eq!(classified(&text), PARAMETER_AND_FIELD, "{text}");
}

#[test]
fn a_retyped_and_a_removed_response_field_are_breaking() {
    let root = temp_repo();
    let a = write_upstream(
        root.path(),
        &["a-new-operation-and-optional-parameter.json"],
    );
    let (output, text) = update(root.path(), &a);
    assert!(output.status.success(), "{text}");
    for rel in [PATCHED_SNAPSHOT, SURFACE_SNAPSHOT] {
        std::fs::rename(
            root.path().join(format!("{rel}.new")),
            root.path().join(rel),
        )
        .unwrap();
    }

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
    let stored = read(root.path(), SPEC);
    assert_eq!(
        stored,
        format!("{}\n", serde_json::to_string_pretty(&upstream).unwrap())
    );
    let provenance = read(root.path(), "spec/PROVENANCE.md");
    let sha = sha256(stored.as_bytes());
    assert!(
        provenance.contains(&format!("| sha256 | `{sha}` |")),
        "{provenance}"
    );
    assert!(
        provenance.contains(&format!("| source | {} |", b.display())),
        "{provenance}"
    );
}

#[test]
fn a_failing_patch_test_stops_the_update_and_leaves_the_tree_untouched() {
    let text = failing_update(&["c-upstream-fixes-operation-id.json"]);
    assert!(text.contains(
        "patches/0001-operation-ids.json op 2 (test), primary\n  test at:     /paths/~1account~12~1verify/post/operationId\n  expected:    \"Verify Account id\"\n  upstream:    \"verify_account\"\n  not applied: ops 2-3\n  hint: upstream now has the value this step sets: upstream fixed the defect, delete ops 2-3"
    ), "{text}");
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
    commit_all(root.path());

    let (output, text) = xtask(root.path(), &["api-diff"]);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("No API change.\n0 breaking, 0 additive"),
        "{text}"
    );

    let input = write_upstream(
        root.path(),
        &["a-new-operation-and-optional-parameter.json"],
    );
    let (output, text) = update(root.path(), &input);
    assert!(output.status.success(), "{text}");
    let from_update = classified(&text);
    let (output, text) = xtask(root.path(), &["api-diff", "--against", "HEAD"]);
    assert!(output.status.success(), "{text}");
    assert_eq!(classified(&text), ADDITIVE, "{text}");
    assert_eq!(from_update, ADDITIVE);

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
