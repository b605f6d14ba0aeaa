//! The counting global allocator behind `alloc_peak_bytes`: the library measures stages
//! through [`lamina::HeapMeter`], and this binary is where the allocator lives.
//!
//! It also asks the kernel for transparent huge pages on large fresh blocks. The prover's
//! tables are hundreds of MB, allocated and freed layer by layer; with 4 KiB pages the
//! kernel's page faults, zeroing and TLB shootdowns on `munmap` took more time than the
//! work on VGG-16 (measured on the project's 2-core VM, `lamina run`, same binary
//! otherwise: 26.5 s of system time, prove stage 20.7 s; with `MADV_HUGEPAGE`, the
//! machine's THP mode being `madvise`: 13.5 s and 10.4 s). Reallocated blocks are left
//! alone: a growing vector moves (`mremap`), which would split its huge pages.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

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
        huge_pages(unsafe { System.alloc(l) }, l.size())
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        // SAFETY: same layout contract as our caller's.
        huge_pages(unsafe { System.alloc_zeroed(l) }, l.size())
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

/// Advises the kernel to back the 2 MiB-aligned interior of a large block (4 MiB and up)
/// with transparent huge pages; returns the block unchanged. Advice only: an error (no
/// THP in this kernel) changes nothing.
fn huge_pages(p: *mut u8, size: usize) -> *mut u8 {
    #[cfg(not(target_os = "linux"))]
    let _ = size;
    #[cfg(target_os = "linux")]
    if size >= 4 << 20 && !p.is_null() {
        const HUGE: usize = 2 << 20;
        let start = (p as usize).next_multiple_of(HUGE);
        let end = (p as usize + size) / HUGE * HUGE;
        if end > start {
            // SAFETY: the range lies inside the block just allocated; madvise with
            // MADV_HUGEPAGE changes no contents and no mapping, only how the kernel backs it.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    p
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
