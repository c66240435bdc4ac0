//! `cargo xtask package`: the crates we publish (`calldata-model`, `calldata-client`) are
//! packages crates.io would take, and what a library user gets from them is the library.
//!
//! - Metadata: each published manifest has a description, licence, repository,
//!   documentation, readme, keywords, categories and `rust-version`; no manifest of the
//!   workspace still names the placeholder repository; the client requires the model of its
//!   own version (`^<model version>`), so the two are released in step.
//! - Contents: `cargo package --list` of each holds `LICENSE-MIT`, `LICENSE-APACHE` and its
//!   README.
//! - Library only: `cargo tree -p calldata-client -e normal`, with the default features and
//!   with none, holds no CLI crate (clap, comfy-table, ratatui, crossterm).
//! - MSRV: every crate the published crates build with (normal and build dependencies, any
//!   platform, every feature) declares a `rust-version` no newer than ours, and the
//!   toolchain at hand is not older than it (see [`check_msrv`]).
//! - Packaging: `cargo publish --dry-run` of both in one call, which packages the model,
//!   verifies it, then verifies the client against that package instead of crates.io
//!   (cargo packs the workspace's path dependencies together). It reads the crates.io index;
//!   with `--offline` or `CARGO_NET_OFFLINE` set, `cargo package` does the same packing and
//!   verifying without it. Once a version is on crates.io the dry run refuses to publish it
//!   again, and `cargo package` stands in until the next version is set.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::process::Command;

use anyhow::{Context, bail, ensure};
use serde_json::Value;

use crate::command::{cargo, run_checked, workspace_root};

/// The packages published to crates.io, the model first (the client depends on it).
pub(crate) const PUBLISHED: [&str; 2] = ["calldata-model", "calldata-client"];

/// Files every published package must contain.
const REQUIRED_FILES: [&str; 3] = ["LICENSE-MIT", "LICENSE-APACHE", "README.md"];

/// Crates only the `calldata` binary needs; a library user must not get them by default.
const CLI_ONLY: [&str; 4] = ["clap", "comfy-table", "ratatui", "crossterm"];

/// The repository placeholder the manifests had before there was a published address.
const PLACEHOLDER: &str = "example.invalid";

/// Options of `cargo xtask package`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Package and verify without the crates.io index (`cargo package` instead of
    /// `cargo publish --dry-run`); also implied by `CARGO_NET_OFFLINE=true`.
    #[arg(long)]
    pub(crate) offline: bool,
}

/// Runs every check of the published crates; any failure is an error.
pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let metadata = metadata(&["--no-deps"])?;
    check_manifests(&metadata)?;
    for package in PUBLISHED {
        check_contents(package)?;
    }
    check_library_only()?;
    check_msrv(&metadata)?;
    let offline =
        args.offline || std::env::var("CARGO_NET_OFFLINE").is_ok_and(|v| v == "true" || v == "1");
    if offline {
        eprintln!("xtask: offline: `cargo package` (no `cargo publish --dry-run`)");
        package_offline()?;
    } else {
        publish_dry_run()?;
    }
    eprintln!("xtask: {} package and verify", PUBLISHED.join(" and "));
    Ok(())
}

/// `cargo metadata` as JSON, with `extra` arguments.
fn metadata(extra: &[&str]) -> anyhow::Result<Value> {
    let mut command = cargo();
    command.args(["metadata", "--format-version", "1", "--locked"]);
    command.args(extra);
    let output = command.output().context("running cargo metadata")?;
    ensure!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).context("reading cargo metadata")
}

/// The workspace package named `name` in `metadata`.
fn package<'a>(metadata: &'a Value, name: &str) -> anyhow::Result<&'a Value> {
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name && p["id"].as_str().is_some_and(|id| members.contains(id)))
        .with_context(|| format!("no workspace package {name}"))
}

