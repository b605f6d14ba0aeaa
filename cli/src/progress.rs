//! What people see while a command runs: progress bars on stages that take more than a
//! moment (only when stderr is a terminal, never with `--quiet`, so scripts and CI logs
//! stay clean) and the library's lines for people (hidden with `--json`, warnings never).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// The CLI's [`lamina::Observer`]: a bar on stderr and lines on stderr.
pub struct Console {
    bar: Mutex<Option<ProgressBar>>,
    quiet: bool,
    json: bool,
}

impl Console {
    /// Bars unless `quiet` (or stderr is not a terminal); lines for people unless `json`.
    pub fn new(quiet: bool, json: bool) -> Console {
        Console {
            bar: Mutex::new(None),
            quiet,
            json,
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(g) = self.bar.lock()
            && let Some(b) = g.as_ref()
        {
            f(b);
        }
    }
}

impl lamina::Observer for Console {
    fn begin(&self, steps: usize) {
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::new(steps as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
        {
            bar.set_style(style);
        }
        if let Ok(mut g) = self.bar.lock() {
            *g = Some(bar);
        }
    }

    fn step(&self, what: &str) {
        self.with_bar(|b| b.set_message(what.to_string()));
    }

    fn advance(&self) {
        self.with_bar(|b| b.inc(1));
    }

    fn end(&self) {
        if let Ok(mut g) = self.bar.lock()
            && let Some(b) = g.take()
        {
            b.finish_and_clear();
        }
    }

    fn warn(&self, line: &str) {
        eprintln!("{line}");
    }

    fn info(&self, line: &str) {
        if !self.json {
            eprintln!("{line}");
        }
    }
}
