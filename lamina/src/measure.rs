//! Stage figures — wall time, peak heap allocated during the stage, the process's peak
//! resident set — and the hooks through which a caller measures heap and shows progress.
//!
//! The library has no allocator of its own: a binary that wants `alloc_peak_bytes`
//! installs a counting global allocator and passes it as a [`HeapMeter`]. The resident
//! set comes from the OS (Linux: `VmHWM`, reset per stage through
//! `/proc/self/clear_refs` where the kernel allows).

use serde_json::{Value, json};
use std::time::Instant;

/// Peak heap bytes since a reset: what a counting global allocator knows.
pub trait HeapMeter: Sync {
    /// Sets the peak to the bytes live now and returns them.
    fn reset_peak(&self) -> usize;
    /// The peak of live bytes since the last reset.
    fn peak(&self) -> usize;
}

/// A heap meter that knows nothing: every stage reports 0 allocated bytes.
pub struct NoHeapMeter;

impl HeapMeter for NoHeapMeter {
    fn reset_peak(&self) -> usize {
        0
    }
    fn peak(&self) -> usize {
        0
    }
}

/// What a long command tells its caller as it goes: progress steps for a bar, and lines
/// for people. Every method defaults to doing nothing.
pub trait Observer: Sync {
    /// A task of `steps` steps begins.
    fn begin(&self, _steps: usize) {}
    /// Names the current step.
    fn step(&self, _what: &str) {}
    /// One step is done.
    fn advance(&self) {}
    /// The task is over.
    fn end(&self) {}
    /// A line people should see even in machine-readable mode (a warning, a rejection).
    fn warn(&self, _line: &str) {}
    /// A line of progress for people (the CLI hides it with `--json`).
    fn info(&self, _line: &str) {}
}

/// An observer that shows nothing.
pub struct Silent;

impl Observer for Silent {}

/// The caller's hooks: heap measurement and progress.
#[derive(Clone, Copy)]
pub struct Hooks<'a> {
    /// Heap measurement.
    pub heap: &'a dyn HeapMeter,
    /// Progress and lines for people.
    pub observer: &'a dyn Observer,
}

impl Default for Hooks<'_> {
    fn default() -> Self {
        Hooks {
            heap: &NoHeapMeter,
            observer: &Silent,
        }
    }
}

/// One stage's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Figures {
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// Peak heap bytes allocated during the stage (above what was live at its start).
    pub alloc_peak_bytes: usize,
    /// The process's peak resident set during the stage, bytes (0 where the OS says nothing).
    pub rss_peak_bytes: u64,
}

impl Figures {
    /// Two stages as one: wall times added, peaks the larger.
    pub fn then(self, next: Figures) -> Figures {
        Figures {
            wall_s: self.wall_s + next.wall_s,
            alloc_peak_bytes: self.alloc_peak_bytes.max(next.alloc_peak_bytes),
            rss_peak_bytes: self.rss_peak_bytes.max(next.rss_peak_bytes),
        }
    }

    /// As the JSON stage object.
    pub fn json(&self) -> Value {
        json!({"wall_s": self.wall_s, "alloc_peak_bytes": self.alloc_peak_bytes, "rss_peak_bytes": self.rss_peak_bytes})
    }
}

/// The memory available for new allocations, bytes: the kernel's `MemAvailable`
/// (`/proc/meminfo`), or less where a cgroup v2 limit leaves less (`memory.max` less
/// `memory.current`, as in a container); `None` where the OS says nothing.
pub fn memory_available() -> Option<u64> {
    let host = proc_kb_field("/proc/meminfo", "MemAvailable:")?;
    let read = |f: &str| {
        std::fs::read_to_string(format!("/sys/fs/cgroup/{f}"))
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok()) // "max" (no limit) parses to None
    };
    Some(match (read("memory.max"), read("memory.current")) {
        (Some(max), Some(current)) => host.min(max.saturating_sub(current)),
        _ => host,
    })
}

/// A `Key:   N kB` line of a `/proc` file, in bytes.
fn proc_kb_field(file: &str, key: &str) -> Option<u64> {
    std::fs::read_to_string(file)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb.saturating_mul(1024))
}

fn rss_peak() -> u64 {
    proc_kb_field("/proc/self/status", "VmHWM:").unwrap_or(0)
}

/// Runs `f` as one measured stage.
pub fn stage<T>(heap: &dyn HeapMeter, f: impl FnOnce() -> T) -> (T, Figures) {
    // "5" resets the peak RSS counter to the current RSS (Linux ≥ 4.0); harmless if refused.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base = heap.reset_peak();
    let t = Instant::now();
    let out = f();
    let wall_s = t.elapsed().as_secs_f64();
    let alloc_peak_bytes = heap.peak().saturating_sub(base);
    (
        out,
        Figures {
            wall_s,
            alloc_peak_bytes,
            rss_peak_bytes: rss_peak(),
        },
    )
}
