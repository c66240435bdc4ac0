//! The `calldata-server` binary: load settings, install the logger, serve.

use std::process::ExitCode;

use calldata_server::cli::Cli;
use calldata_server::{Application, Settings, banner, telemetry};
use clap::Parser;

/// mimalloc: each query's few short-lived buffers cost less than with glibc's malloc (5-10%
/// more queries per second in `cargo xtask bench`; a bare actix-web app gains nothing from
/// it). Built without transparent huge pages, which would double the idle RSS.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref(), cli.overrides()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("calldata-server: {error}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = telemetry::init(&settings.log) {
        eprintln!("calldata-server: {error}");
        return ExitCode::from(2);
    }
    let result = actix_web::rt::System::new().block_on(async {
        let app = Application::build(&settings)?;
        #[allow(clippy::print_stdout)] // the banner is the binary's output
        {
            let example = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                banner::Example::SignedCurl
            } else {
                banner::Example::CommandOnly
            };
            print!("{}", banner::render(app.info(), example));
        }
        app.run_until_stopped().await.map_err(anyhow::Error::from)?;
        Ok::<(), anyhow::Error>(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("calldata-server: {error}");
            ExitCode::FAILURE
        }
    }
}
