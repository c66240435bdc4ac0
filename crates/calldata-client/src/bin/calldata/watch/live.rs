//! The live wallboard: a refresh each tick (never two at once), the keys (q and Ctrl-C
//! quit, the arrows and pages scroll), a stop signal, and a redraw after each. A refresh
//! runs beside the keys, so q quits at once even while a slow server keeps a refresh
//! waiting; a failed refresh goes to the status line and the next tick tries again.

use std::pin::pin;

use calldata_client::Client;
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;
use tokio::time::MissedTickBehavior;

use super::board::Board;
use super::fetch::{Watched, fetch};
use super::screen::Screen;
use super::view::{Clock, View};
use crate::exit::Failure;
use crate::settings::Settings;

/// Agent rows a page key scrolls.
const PAGE: isize = 10;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// End the wallboard.
    Quit,
    /// Scroll the agents by this many rows.
    Scroll(isize),
    /// Nothing but a redraw (a resize, another key).
    Redraw,
}

/// Runs the wallboard until a quit key or a stop signal; the terminal is restored on every
/// way out.
pub(crate) async fn run(
    client: &Client,
    settings: &Settings,
    watched: &Watched,
    mut view: View,
    clock: Clock,
) -> Result<(), Failure> {
    let mut stop = pin!(stop_requested()?);
    let mut screen = Screen::open()
        .map_err(|e| Failure::other(format!("cannot take over the terminal: {e}")))?;
    let mut events = EventStream::new();
    let mut ticks = tokio::time::interval(view.every);
    // A refresh slower than the interval delays the next one rather than bunching them.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut refresh = None;
    loop {
        screen
            .draw(&view)
            .map_err(|e| Failure::other(format!("cannot draw on the terminal: {e}")))?;
        tokio::select! {
            _ = ticks.tick(), if refresh.is_none() => {
                refresh = Some(Box::pin(fetch(client, watched)));
            }
            result = async {
                match refresh.as_mut() {
                    Some(refresh) => refresh.await,
                    None => std::future::pending().await,
                }
            }, if refresh.is_some() => {
                refresh = None;
                match result {
                    Ok(snapshot) => view.refreshed(Board::of(&snapshot), clock.now()),
                    Err(error) => view.failed(
                        Failure::from_client(&error, settings).to_string(),
                        clock.now(),
                    ),
                }
            }
            event = events.next() => match event {
                Some(Ok(event)) => match action(&event) {
                    Action::Quit => return Ok(()),
                    Action::Scroll(rows) => view.scroll_by(rows),
                    Action::Redraw => {}
                },
                Some(Err(e)) => {
                    return Err(Failure::other(format!("cannot read the terminal's keys: {e}")));
                }
                // The terminal is gone: nobody is left to watch.
                None => return Ok(()),
            },
            () = &mut stop => return Ok(()),
        }
    }
}

/// What `event` asks for.
fn action(event: &Event) -> Action {
    let Event::Key(key) = event else {
        return Action::Redraw;
    };
    if key.kind != KeyEventKind::Press {
        return Action::Redraw;
    }
    match key.code {
        KeyCode::Char('q' | 'Q') => Action::Quit,
        // Raw mode turns Ctrl-C into a key instead of SIGINT.
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Action::Quit,
        KeyCode::Up => Action::Scroll(-1),
        KeyCode::Down => Action::Scroll(1),
        KeyCode::PageUp => Action::Scroll(-PAGE),
        KeyCode::PageDown => Action::Scroll(PAGE),
        KeyCode::Home => Action::Scroll(isize::MIN),
        KeyCode::End => Action::Scroll(isize::MAX),
        _ => Action::Redraw,
    }
}

/// Resolves when the process is asked to stop (SIGTERM, SIGHUP, SIGINT), so that the
/// wallboard ends as for q and the terminal is restored.
#[cfg(unix)]
fn stop_requested() -> Result<impl Future<Output = ()>, Failure> {
    use tokio::signal::unix::{SignalKind, signal};
    let listen = |kind: SignalKind| {
        signal(kind).map_err(|e| Failure::other(format!("cannot listen for signals: {e}")))
    };
    let mut terminate = listen(SignalKind::terminate())?;
    let mut hang_up = listen(SignalKind::hangup())?;
    let mut interrupt = listen(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = hang_up.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

/// Resolves when the process is asked to stop (Ctrl-C from outside the terminal's keys).
#[cfg(not(unix))]
fn stop_requested() -> Result<impl Future<Output = ()>, Failure> {
    Ok(async {
        // No signal to listen for: the wallboard then ends by its keys only.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyEvent;

    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, modifiers))
    }

    #[test]
    fn q_and_ctrl_c_quit_and_nothing_else_does() {
        assert_eq!(
            action(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
            Action::Quit
        );
        assert_eq!(
            action(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Action::Quit
        );
        assert_eq!(
            action(&key(KeyCode::Char('c'), KeyModifiers::NONE)),
            Action::Redraw
        );
        assert_eq!(action(&Event::Resize(80, 24)), Action::Redraw);
    }

    #[test]
    fn arrows_and_pages_scroll() {
        assert_eq!(
            action(&key(KeyCode::Down, KeyModifiers::NONE)),
            Action::Scroll(1)
        );
        assert_eq!(
            action(&key(KeyCode::PageUp, KeyModifiers::NONE)),
            Action::Scroll(-PAGE)
        );
    }
}
