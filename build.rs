//! Applies `patches/` to the vendored spec in `spec/` and generates the client
//! into `OUT_DIR` (see the `digilocker-authpartner-codegen` crate).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=spec");
    println!("cargo:rerun-if-changed=patches");
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let layout = digilocker_authpartner_codegen::Layout::at(&root);
    match digilocker_authpartner_codegen::build(&layout) {
        Ok(code) => {
            write(&out.join("generated.rs"), &code.client);
            write(&out.join("operations.rs"), &code.operations);
        }
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(1);
        }
    }
}

fn write(path: &std::path::Path, text: &str) {
    if let Err(err) = std::fs::write(path, text) {
        eprintln!("error: cannot write {}: {err}", path.display());
        std::process::exit(1);
    }
}