/// Published manifests carry what crates.io and docs.rs show; nothing names the
/// placeholder; the client follows the model's version.
fn check_manifests(metadata: &Value) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        if package["repository"]
            .as_str()
            .is_some_and(|r| r.contains(PLACEHOLDER))
        {
            problems.push(format!(
                "{}: repository is still the placeholder {PLACEHOLDER}",
                package["name"]
            ));
        }
    }
    for name in PUBLISHED {
        let package = package(metadata, name)?;
        problems.extend(manifest_problems(package));
    }
    let model = package(metadata, "calldata-model")?;
    let client = package(metadata, "calldata-client")?;
    problems.extend(follows_model(
        client,
        model["version"].as_str().unwrap_or(""),
    ));
    if problems.is_empty() {
        eprintln!("xtask: manifests of {} are complete", PUBLISHED.join(", "));
        return Ok(());
    }
    bail!("published manifests:\n  {}", problems.join("\n  "))
}

/// What is missing from one published package's manifest (`cargo metadata` form).
fn manifest_problems(package: &Value) -> Vec<String> {
    let name = package["name"].as_str().unwrap_or("?");
    let mut problems = Vec::new();
    for field in [
        "description",
        "license",
        "repository",
        "documentation",
        "readme",
        "rust_version",
    ] {
        if package[field].as_str().is_none_or(str::is_empty) {
            problems.push(format!("{name}: no {field}"));
        }
    }
    for field in ["keywords", "categories"] {
        if package[field].as_array().is_none_or(Vec::is_empty) {
            problems.push(format!("{name}: no {field}"));
        }
    }
    // `publish = false` is an empty list of registries; `null` is "any registry".
    if package["publish"].as_array().is_some_and(Vec::is_empty) {
        problems.push(format!("{name}: publish = false"));
    }
    problems
}

/// The client's dependency on the model, which must be `^<model version>`: a client
/// released with a model needs that model's additions, not just its major version.
fn follows_model(client: &Value, model_version: &str) -> Option<String> {
    let requirement = client["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["name"] == "calldata-model" && d["kind"].is_null())
        .and_then(|d| d["req"].as_str());
    let wanted = format!("^{model_version}");
    match requirement {
        Some(req) if req == wanted => None,
        Some(req) => Some(format!(
            "calldata-client requires calldata-model {req}, not {wanted} (the workspace \
             dependency's `version` must follow the workspace version)"
        )),
        None => Some("calldata-client does not depend on calldata-model".to_owned()),
    }
}

/// The files `cargo package --list` would put in `package`'s crate hold the licences and
/// the README.
fn check_contents(package: &str) -> anyhow::Result<()> {
    let mut list = cargo();
    list.args([
        "package",
        "--list",
        "--locked",
        "--allow-dirty",
        "-p",
        package,
    ]);
    let files = stdout_of(list)?;
    let files: BTreeSet<&str> = files.lines().collect();
    let missing: Vec<&str> = REQUIRED_FILES
        .into_iter()
        .filter(|f| !files.contains(f))
        .collect();
    ensure!(
        missing.is_empty(),
        "the {package} package lacks {}",
        missing.join(", ")
    );
    eprintln!(
        "xtask: the {package} package holds {}",
        REQUIRED_FILES.join(", ")
    );
    Ok(())
}

/// The client's library, with default features and with none, pulls in no CLI crate.
fn check_library_only() -> anyhow::Result<()> {
    for features in [&[][..], &["--no-default-features"]] {
        let mut tree = cargo();
        tree.args([
            "tree",
            "--locked",
            "-p",
            "calldata-client",
            "-e",
            "normal",
            "--prefix",
            "none",
        ]);
        tree.args(features);
        let text = stdout_of(tree)?;
        let found = cli_crates_in(&text);
        ensure!(
            found.is_empty(),
            "`cargo tree -p calldata-client {}` holds CLI crates: {} (they belong behind the \
             `cli` feature)",
            features.join(" "),
            found.join(", ")
        );
    }
    eprintln!(
        "xtask: calldata-client's library pulls in none of {}",
        CLI_ONLY.join(", ")
    );
    Ok(())
}

/// The CLI-only crates named in a `cargo tree --prefix none` listing.
fn cli_crates_in(tree: &str) -> Vec<&'static str> {
    let names: BTreeSet<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    CLI_ONLY.into_iter().filter(|c| names.contains(c)).collect()
}

