//! Stage figures: wall time, peak heap allocated during the stage (a counting global
//! allocator, reset per stage), and the process's peak resident set from the OS (Linux:
//! `VmHWM`, reset per stage through `/proc/self/clear_refs` where the kernel allows).
#![allow(unsafe_code)]

use serde_json::{Value, json};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// Counts live heap bytes and their peak; one relaxed atomic add per call, so counting
/// costs far below the 5 % reporting budget.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the wrapper only
// updates two counters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        // SAFETY: `p` was allocated by this allocator with layout `l`.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new >= l.size() {
            let now = LIVE.fetch_add(new - l.size(), Relaxed) + new - l.size();
            PEAK.fetch_max(now, Relaxed);
        } else {
            LIVE.fetch_sub(l.size() - new, Relaxed);
        }
        // SAFETY: `p` was allocated by this allocator with layout `l`.
        unsafe { System.realloc(p, l, new) }
    }
}

/// One stage's figures.
#[derive(Clone, Copy, Debug, Default)]
pub struct Figures {
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// Peak heap bytes allocated during the stage (above what was live at its start).
    pub alloc_peak_bytes: usize,
    /// The process's peak resident set during the stage, bytes (0 where the OS says nothing).
    pub rss_peak_bytes: u64,
}

impl Figures {
    /// As the JSON stage object.
    pub fn json(&self) -> Value {
        json!({"wall_s": self.wall_s, "alloc_peak_bytes": self.alloc_peak_bytes, "rss_peak_bytes": self.rss_peak_bytes})
    }
}

fn rss_peak() -> u64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Runs `f` as one measured stage.
pub fn stage<T>(f: impl FnOnce() -> T) -> (T, Figures) {
    // "5" resets the peak RSS counter to the current RSS (Linux ≥ 4.0); harmless if refused.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let t = Instant::now();
    let out = f();
    let wall_s = t.elapsed().as_secs_f64();
    let alloc_peak_bytes = PEAK.load(Relaxed).saturating_sub(base);
    (
        out,
        Figures {
            wall_s,
            alloc_peak_bytes,
            rss_peak_bytes: rss_peak(),
        },
    )
}
