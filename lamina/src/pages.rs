//! [`HugePages`]: the system allocator, with transparent huge pages asked for on large
//! fresh blocks. The library installs no allocator; a binary or extension module may
//! install this one (`#[global_allocator]`) or wrap it (the CLI counts bytes around it).
//!
//! Why: the prover's tables are hundreds of MB, allocated and freed layer by layer, and
//! with 4 KiB pages the kernel's page faults, zeroing and TLB shootdowns took more time
//! than the work on VGG-16. Measured on the project's 2-core VM (`lamina run`, same binary
//! otherwise, the machine's THP mode `madvise`): system time 26.5 s → 13.5 s, prove stage
//! 20.7 s → 10.4 s. Reallocated blocks are left alone: a growing vector moves (`mremap`),
//! which would split its huge pages.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, advising `MADV_HUGEPAGE` on fresh blocks of 4 MiB and up (Linux;
/// elsewhere exactly [`System`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct HugePages;

// SAFETY: every call is forwarded to the system allocator unchanged; the advice touches
// neither contents nor mappings.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: same layout contract as our caller's.
        advise(unsafe { System.alloc(l) }, l.size())
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        // SAFETY: same layout contract as our caller's.
        advise(unsafe { System.alloc_zeroed(l) }, l.size())
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` was allocated by this allocator (that is, by `System`) with layout `l`.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: `p` was allocated by this allocator (that is, by `System`) with layout `l`.
        unsafe { System.realloc(p, l, new) }
    }
}

/// Advises the kernel to back the 2 MiB-aligned interior of a block of 4 MiB or more with
/// transparent huge pages; returns the block unchanged. Advice only: an error (no THP in
/// this kernel) changes nothing.
fn advise(p: *mut u8, size: usize) -> *mut u8 {
    #[cfg(not(target_os = "linux"))]
    let _ = size;
    #[cfg(target_os = "linux")]
    if size >= 4 << 20 && !p.is_null() {
        const HUGE: usize = 2 << 20;
        let start = (p as usize).next_multiple_of(HUGE);
        let end = (p as usize + size) / HUGE * HUGE;
        if end > start {
            // SAFETY: the range lies inside the block just allocated; MADV_HUGEPAGE changes
            // no contents and no mapping, only how the kernel backs it.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Large and small blocks come back usable, zeroed when asked, and reallocate with
    /// their contents.
    #[test]
    fn blocks_round_trip() {
        for size in [64usize, 3 << 20, 9 << 20] {
            let l = Layout::from_size_align(size, 64).unwrap();
            // SAFETY: non-zero sizes; each block is freed once, with the layout it has then.
            unsafe {
                let p = HugePages.alloc_zeroed(l);
                assert!(!p.is_null());
                assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
                p.write_bytes(7, size);
                let q = HugePages.realloc(p, l, size * 2);
                assert!(!q.is_null());
                assert!(std::slice::from_raw_parts(q, size).iter().all(|&b| b == 7));
                HugePages.dealloc(q, Layout::from_size_align(size * 2, 64).unwrap());
            }
        }
    }
}