/// The declared MSRV, checked as far as one toolchain allows.
///
/// The toolchain running the suite must not be older than the MSRV (its build is then an
/// MSRV build when the two are equal, as on this machine). Every crate the published crates
/// compile with (normal and build dependencies, every platform, every feature) must declare
/// no newer `rust-version`: a dependency that needs a newer compiler makes the claim false
/// even when the suite's newer toolchain builds it. Clippy's `incompatible_msrv` lint
/// (on in `cargo clippy -D warnings`) catches our own use of newer std APIs.
fn check_msrv(workspace: &Value) -> anyhow::Result<()> {
    let mut msrv = None;
    for name in PUBLISHED {
        let declared = package(workspace, name)?["rust_version"]
            .as_str()
            .with_context(|| format!("{name} declares no rust-version"))?
            .to_owned();
        ensure!(
            msrv.get_or_insert_with(|| declared.clone()) == &declared,
            "the published crates declare different rust-versions"
        );
    }
    let msrv = msrv.context("no published crate")?;
    let wanted = version_of(&msrv).with_context(|| format!("rust-version {msrv:?}"))?;
    let toolchain = rustc_version()?;
    ensure!(
        toolchain >= wanted,
        "this toolchain ({}) is older than the declared MSRV {msrv}",
        dotted(toolchain)
    );
    let resolved = metadata(&["--all-features"])?;
    let too_new = newer_dependencies(&resolved, wanted)?;
    ensure!(
        too_new.is_empty(),
        "dependencies of the published crates need a newer Rust than their MSRV {msrv}:\n  {}",
        too_new.join("\n  ")
    );
    let how = if toolchain.0 == wanted.0 && toolchain.1 == wanted.1 {
        "every build of the suite is an MSRV build"
    } else {
        "the suite builds with a newer toolchain; install the MSRV toolchain to build with it"
    };
    eprintln!(
        "xtask: MSRV {msrv}: no dependency declares a newer one; rustc {}: {how}",
        dotted(toolchain)
    );
    Ok(())
}

/// `major.minor.patch` of the `rustc` cargo uses.
fn rustc_version() -> anyhow::Result<(u64, u64, u64)> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let mut command = Command::new(rustc);
    command.arg("--version");
    let text = stdout_of(command)?;
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    text.split_whitespace()
        .nth(1)
        .and_then(version_of)
        .with_context(|| format!("cannot read the rustc version from {text:?}"))
}

/// `"1.95"`, `"1.95.0"` or `"1.97.0-nightly"` as a comparable triple.
fn version_of(text: &str) -> Option<(u64, u64, u64)> {
    let core = text.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(str::parse::<u64>);
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    Some((major, minor, patch))
}

fn dotted((major, minor, patch): (u64, u64, u64)) -> String {
    format!("{major}.{minor}.{patch}")
}

/// The crates the published crates compile with, by normal and build edges of the
/// resolved graph, whose `rust-version` is newer than `msrv`, as `name version (needs X)`.
fn newer_dependencies(resolved: &Value, msrv: (u64, u64, u64)) -> anyhow::Result<Vec<String>> {
    let packages: BTreeMap<&str, &Value> = resolved["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let nodes: BTreeMap<&str, &Value> = resolved["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let mut queue = VecDeque::new();
    for name in PUBLISHED {
        queue.push_back(
            package(resolved, name)?["id"]
                .as_str()
                .context("a package without an id")?,
        );
    }
    let mut seen = BTreeSet::new();
    let mut too_new = Vec::new();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id) {
            continue;
        }
        if let Some(package) = packages.get(id)
            && let Some(declared) = package["rust_version"].as_str()
            && version_of(declared).is_some_and(|v| v > msrv)
        {
            too_new.push(format!(
                "{} {} (needs {declared})",
                package["name"].as_str().unwrap_or("?"),
                package["version"].as_str().unwrap_or("?")
            ));
        }
        let deps = nodes.get(id).and_then(|n| n["deps"].as_array());
        for dep in deps.into_iter().flatten() {
            // Dev-dependencies build tests, not the crate a user compiles.
            let compiled = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if compiled && let Some(next) = dep["pkg"].as_str() {
                queue.push_back(next);
            }
        }
    }
    Ok(too_new)
}

