//! Tidy checks over the source tree (after rust-analyzer's `tidy.rs`): rules a reviewer
//! would otherwise have to remember, run with the suite.
//!
//! - Every Rust file starts with a `//!` saying its one purpose.
//! - Outside the model, product code names no API path and no JSON content type as a
//!   literal: both come from `calldata_model` (`Interface::path`, `JSON_CONTENT_TYPE`), so
//!   an interface cannot be served on one path and signed or documented on another.
//!
//! That every interface of `calldata_model::INTERFACES` is mounted, labelled in metrics and
//! documented is checked against the running server by
//! `crates/calldata-server/tests/api/interfaces.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::command::workspace_root;

/// The Rust files git knows, relative to the workspace root.
fn rust_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let output = Command::new("git")
        .args([
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "*.rs",
        ])
        .current_dir(&root)
        .output()
        .expect("git ls-files runs");
    assert!(output.status.success(), "git ls-files failed");
    String::from_utf8(output.stdout)
        .expect("paths are UTF-8")
        .lines()
        .map(PathBuf::from)
        .filter(|path| root.join(path).exists())
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(workspace_root().join(path))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let missing: Vec<_> = rust_files()
        .into_iter()
        .filter(|path| !read(path).starts_with("//!"))
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading //! doc: {missing:?}"
    );
}

/// Product code of every crate but the model, up to its unit tests.
fn product_code() -> Vec<(PathBuf, String)> {
    rust_files()
        .into_iter()
        .filter(|path| {
            let text = path.to_string_lossy();
            text.starts_with("crates/")
                && text.contains("/src/")
                && !text.starts_with("crates/calldata-model/")
                && !text.starts_with("crates/calldata-testkit/")
        })
        .map(|path| {
            let text = read(&path);
            let code = text
                .split("\n#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .to_owned();
            (path, code)
        })
        .collect()
}

/// The lines of product code holding any of `needles`.
fn offending(needles: &[&str]) -> Vec<String> {
    product_code()
        .iter()
        .flat_map(|(path, code)| {
            code.lines()
                .enumerate()
                .filter(|(_, line)| !line.trim_start().starts_with("//"))
                .filter(|(_, line)| needles.iter().any(|needle| line.contains(needle)))
                .map(move |(n, line)| format!("{}:{}: {}", path.display(), n + 1, line.trim()))
        })
        .collect()
}

#[test]
fn api_paths_come_from_the_model() {
    let found = offending(&["\"/rest/cmsapp/"]);
    assert!(
        found.is_empty(),
        "API path literals outside calldata-model (use the operation's Interface::path):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_json_content_type_comes_from_the_model() {
    let found = offending(&["\"application/json;charset=UTF-8\""]);
    assert!(
        found.is_empty(),
        "content-type literals outside calldata-model (use calldata_model::JSON_CONTENT_TYPE):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_look_for() {
    // A check over no files passes whatever the code says.
    let code = product_code();
    assert!(
        code.iter()
            .any(|(path, _)| path.ends_with("crates/calldata-server/src/routes/signed.rs")),
        "the product code scan misses the server"
    );
    assert!(
        code.iter()
            .any(|(_, text)| text.contains("calldata_model::JSON_CONTENT_TYPE")),
        "no product code names the model's content type"
    );
}
