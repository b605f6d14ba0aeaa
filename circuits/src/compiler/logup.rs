//! The LogUp range-check argument, built from ordinary builder operations at `finish`.
//!
//! For a table `T = {0, …, 2^c − 1}`, queries `q_j` and multiplicities `m_t`, the circuit
//! checks `Σ_j 1/(X − q_j) − Σ_t m_t/(X − t) = 0` at an extension challenge `X` by merging
//! (numerator, denominator) pairs in a balanced tree, `n1/d1 + n2/d2 = (n1·d2 + n2·d1)/(d1·d2)`,
//! and constraining the root numerator to zero. The identity holds as rational functions
//! exactly when the queries are a sub-multiset of the table counted by `m`; at a random `X`
//! a false witness survives with probability about `(#queries + 2^c)/|F_ext|`.

use super::{Builder, CompileError, Derived, Label, MAX_RANGE_BITS, Program, Var};

/// Candidate chunk sizes.
const CHUNK_BITS: std::ops::RangeInclusive<u32> = 4..=16;

/// Queries one check of `bits` costs at chunk size `c`: one per digit, plus one for the
/// shifted top digit when `c` does not divide `bits`.
fn queries(bits: u32, c: u32) -> usize {
    (bits.div_ceil(c) + u32::from(bits % c != 0)) as usize
}

/// The chunk size minimising total queries plus table size.
pub(crate) fn choose_chunk_bits(widths: &[u32]) -> u32 {
    CHUNK_BITS
        .min_by_key(|&c| widths.iter().map(|&b| queries(b, c)).sum::<usize>() + (1usize << c))
        .unwrap_or(12)
}

pub(crate) fn finish(mut b: Builder) -> Result<Program, CompileError> {
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
    let checks: Vec<_> = checks
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
        .collect();
    if checks.is_empty() {
        return Ok(Program {
            b,
            chunk_bits: 0,
            queries: 0,
            checks,
            query_nodes: Vec::new(),
        });
    }
    let widths: Vec<u32> = checks.iter().map(|rc| rc.bits).collect();
    let c = choose_chunk_bits(&widths);

    // Digits, recomposition constraints, and the query values.
    let mut query_vals: Vec<Var> = Vec::new();
    for rc in &checks {
        let k = rc.bits.div_ceil(c);
        let mut terms = vec![(1i64, Var(rc.var))];
        let mut top = Var(0);
        for i in 0..k {
            let bits = c.min(rc.bits - i * c);
            let d = b.derived_hint(Derived::Digit {
                of: rc.var,
                shift: i * c,
                bits,
            });
            terms.push((-(1i64 << (i * c)), d));
            query_vals.push(d);
            top = d;
        }
        let recomposed = b.lin(&terms, 0);
        b.assert_zero(recomposed, rc.label);
        let rem = rc.bits % c;
        if rem != 0 {
            // top < 2^rem ⇔ top·2^(c−rem) < 2^c, given top < 2^c: the two-sided bound.
            let shifted = b.scale(1i64 << (c - rem), top);
            query_vals.push(shifted);
        }
    }
    let queries = query_vals.len();
    let table: Vec<Var> = (0..1u32 << c)
        .map(|t| b.derived_hint(Derived::Multiplicity(t)))
        .collect();

    // Leaves: (1, X − q) per query, (−m_t, X − t) per table row.
    let x = b.challenge();
    let one = b.constant(1);
    let mut level: Vec<(Var, Var)> = Vec::with_capacity(queries + table.len());
    for &q in &query_vals {
        let d = b.sub(x, q);
        level.push((one, d));
    }
    for (t, &m) in table.iter().enumerate() {
        let n = b.scale(-1, m);
        let d = b.lin(&[(1, x)], -(t as i64));
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
    let query_nodes = query_vals.iter().map(|v| v.0).collect();
    Ok(Program {
        b,
        chunk_bits: c,
        queries,
        checks,
        query_nodes,
    })
}
