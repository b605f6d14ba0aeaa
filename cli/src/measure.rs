//! The counting global allocator behind `alloc_peak_bytes`: the library measures stages
//! through [`lamina::HeapMeter`], and this binary is where the allocator lives. It
//! counts around [`lamina::HugePages`] (the system allocator with huge pages for large
//! blocks).
#![allow(unsafe_code)]

use lamina::HugePages;
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts live heap bytes and their peak; one relaxed atomic add per call, so counting
/// costs far below the 5 % reporting budget.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `HugePages` (the system allocator) unchanged; the
// wrapper only updates two counters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        // SAFETY: same layout contract as our caller's.
        unsafe { HugePages.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        // SAFETY: same layout contract as our caller's.
        unsafe { HugePages.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        // SAFETY: `p` was allocated by this allocator with layout `l`.
        unsafe { HugePages.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new >= l.size() {
            let now = LIVE.fetch_add(new - l.size(), Relaxed) + new - l.size();
            PEAK.fetch_max(now, Relaxed);
        } else {
            LIVE.fetch_sub(l.size() - new, Relaxed);
        }
        // SAFETY: `p` was allocated by this allocator with layout `l`.
        unsafe { HugePages.realloc(p, l, new) }
    }
}

impl lamina::HeapMeter for Counting {
    fn reset_peak(&self) -> usize {
        let base = LIVE.load(Relaxed);
        PEAK.store(base, Relaxed);
        base
    }
    fn peak(&self) -> usize {
        PEAK.load(Relaxed)
    }
}
