//! `calldata watch`: a wallboard of one VDN in the terminal, refreshed every second: its
//! agents with their calls and each call's state, and its queues. `--once` prints one
//! frame as plain text instead, for scripts and for tests without a terminal.
//!
//! `fetch.rs` reads a snapshot, `agents.rs` and `queues.rs` make its rows, `board.rs` puts
//! them together, `view.rs` is what the screen shows, `render.rs` draws it, `screen.rs`
//! holds the terminal and `live.rs` runs the refreshes and the keys.

mod agents;
mod board;
mod fetch;
mod live;
mod queues;
mod render;
mod screen;
mod view;

use std::io::IsTerminal;
use std::time::Duration;

use calldata_model::{CcId, Vdn};
use clap::Args;

use crate::exit::Failure;
use crate::group_calls::{self, AgentList};
use crate::run;
use crate::settings::ConnectionArgs;

use self::board::Board;
use self::fetch::{Watched, fetch};
use self::view::{Clock, View};

/// Columns of the `--once` frame when stdout is no terminal (whose width it takes otherwise).
const ONCE_WIDTH: u16 = 120;

/// Arguments of `calldata watch`.
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// Call center ID (1-65535)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    cc_id: i64,
    /// VDN ID (1-5000)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    vdn: i64,
    /// The agents to show, comma-separated, ranges allowed: 1001-1040,1099 (1 to 3000)
    /// [default: the agents the server's sandbox lists as signed in]
    #[arg(long, value_parser = group_calls::agent_list)]
    agents: Option<AgentList>,
    /// Time between refreshes, in milliseconds (100 to 3600000)
    #[arg(
        long,
        default_value_t = 1000,
        value_name = "MS",
        value_parser = clap::value_parser!(u64).range(100..=3_600_000)
    )]
    interval_ms: u64,
    /// Print one frame as plain text and exit (no terminal needed)
    #[arg(long)]
    once: bool,
}

impl WatchArgs {
    /// The VDN and agents the arguments name; nothing is sent when they are invalid.
    fn watched(&self) -> Result<Watched, Failure> {
        if let Some(agents) = &self.agents {
            let key = group_calls::group_key(self.cc_id, self.vdn, agents)?;
            return Ok(Watched {
                cc_id: key.cc_id,
                vdn: key.vdn,
                agents: Some(key.agent_ids),
            });
        }
        match (CcId::new(self.cc_id), Vdn::new(self.vdn)) {
            (Ok(cc_id), Ok(vdn)) => Ok(Watched {
                cc_id,
                vdn,
                agents: None,
            }),
            (Err(e), _) => Err(invalid(&format!("ccId {e}"))),
            (_, Err(e)) => Err(invalid(&format!("vdn {e}"))),
        }
    }
}

fn invalid(problem: &str) -> Failure {
    Failure::input(format!(
        "invalid input, nothing was sent: {problem}; fix --cc-id (1-65535) or --vdn (1-5000)"
    ))
}

/// Runs the wallboard, or with `--once` prints one frame.
pub(crate) async fn run(args: &WatchArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let watched = args.watched()?;
    // Before the client starts any thread: see `Clock`.
    let clock = Clock::local();
    let stdout_is_terminal = std::io::stdout().is_terminal();
    if !args.once && !stdout_is_terminal {
        return Err(Failure::input(
            "calldata watch draws on a terminal and stdout is none; pass --once to print one frame as plain text",
        ));
    }
    let settings = connection.resolve()?;
    let client = settings.client()?;
    let mut view = View::new(
        settings.url.value.clone(),
        &watched,
        Duration::from_millis(args.interval_ms),
    );
    if !args.once {
        return live::run(&client, &settings, &watched, view, clock).await;
    }
    let snapshot = fetch(&client, &watched)
        .await
        .map_err(|error| Failure::from_client(&error, &settings))?;
    view.refreshed(Board::of(&snapshot), clock.now());
    let width = if stdout_is_terminal {
        crossterm::terminal::size().map_or(ONCE_WIDTH, |(columns, _)| columns)
    } else {
        ONCE_WIDTH
    };
    run::write_stdout(render::text(&view, width).as_bytes())
}
