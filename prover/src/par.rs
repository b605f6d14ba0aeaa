//! The one switch for parallelism (feature `parallel`): chunked map-reduce and chunked
//! writes, on rayon when enabled and serial otherwise, with the same results either way —
//! field sums are exact, so chunking cannot change a proof's bytes.
//!
//! The verifier calls only [`map_reduce`] and [`fill_chunks`], for its wiring scans
//! (`gkr::wiring`) and its output eq tables.

/// Below this many items per call, threads cost more than they save.
pub const MIN_PARALLEL: usize = 1 << 12;

/// Splits `0..n` into chunks of `chunk` items, maps each range and reduces the results in
/// chunk order.
pub fn map_reduce<R, M, Red>(n: usize, chunk: usize, identity: R, map: M, reduce: Red) -> R
where
    R: Send + Sync + Clone,
    M: Fn(std::ops::Range<usize>) -> R + Sync + Send,
    Red: Fn(R, R) -> R + Sync + Send,
{
    let chunk = chunk.max(1);
    let chunks = n.div_ceil(chunk);
    let range = |c: usize| c * chunk..((c + 1) * chunk).min(n);
    #[cfg(feature = "parallel")]
    if n >= MIN_PARALLEL && chunks > 1 {
        use rayon::prelude::*;
        return (0..chunks)
            .into_par_iter()
            .map(range)
            .map(map)
            .reduce(|| identity.clone(), reduce);
    }
    (0..chunks).map(range).map(map).fold(identity, reduce)
}

/// Fills `out` by chunks: `fill(start, chunk)` writes `out[start..start + chunk.len()]`.
pub fn fill_chunks<T, W>(out: &mut [T], chunk: usize, fill: W)
where
    T: Send,
    W: Fn(usize, &mut [T]) + Sync + Send,
{
    let chunk = chunk.max(1);
    #[cfg(feature = "parallel")]
    if out.len() >= MIN_PARALLEL {
        use rayon::prelude::*;
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(c, s)| fill(c * chunk, s));
        return;
    }
    out.chunks_mut(chunk)
        .enumerate()
        .for_each(|(c, s)| fill(c * chunk, s));
}

/// `(0..n).map(f)` collected, in parallel in runs of at least `chunk` indices: the
/// vector is written once, with no zero-fill first.
pub fn collect_fn<T, G>(n: usize, chunk: usize, f: G) -> Vec<T>
where
    T: Send,
    G: Fn(usize) -> T + Sync + Send,
{
    #[cfg(feature = "parallel")]
    if n >= MIN_PARALLEL {
        use rayon::prelude::*;
        return (0..n)
            .into_par_iter()
            .with_min_len(chunk.max(1))
            .map(f)
            .collect();
    }
    let _ = chunk;
    (0..n).map(f).collect()
}

/// Fills `a` and `b` (equal lengths) by matching chunks and reduces what each chunk
/// returns, in chunk order: `fill(start, a_chunk, b_chunk)` writes
/// `a[start..start + a_chunk.len()]` and the same range of `b`.
pub fn fill2_reduce<A, B, R, W, Red>(
    a: &mut [A],
    b: &mut [B],
    chunk: usize,
    identity: R,
    fill: W,
    reduce: Red,
) -> R
where
    A: Send,
    B: Send,
    R: Send + Sync + Clone,
    W: Fn(usize, &mut [A], &mut [B]) -> R + Sync + Send,
    Red: Fn(R, R) -> R + Sync + Send,
{
    let chunk = chunk.max(1);
    #[cfg(feature = "parallel")]
    if a.len() >= MIN_PARALLEL && a.len() > chunk {
        use rayon::prelude::*;
        return a
            .par_chunks_mut(chunk)
            .zip(b.par_chunks_mut(chunk))
            .enumerate()
            .map(|(c, (x, y))| fill(c * chunk, x, y))
            .reduce(|| identity.clone(), reduce);
    }
    a.chunks_mut(chunk)
        .zip(b.chunks_mut(chunk))
        .enumerate()
        .map(|(c, (x, y))| fill(c * chunk, x, y))
        .fold(identity, reduce)
}

/// Runs `task` for every index of `0..n` — a few sizeable, independent tasks — on rayon
/// when enabled and serially otherwise; the results come back in index order either way.
pub fn tasks<R, T>(n: usize, task: T) -> Vec<R>
where
    R: Send,
    T: Fn(usize) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(task).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..n).map(task).collect()
    }
}

/// How many pieces to cut work into: the thread count when parallel, else 1.
pub fn pieces() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads().max(1)
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// A chunk size that gives each piece of work a few chunks, for load balance.
pub fn chunk_for(n: usize) -> usize {
    (n / (4 * pieces())).max(1 << 10)
}
