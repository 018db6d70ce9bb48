//! The application runs to the end against the embedded sandbox.

#[test]
fn the_app_runs_against_the_sandbox() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_anyhow-app"))
        .output()
        .expect("the app starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("signed in: "), "{stdout}");
    assert!(
        stdout.contains("matched Error::Api: 404 invalid_id"),
        "{stdout}"
    );
    assert!(stdout.contains("downcast: status Some(404)"), "{stdout}");
    assert!(stdout.contains("anyhow: "), "{stdout}");
}
