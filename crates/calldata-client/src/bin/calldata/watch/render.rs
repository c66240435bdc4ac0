//! The wallboard drawn with ratatui: a header (endpoint, VDN, time of the last refresh,
//! counts), the agents table, the queues table and, live, a status line. `--once` draws the
//! same frame on ratatui's `TestBackend`, tall enough for every row, and prints its text.

use calldata_client::SANDBOX_LIST_LIMIT;
use ratatui::Frame;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, Wrap};

use super::agents::AgentRow;
use super::board::Board;
use super::queues::Queues;
use super::view::View;
use crate::table::duration;

/// Lines of the header.
const HEADER_LINES: u16 = 4;

/// Lines a bordered table takes besides its rows: two borders and the header row.
const TABLE_FRAME: u16 = 3;

/// The widths of the agents table's columns: agent, state, call, talk time, private queue.
const AGENT_WIDTHS: [Constraint; 5] = [
    Constraint::Length(8),
    Constraint::Length(12),
    Constraint::Length(26),
    Constraint::Length(11),
    Constraint::Length(13),
];

/// The widths of the queues table's columns: queue, skill, waiting, longest wait.
const QUEUE_WIDTHS: [Constraint; 4] = [
    Constraint::Length(8),
    Constraint::Length(24),
    Constraint::Length(8),
    Constraint::Length(12),
];

/// Whether the frame is on a live terminal (scrolled, with a status line) or printed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The live wallboard.
    Live,
    /// `--once`: every row, no status line.
    Once,
}

/// Draws `view` on `frame`.
pub(crate) fn draw(frame: &mut Frame<'_>, view: &View, mode: Mode) {
    let area = frame.area();
    let status_lines = match mode {
        Mode::Once => 0,
        Mode::Live if view.failure.is_some() => 3,
        Mode::Live => 1,
    };
    let queue_lines = match mode {
        Mode::Once => queues_height(view),
        // Live, the queues take at most a third of the screen; the agents get the rest.
        Mode::Live => queues_height(view).min((area.height / 3).max(TABLE_FRAME)),
    };
    let [header, agents, queues, status] = Layout::vertical([
        Constraint::Length(HEADER_LINES),
        Constraint::Min(TABLE_FRAME),
        Constraint::Length(queue_lines),
        Constraint::Length(status_lines),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header_lines(view)), header);
    draw_agents(frame, agents, view, mode);
    draw_queues(frame, queues, view);
    if mode == Mode::Live {
        frame.render_widget(status_line(view), status);
    }
}

/// `view` as plain text, `width` columns wide and as tall as its rows: the `--once` output.
pub(crate) fn text(view: &View, width: u16) -> String {
    let height = HEADER_LINES
        .saturating_add(agents_height(view))
        .saturating_add(queues_height(view));
    // The test backend cannot fail: its error type has no value.
    let Ok(mut terminal) = Terminal::new(TestBackend::new(width, height));
    let Ok(_) = terminal.draw(|frame| draw(frame, view, Mode::Once));
    buffer_text(terminal.backend().buffer())
}

