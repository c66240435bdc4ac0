//! The terminal while the wallboard runs: raw mode and the alternate screen from
//! [`Screen::open`] until the screen is dropped, which puts the terminal back on every way
//! out (quit, error, or a panic unwinding; ratatui's panic hook restores it before the
//! panic's message is printed, so the message is readable).

use std::io;

use ratatui::DefaultTerminal;

use super::render::{self, Mode};
use super::view::View;

/// The terminal, taken over; restored when dropped.
#[derive(Debug)]
pub(crate) struct Screen {
    terminal: DefaultTerminal,
}

impl Screen {
    /// Takes the terminal over (raw mode, alternate screen, a panic hook that restores).
    pub(crate) fn open() -> io::Result<Self> {
        match ratatui::try_init() {
            Ok(terminal) => Ok(Self { terminal }),
            Err(error) => {
                // Raw mode may be on even though the alternate screen failed.
                ratatui::restore();
                Err(error)
            }
        }
    }

    /// Draws `view`.
    pub(crate) fn draw(&mut self, view: &View) -> io::Result<()> {
        self.terminal
            .draw(|frame| render::draw(frame, view, Mode::Live))
            .map(drop)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        // Says on stderr what could not be restored; there is nothing else to do then.
        ratatui::restore();
    }
}
