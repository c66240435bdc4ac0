//! What the wallboard's screen shows between two refreshes: where it reads from, the last
//! board read and when, the last refresh's failure (the board before it stays), and how far
//! the agents are scrolled; and the clock that stamps each refresh.

use std::time::Duration;

use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use super::board::Board;
use super::fetch::Watched;

/// The screen's state.
#[derive(Debug, Clone)]
pub(crate) struct View {
    /// The server's base URL.
    pub(crate) endpoint: String,
    /// `ccId <c> · vdn <v>`.
    pub(crate) vdn_label: String,
    /// Whether the agents were named with `--agents` (rather than listed by the sandbox).
    pub(crate) named_agents: bool,
    /// Time between refreshes.
    pub(crate) every: Duration,
    /// The last board read; `None` before the first refresh answers.
    pub(crate) board: Option<Board>,
    /// When it was read, as the clock writes it.
    pub(crate) refreshed_at: Option<String>,
    /// The last refresh's failure, when it failed: when, and why.
    pub(crate) failure: Option<(String, String)>,
    /// How many agent rows are scrolled past.
    pub(crate) scroll: usize,
}

impl View {
    /// The view of `watched` at `endpoint`, before any refresh.
    pub(crate) fn new(endpoint: String, watched: &Watched, every: Duration) -> Self {
        Self {
            endpoint,
            vdn_label: format!("ccId {} · vdn {}", watched.cc_id, watched.vdn),
            named_agents: watched.agents.is_some(),
            every,
            board: None,
            refreshed_at: None,
            failure: None,
            scroll: 0,
        }
    }

    /// A refresh read `board` at `at`.
    pub(crate) fn refreshed(&mut self, board: Board, at: String) {
        self.board = Some(board);
        self.refreshed_at = Some(at);
        self.failure = None;
    }

    /// A refresh failed at `at` for `reason`; the last board stays on screen.
    pub(crate) fn failed(&mut self, reason: String, at: String) {
        self.failure = Some((at, reason));
    }

    /// Scrolls the agents by `rows` (negative: up), within the rows there are.
    pub(crate) fn scroll_by(&mut self, rows: isize) {
        let count = self
            .board
            .as_ref()
            .and_then(|board| board.agents.as_ref())
            .map_or(0, Vec::len);
        self.scroll = self
            .scroll
            .saturating_add_signed(rows)
            .min(count.saturating_sub(1));
    }
}

/// The local time of day a refresh is stamped with (`14:03:27`), in the zone found at
/// start: `time` finds the local offset only while the process has one thread, and the
/// client's resolver and crossterm's reader start others.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    offset: UtcOffset,
    /// Whether the offset is UTC for want of a known zone (then the time says so).
    unknown_zone: bool,
}

impl Clock {
    /// The clock of the local zone, or of UTC when the zone is unknown.
    pub(crate) fn local() -> Self {
        match UtcOffset::current_local_offset() {
            Ok(offset) => Self {
                offset,
                unknown_zone: false,
            },
            Err(_) => Self {
                offset: UtcOffset::UTC,
                unknown_zone: true,
            },
        }
    }

    /// The time now.
    pub(crate) fn now(self) -> String {
        let now = OffsetDateTime::now_utc().to_offset(self.offset);
        let text = now
            .format(format_description!("[hour]:[minute]:[second]"))
            .unwrap_or_default();
        if self.unknown_zone {
            format!("{text} UTC")
        } else {
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use calldata_model::{CcId, Vdn};

    use super::*;
    use crate::watch::agents::{AgentRow, AgentState};

    fn view_with_agents(count: usize) -> View {
        let watched = Watched {
            cc_id: CcId::new(1).unwrap(),
            vdn: Vdn::new(2).unwrap(),
            agents: None,
        };
        let mut view = View::new("https://h".into(), &watched, Duration::from_secs(1));
        let row = AgentRow {
            agent_id: Some(101),
            state: AgentState::Idle,
            first_call: None,
            calls: 0,
            talk_time: None,
            private_queue: 0,
        };
        let board = Board {
            agents: Some(vec![row; count]),
            calls_by_state: Vec::new(),
            queues: None,
        };
        view.refreshed(board, "10:00:00".into());
        view
    }

    #[test]
    fn a_failure_keeps_the_last_board_until_a_refresh_succeeds() {
        let mut view = view_with_agents(1);
        assert_eq!(view.vdn_label, "ccId 1 · vdn 2");
        view.failed("no answer".into(), "10:00:01".into());
        assert!(view.board.is_some());
        assert_eq!(view.refreshed_at.as_deref(), Some("10:00:00"));
        view.refreshed(view.board.clone().unwrap(), "10:00:02".into());
        assert_eq!(view.failure, None);
    }

    #[test]
    fn scrolling_stays_within_the_agents() {
        let mut view = view_with_agents(5);
        view.scroll_by(3);
        assert_eq!(view.scroll, 3);
        view.scroll_by(isize::MAX);
        assert_eq!(view.scroll, 4);
        view.scroll_by(-10);
        assert_eq!(view.scroll, 0);
    }

    #[test]
    fn the_clock_writes_a_time_of_day() {
        let now = Clock::local().now();
        assert_eq!(now.as_bytes()[2], b':', "{now}");
    }
}
