//! `cargo xtask openapi`: writes the server's OpenAPI document to `docs/openapi.json`
//! (or, with `--check`, fails when the file is out of date).

use anyhow::{Context, bail};

use crate::command::workspace_root;

/// Options of `cargo xtask openapi`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Only check that docs/openapi.json matches the code.
    #[arg(long)]
    check: bool,
}

/// Writes or checks `docs/openapi.json`.
pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let path = workspace_root().join("docs/openapi.json");
    let document = calldata_server::routes::openapi::document_json() + "\n";
    if args.check {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != document {
            bail!(
                "{} is out of date; run `cargo xtask openapi`",
                path.display()
            );
        }
        eprintln!("xtask: {} is up to date", path.display());
        return Ok(());
    }
    std::fs::write(&path, document).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}