/// A buffer's text, a line per row without trailing blanks; a cell hidden by a wide symbol
/// before it is left out, as a terminal shows it.
fn buffer_text(buffer: &Buffer) -> String {
    let mut text = String::new();
    for row in buffer.content.chunks(usize::from(buffer.area.width.max(1))) {
        let mut line = String::new();
        let mut hidden: u16 = 0;
        for cell in row {
            if hidden == 0 {
                line.push_str(cell.symbol());
            }
            hidden = hidden.max(cell.cell_width()).saturating_sub(1);
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// The header: where, when, and the counts.
fn header_lines(view: &View) -> Vec<Line<'static>> {
    let refreshed = view
        .refreshed_at
        .as_ref()
        .map_or_else(|| "not yet".to_owned(), Clone::clone);
    let first = Line::from(vec![
        Span::from("calldata watch").bold(),
        Span::from(format!(
            " · {} · {} · refreshed {refreshed}",
            view.endpoint, view.vdn_label
        )),
    ]);
    let Some(board) = &view.board else {
        return vec![first, Line::from("reading the first refresh ...")];
    };
    let Some(rows) = &board.agents else {
        return vec![
            first,
            Line::from("agents: not available from this endpoint"),
            Line::from(""),
            Line::from(queued_line(board)),
        ];
    };
    let agents = if view.named_agents {
        format!("agents watched: {}", rows.len())
    } else {
        format!("agents signed in: {}", rows.len())
    };
    let states: Vec<String> = board
        .calls_by_state
        .iter()
        .map(|(state, count)| format!("{count} {state}"))
        .collect();
    let by_state = if states.is_empty() {
        "by state: -".to_owned()
    } else {
        format!("by state: {}", states.join(", "))
    };
    vec![
        first,
        Line::from(format!(
            "{agents} · calls at agents: {}",
            board.calls_at_agents()
        )),
        // A line of its own: eight states' counts do not fit beside the others.
        Line::from(format!("  {by_state}")),
        Line::from(queued_line(board)),
    ]
}

/// The header's line of queued calls, with the counts the endpoint gives: the skill
/// queues and IVR flows from the calls list, the private queues from the agents' calls.
fn queued_line(board: &Board) -> String {
    let mut parts = Vec::new();
    if let Some(queues) = &board.queues {
        parts.push(format!("{} in skill queues", queues.waiting()));
    }
    if board.agents.is_some() {
        parts.push(format!("{} in private queues", board.privately_queued()));
    }
    if let Some(queues) = &board.queues {
        parts.push(format!("{} in IVR flows", queues.ivr.calls));
    } else {
        parts.push("skill queues not available from this endpoint".to_owned());
    }
    format!("queued: {}", parts.join(" · "))
}

/// What the agents block says when the endpoint cannot list agents.
const NO_AGENTS: [&str; 2] = [
    "agents: not available from this endpoint (it has no sandbox to list them);",
    "name them with --agents, e.g. --agents 1001-1040,1099",
];

/// Lines the agents block needs for every row (or for its message).
fn agents_height(view: &View) -> u16 {
    let lines = match view.board.as_ref().and_then(|board| board.agents.as_ref()) {
        // The frame holds a header row the message has no need of.
        None => NO_AGENTS.len() - 1,
        Some(rows) => rows.len(),
    };
    u16::try_from(lines)
        .unwrap_or(u16::MAX)
        .saturating_add(TABLE_FRAME)
}

/// Lines the queues block needs: a row per skill queue, the IVR row, the frame.
fn queues_height(view: &View) -> u16 {
    match view.board.as_ref().and_then(|board| board.queues.as_ref()) {
        Some(queues) => u16::try_from(queues.skills.len())
            .unwrap_or(u16::MAX)
            .saturating_add(1 + TABLE_FRAME),
        None => TABLE_FRAME,
    }
}

fn draw_agents(frame: &mut Frame<'_>, area: Rect, view: &View, mode: Mode) {
    let Some(rows) = view.board.as_ref().and_then(|board| board.agents.as_ref()) else {
        // Before the first refresh the block stays empty: nothing is known yet.
        let message: Vec<Line<'static>> = match view.board {
            Some(_) => NO_AGENTS.into_iter().map(Line::from).collect(),
            None => Vec::new(),
        };
        let block = Block::bordered().title(" agents ");
        frame.render_widget(Paragraph::new(message).block(block), area);
        return;
    };
    let visible = usize::from(area.height.saturating_sub(TABLE_FRAME));
    let first = match mode {
        Mode::Once => 0,
        Mode::Live => view.scroll.min(rows.len().saturating_sub(visible)),
    };
    let shown: Vec<&AgentRow> = rows.iter().skip(first).take(visible).collect();
    let title = if shown.len() == rows.len() {
        format!(" agents ({}) ", rows.len())
    } else {
        format!(
            " agents {}-{} of {} · ↑/↓ PgUp/PgDn scroll ",
            first + 1,
            first + shown.len(),
            rows.len()
        )
    };
    let table = Table::new(shown.into_iter().map(agent_row), AGENT_WIDTHS)
        .header(
            Row::new(["agent", "state", "call", "talk time", "private queue"])
                .style(Style::new().bold()),
        )
        .block(Block::bordered().title(title));
    frame.render_widget(table, area);
}

fn agent_row(agent: &AgentRow) -> Row<'static> {
    let call = match (&agent.first_call, agent.calls) {
        (Some(call), 0 | 1) => call.clone(),
        (Some(call), calls) => format!("{call} (+{})", calls - 1),
        (None, _) => "-".to_owned(),
    };
    Row::new([
        agent
            .agent_id
            .map_or_else(|| "-".to_owned(), |id| id.to_string()),
        agent.state.to_string(),
        call,
        agent.talk_time.map_or_else(|| "-".to_owned(), duration),
        agent.private_queue.to_string(),
    ])
}

