//! The LogUp range-check argument, built from ordinary builder operations at `finish`.
//!
//! For a table `T = {0, …, 2^c − 1}` (plus small tagged tables for top digits), queries
//! `q_j` and multiplicities `m_t`, the circuit checks
//! `Σ_j 1/(X − q_j − β·tag_j) − Σ_t m_t/(X − t − β·tag_t) = 0` at extension challenges
//! `X`, `β` by merging
//! (numerator, denominator) pairs in a balanced tree, `n1/d1 + n2/d2 = (n1·d2 + n2·d1)/(d1·d2)`,
//! and constraining the root numerator to zero. The identity holds as rational functions
//! exactly when the queries are a sub-multiset of the table counted by `m`; at a random `X`
//! a false witness survives with probability about `(#queries + 2^c)/|F_ext|`.

use super::{Builder, CompileError, Derived, Label, MAX_RANGE_BITS, Program, Var};

/// Candidate chunk sizes.
const CHUNK_BITS: std::ops::RangeInclusive<u32> = 4..=16;

/// A table row: `(tag, value)`. Tag 0 holds `0..2^c`; tag `r > 0` holds `0..2^r`, the
/// top digits of widths that `c` does not divide.
pub(crate) type Row = (u32, u32);

/// Total cost at chunk size `c`: one query per digit, plus the table rows (the full
/// table and one small table per distinct top-digit width).
fn cost(widths: &[u32], c: u32) -> usize {
    let queries: usize = widths.iter().map(|&b| b.div_ceil(c) as usize).sum();
    let mut tops: Vec<u32> = widths.iter().map(|&b| b % c).filter(|&r| r != 0).collect();
    tops.sort_unstable();
    tops.dedup();
    queries + (1usize << c) + tops.iter().map(|&r| 1usize << r).sum::<usize>()
}

/// The chunk size minimising total queries plus table rows.
pub(crate) fn choose_chunk_bits(widths: &[u32]) -> u32 {
    CHUNK_BITS.min_by_key(|&c| cost(widths, c)).unwrap_or(12)
}

/// Bit decomposition instead of LogUp: `bits` boolean digits, recomposed.
pub(crate) fn finish_bits(mut b: Builder) -> Result<Program, CompileError> {
    let checks = take_checks(&mut b)?;
    for rc in &checks {
        let mut terms = vec![(1i64, Var(rc.var))];
        for i in 0..rc.bits {
            let d = b.derived_hint(Derived::Digit {
                of: rc.var,
                shift: i,
                bits: 1,
            });
            b.assert_bool(d, rc.label);
            terms.push((-(1i64 << i), d));
        }
        let recomposed = b.lin(&terms, 0);
        b.assert_zero(recomposed, rc.label);
    }
    Ok(Program {
        placement: super::tensor::place(&b),
        b,
        chunk_bits: 1,
        queries: 0,
        checks,
        query_nodes: Vec::new(),
        table: Vec::new(),
    })
}

/// Takes the range checks out of the builder: width limits checked, zero-width checks
/// turned into `v = 0`.
fn take_checks(b: &mut Builder) -> Result<Vec<super::RangeCheck>, CompileError> {
    let checks = std::mem::take(&mut b.range_checks);
    for rc in &checks {
        if rc.bits > MAX_RANGE_BITS {
            return Err(CompileError::RangeTooWide {
                label: rc.label,
                bits: rc.bits,
                max: MAX_RANGE_BITS,
            });
        }
    }
    Ok(checks
        .into_iter()
        .filter(|rc| {
            if rc.bits == 0 {
                // 0 ≤ v < 1: v = 0.
                b.constraints.push((rc.var, rc.label));
                false
            } else {
                true
            }
        })
        .collect())
}

pub(crate) fn finish(mut b: Builder) -> Result<Program, CompileError> {
    let checks = take_checks(&mut b)?;
    if checks.is_empty() {
        return Ok(Program {
            placement: super::tensor::place(&b),
            b,
            chunk_bits: 0,
            queries: 0,
            checks,
            query_nodes: Vec::new(),
            table: Vec::new(),
        });
    }
    let widths: Vec<u32> = checks.iter().map(|rc| rc.bits).collect();
    let c = choose_chunk_bits(&widths);

    // Digits and recomposition constraints. A top digit of `r = bits mod c` bits is
    // queried against the tag-`r` table, which bounds it to `r` bits: the check is
    // two-sided without padding.
    let mut queries: Vec<(Var, u32)> = Vec::new();
    for rc in &checks {
        let k = rc.bits.div_ceil(c);
        let mut terms = vec![(1i64, Var(rc.var))];
        for i in 0..k {
            let bits = c.min(rc.bits - i * c);
            let d = b.derived_hint(Derived::Digit {
                of: rc.var,
                shift: i * c,
                bits,
            });
            terms.push((-(1i64 << (i * c)), d));
            queries.push((d, if bits == c { 0 } else { bits }));
        }
        let recomposed = b.lin(&terms, 0);
        b.assert_zero(recomposed, rc.label);
    }
    let mut tags: Vec<u32> = queries.iter().map(|q| q.1).filter(|&t| t != 0).collect();
    tags.sort_unstable();
    tags.dedup();
    let table: Vec<Row> = (0..1u32 << c)
        .map(|v| (0, v))
        .chain(
            tags.iter()
                .flat_map(|&r| (0..1u32 << r).map(move |v| (r, v))),
        )
        .collect();
    let mults: Vec<Var> = (0..table.len() as u32)
        .map(|i| b.derived_hint(Derived::Multiplicity(i)))
        .collect();

    // Leaves: (1, X − q − β·tag) per query, (−m, X − v − β·tag) per row; β separates
    // the tables, so a value of one cannot pass as a row of another.
    let x = b.challenge();
    let beta = if tags.is_empty() {
        None
    } else {
        Some(b.challenge())
    };
    let one = b.constant(1);
    let mut level: Vec<(Var, Var)> = Vec::with_capacity(queries.len() + table.len());
    let denominator = |b: &mut Builder, v: Option<Var>, value: i64, tag: u32| {
        let mut terms = vec![(1, x)];
        if let Some(v) = v {
            terms.push((-1, v));
        }
        if let (Some(beta), true) = (beta, tag != 0) {
            terms.push((-i64::from(tag), beta));
        }
        b.lin(&terms, -value)
    };
    for &(q, tag) in &queries {
        let d = denominator(&mut b, Some(q), 0, tag);
        level.push((one, d));
    }
    for (&(tag, v), &m) in table.iter().zip(&mults) {
        let n = b.scale(-1, m);
        let d = denominator(&mut b, None, i64::from(v), tag);
        level.push((n, d));
    }
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        for pair in level.chunks(2) {
            match pair {
                [(n1, d1), (n2, d2)] => {
                    // The denominator first, so its operands are atoms when the
                    // numerator is built (they are shared, not re-expanded).
                    let d = b.mul(*d1, *d2);
                    let a = b.mul(*n1, *d2);
                    let c2 = b.mul(*n2, *d1);
                    let n = b.add(a, c2);
                    next.push((n, d));
                }
                [single] => next.push(*single),
                _ => {}
            }
        }
        level = next;
    }
    let root = level[0].0;
    b.assert_zero(root, Label::new("logup", 0, 0));
    let query_nodes = queries.iter().map(|&(v, t)| (v.0, t)).collect();
    Ok(Program {
        placement: super::tensor::place(&b),
        b,
        chunk_bits: c,
        queries: queries.len(),
        checks,
        query_nodes,
        table,
    })
}