/// `cargo publish --dry-run` of both crates: the whole path to crates.io short of the
/// upload. A version already on crates.io cannot be dry-run again; `cargo package` then
/// checks the packages instead.
fn publish_dry_run() -> anyhow::Result<()> {
    forget_verified_packages()?;
    let mut publish = cargo();
    publish.args(["publish", "--dry-run", "--locked", "--allow-dirty"]);
    publish.env("CARGO_TARGET_DIR", workspace_root().join(VERIFY_TARGET));
    for package in PUBLISHED {
        publish.args(["-p", package]);
    }
    eprintln!("xtask: running {publish:?}");
    let output = publish
        .output()
        .with_context(|| format!("could not start {publish:?}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    eprint!("{log}");
    if output.status.success() {
        return Ok(());
    }
    if log.contains("already exists") {
        eprintln!(
            "xtask: this version is already on crates.io (set the next version before \
             publishing); checking the packages with `cargo package`"
        );
        return package_offline();
    }
    bail!("{publish:?} failed with {}", output.status)
}

/// Where the packages are verified: a target directory of their own, so that the
/// workspace's builds and the packages' builds never share artifacts.
const VERIFY_TARGET: &str = "target/package-verify";

/// Makes the next verification build our packages from their sources as they are now.
///
/// Cargo verifies the client against the model's package through a local registry, and
/// takes a registry package of an unchanged version for unchanged: both the sources it
/// extracts into `$CARGO_HOME/registry/src/-<hash of the registry's path>/` and what it
/// compiled from them are reused by a later run, which would then build against the model
/// as it was. Both go first; crates.io's sources (`index.crates.io-*`) and the packages'
/// other dependencies are kept.
fn forget_verified_packages() -> anyhow::Result<()> {
    let ours = |name: &str| {
        let name = name.replace('_', "-");
        let name = name.trim_start_matches("lib");
        PUBLISHED
            .iter()
            .any(|package| name.starts_with(&format!("{package}-")))
    };
    let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(
        || std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".cargo")),
        |home| Some(std::path::PathBuf::from(home)),
    );
    let mut places = Vec::new();
    if let Some(Ok(registries)) =
        cargo_home.map(|home| std::fs::read_dir(home.join("registry/src")))
    {
        places.extend(
            registries
                .filter_map(Result::ok)
                .filter(|registry| registry.file_name().to_string_lossy().starts_with('-'))
                .map(|registry| registry.path()),
        );
    }
    let built = workspace_root().join(VERIFY_TARGET).join("debug");
    places.extend([
        built.join(".fingerprint"),
        built.join("deps"),
        built.join("build"),
    ]);
    for place in places {
        let Ok(entries) = std::fs::read_dir(&place) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            if !ours(&entry.file_name().to_string_lossy()) {
                continue;
            }
            let path = entry.path();
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

/// `cargo package` of both crates in one call (the client verified against the model's
/// package), without the network.
fn package_offline() -> anyhow::Result<()> {
    forget_verified_packages()?;
    let mut package = cargo();
    package.args(["package", "--locked", "--allow-dirty", "--offline"]);
    package.env("CARGO_TARGET_DIR", workspace_root().join(VERIFY_TARGET));
    for name in PUBLISHED {
        package.args(["-p", name]);
    }
    run_checked(package)
}

/// The standard output of `command`, which must succeed.
fn stdout_of(mut command: Command) -> anyhow::Result<String> {
    let output = command
        .output()
        .with_context(|| format!("could not start {command:?}"))?;
    ensure!(
        output.status.success(),
        "{command:?} failed with {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_compare_as_numbers() {
        assert_eq!(version_of("1.95"), Some((1, 95, 0)));
        assert_eq!(version_of("1.97.0-nightly"), Some((1, 97, 0)));
        assert!(version_of("1.100").unwrap() > version_of("1.95.3").unwrap());
        assert_eq!(version_of("one"), None);
    }

    #[test]
    fn a_missing_field_or_an_unpublishable_manifest_is_a_problem() {
        let complete = json!({
            "name": "calldata-model", "description": "d", "license": "MIT OR Apache-2.0",
            "repository": "https://r", "documentation": "https://d", "readme": "README.md",
            "rust_version": "1.95", "keywords": ["k"], "categories": ["c"], "publish": null,
        });
        assert!(manifest_problems(&complete).is_empty());
        let mut lacking = complete.clone();
        lacking["documentation"] = Value::Null;
        lacking["keywords"] = json!([]);
        lacking["publish"] = json!([]);
        assert_eq!(
            manifest_problems(&lacking),
            [
                "calldata-model: no documentation",
                "calldata-model: no keywords",
                "calldata-model: publish = false"
            ]
        );
    }

    #[test]
    fn the_client_must_require_the_model_of_its_version() {
        let client = |req: &str| {
            json!({"dependencies": [
                {"name": "calldata-model", "kind": null, "req": req},
                {"name": "calldata-model", "kind": "dev", "req": "*"},
            ]})
        };
        assert_eq!(follows_model(&client("^0.2.0"), "0.2.0"), None);
        assert!(follows_model(&client("^0.1.0"), "0.2.0").is_some());
        assert!(follows_model(&client("*"), "0.2.0").is_some());
    }

    #[test]
    fn cli_crates_are_found_by_name_not_by_prefix() {
        let tree = "calldata-client v0.1.0 (/w)\nclap v4.5.0\nclap_lex v0.7.0\n";
        assert_eq!(cli_crates_in(tree), ["clap"]);
        assert!(cli_crates_in("calldata-client v0.1.0\nclap_builder v4.5.0\n").is_empty());
    }

    #[test]
    fn a_dependency_needing_a_newer_rust_is_found_through_normal_and_build_edges_only() {
        let resolved = json!({
            "workspace_members": ["model", "client"],
            "packages": [
                {"id": "model", "name": "calldata-model", "version": "0.1.0", "rust_version": "1.95"},
                {"id": "client", "name": "calldata-client", "version": "0.1.0", "rust_version": "1.95"},
                {"id": "new", "name": "shiny", "version": "2.0.0", "rust_version": "1.99"},
                {"id": "gen", "name": "codegen", "version": "1.0.0", "rust_version": "1.98"},
                {"id": "test", "name": "testonly", "version": "1.0.0", "rust_version": "1.99"},
            ],
            "resolve": {"nodes": [
                {"id": "model", "deps": [
                    {"pkg": "gen", "dep_kinds": [{"kind": "build"}]},
                    {"pkg": "test", "dep_kinds": [{"kind": "dev"}]},
                ]},
                {"id": "client", "deps": [
                    {"pkg": "model", "dep_kinds": [{"kind": null}]},
                    {"pkg": "new", "dep_kinds": [{"kind": null}]},
                ]},
            ]},
        });
        let found = newer_dependencies(&resolved, (1, 95, 0)).unwrap();
        assert_eq!(
            found,
            ["codegen 1.0.0 (needs 1.98)", "shiny 2.0.0 (needs 1.99)"]
        );
        assert!(
            newer_dependencies(&resolved, (1, 99, 0))
                .unwrap()
                .is_empty()
        );
    }
}