fn draw_queues(frame: &mut Frame<'_>, area: Rect, view: &View) {
    let Some(board) = &view.board else {
        frame.render_widget(Block::bordered().title(" queues "), area);
        return;
    };
    let Some(queues) = &board.queues else {
        frame.render_widget(
            Paragraph::new("queues: not available from this endpoint")
                .block(Block::bordered().title(" queues ")),
            area,
        );
        return;
    };
    let rows = queue_rows(queues);
    let visible = usize::from(area.height.saturating_sub(TABLE_FRAME));
    let shown = if rows.len() > visible {
        format!(" ({visible} of {} shown)", rows.len())
    } else {
        String::new()
    };
    let listed = if queues.truncated {
        format!(" (of the first {SANDBOX_LIST_LIMIT} calls listed)")
    } else {
        String::new()
    };
    let title = format!(" queues{shown}{listed} ");
    let table = Table::new(rows, QUEUE_WIDTHS)
        .header(Row::new(["queue", "skill", "waiting", "longest wait"]).style(Style::new().bold()))
        .block(Block::bordered().title(title));
    frame.render_widget(table, area);
}

/// The IVR line, then a line per skill queue: the IVR line first, so that a screen too
/// short for every queue still shows it.
fn queue_rows(queues: &Queues) -> Vec<Row<'static>> {
    let wait = |seconds: Option<i64>| seconds.map_or_else(|| "-".to_owned(), duration);
    let ivr = &queues.ivr;
    let ivr = Row::new([
        "IVR".to_owned(),
        format!("{} flows", ivr.flows),
        ivr.calls.to_string(),
        wait(ivr.longest_wait),
    ]);
    let skills = queues.skills.iter().map(|queue| {
        Row::new([
            queue
                .device_no
                .map_or_else(|| "-".to_owned(), |no| no.to_string()),
            queue.skill.clone(),
            queue.waiting.to_string(),
            wait(queue.longest_wait),
        ])
    });
    std::iter::once(ivr).chain(skills).collect()
}

fn status_line(view: &View) -> Paragraph<'static> {
    let every = view.every.as_millis();
    match (&view.failure, &view.refreshed_at) {
        (Some((at, reason)), _) => Paragraph::new(format!(
            "refresh failed at {at}: {reason} · retrying every {every} ms · q quits"
        ))
        .wrap(Wrap { trim: true })
        .red(),
        (None, Some(at)) => Paragraph::new(format!(
            "refreshed at {at} · every {every} ms · ↑/↓ PgUp/PgDn scroll · q or Ctrl-C quits"
        )),
        (None, None) => Paragraph::new(format!("reading {} ...", view.endpoint)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use calldata_client::{AgentCalls, SandboxCall};
    use calldata_model::{CcId, Vdn};

    use super::*;
    use crate::watch::fetch::{Snapshot, Watched};

    /// A snapshot as the server answers it: two agents, one idle, and the VDN's calls.
    fn snapshot() -> Snapshot {
        let agents: Vec<AgentCalls> = serde_json::from_str(
            r#"[
                {"agentId":1001,"callList":[
                    {"callId":"1764546000123-0","callStatus":5,"callInOut":0,"mediaType":5},
                    {"callId":"1764546000123-1","callStatus":3,"callInOut":0,"mediaType":5}]},
                {"agentId":"1002","callList":[
                    {"callId":"1764546000456-2","callStatus":"4","mediaType":5},
                    {"callId":"1764546000456-3","callStatus":6,"mediaType":5}]},
                {"agentId":101,"callList":[]}
            ]"#,
        )
        .unwrap();
        let calls: Vec<SandboxCall> = serde_json::from_str(
            r#"[
                {"ccId":1,"vdn":1,"callId":"1764546000123-0","deviceType":2,"deviceNo":1001,
                 "totalTalkingTimes":137,"callStatus":5},
                {"ccId":1,"vdn":1,"callId":"1764546000789-4","deviceType":1,"deviceNo":7,
                 "callSkill":"defaultAudioSkill","waitTime":95,"callStatus":2},
                {"ccId":1,"vdn":1,"callId":"1764546000789-5","deviceType":1,"deviceNo":7,
                 "callSkill":"defaultAudioSkill","waitTime":"12","callStatus":2},
                {"ccId":1,"vdn":1,"callId":"1764546000789-7","deviceType":1,"deviceNo":9,
                 "callSkill":"vipVoice","waitTime":3,"callStatus":2},
                {"ccId":1,"vdn":1,"callId":"1764546000789-6","deviceType":3,"deviceNo":2,
                 "waitTime":40,"callStatus":1}
            ]"#,
        )
        .unwrap();
        Snapshot {
            agents: Some(agents),
            calls: Some(calls),
        }
    }

    fn view_of(snapshot: &Snapshot) -> View {
        let watched = Watched {
            cc_id: CcId::new(1).unwrap(),
            vdn: Vdn::new(1).unwrap(),
            agents: None,
        };
        let mut view = View::new(
            "https://127.0.0.1:8443".into(),
            &watched,
            Duration::from_secs(1),
        );
        view.refreshed(Board::of(snapshot), "14:03:27".into());
        view
    }

    #[test]
    fn once_prints_the_whole_frame_of_a_fixed_snapshot() {
        let text = text(&view_of(&snapshot()), 100);
        let expected = "\
calldata watch · https://127.0.0.1:8443 · ccId 1 · vdn 1 · refreshed 14:03:27
agents signed in: 3 · calls at agents: 3
  by state: 1 alerting, 1 talking, 1 held
queued: 3 in skill queues · 1 in private queues · 1 in IVR flows
┌ agents (3) ──────────────────────────────────────────────────────────────────────────────────────┐
│agent    state        call                       talk time   private queue                        │
│1001     talking      1764546000123-0            2m 17s      1                                    │
│1002     alerting     1764546000456-2 (+1)       -           0                                    │
│101      idle         -                          -           0                                    │
└──────────────────────────────────────────────────────────────────────────────────────────────────┘
┌ queues ──────────────────────────────────────────────────────────────────────────────────────────┐
│queue    skill                    waiting  longest wait                                           │
│IVR      1 flows                  1        40s                                                    │
│7        defaultAudioSkill        2        1m 35s                                                 │
│9        vipVoice                 1        3s                                                     │
└──────────────────────────────────────────────────────────────────────────────────────────────────┘
";
        assert_eq!(text, expected, "got:\n{text}");
    }

    #[test]
    fn an_endpoint_without_a_sandbox_says_so_and_keeps_the_agents() {
        let mut snapshot = snapshot();
        snapshot.calls = None;
        let frame = text(&view_of(&snapshot), 100);
        assert!(
            frame.contains("queues: not available from this endpoint"),
            "{frame}"
        );
        assert!(frame.contains("1764546000123-0"), "{frame}");
        // Without the calls, no talk time is known.
        assert!(!frame.contains("2m 17s"), "{frame}");
        snapshot.agents = None;
        let frame = text(&view_of(&snapshot), 100);
        let expected = "\
calldata watch · https://127.0.0.1:8443 · ccId 1 · vdn 1 · refreshed 14:03:27
agents: not available from this endpoint

queued: skill queues not available from this endpoint
┌ agents ──────────────────────────────────────────────────────────────────────────────────────────┐
│agents: not available from this endpoint (it has no sandbox to list them);                        │
│name them with --agents, e.g. --agents 1001-1040,1099                                             │
└──────────────────────────────────────────────────────────────────────────────────────────────────┘
┌ queues ──────────────────────────────────────────────────────────────────────────────────────────┐
│queues: not available from this endpoint                                                          │
└──────────────────────────────────────────────────────────────────────────────────────────────────┘
";
        assert_eq!(frame, expected, "got:\n{frame}");
    }

    #[test]
    fn live_the_agents_scroll_and_a_failure_shows_in_the_status_line() {
        let mut view = view_of(&snapshot());
        view.failed("no answer from the server".into(), "14:03:28".into());
        view.scroll_by(1);
        let mut terminal = Terminal::new(TestBackend::new(100, 16)).unwrap();
        terminal
            .draw(|frame| draw(frame, &view, Mode::Live))
            .unwrap();
        let screen = buffer_text(terminal.backend().buffer());
        assert!(
            screen.contains("refresh failed at 14:03:28: no answer from the server"),
            "{screen}"
        );
        // The last board stays, with the time it was read.
        assert!(screen.contains("refreshed 14:03:27"), "{screen}");
        // Too short for three agents: scrolled one down, the first is out of sight.
        assert!(screen.contains(" agents 2-"), "{screen}");
        assert!(!screen.contains("1764546000123-0"), "{screen}");
        // The queues get a third of the screen: the IVR line first, then what fits.
        assert!(screen.contains(" queues (2 of 3 shown) "), "{screen}");
        assert!(screen.contains("IVR      1 flows"), "{screen}");
        assert!(!screen.contains("vipVoice"), "{screen}");
    }
}
