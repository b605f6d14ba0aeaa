//! The zero-knowledge form of a gate circuit (issue 10, design commit 4 for gate
//! circuits): per-layer noise, and room for the masked sumchecks' mask table.
//!
//! [`with_noise`] returns a circuit with the same constraints and public outputs, plus:
//!
//! * **Layer noise** (design §3.1). Every layer `k` with `1 ≤ k < d` gets
//!   [`NOISE_PER_LAYER`] slots that no gate of layer `k + 1` reads except the relays
//!   below. Their values are random private inputs (the *noise sources*), carried up from
//!   the input layer by add gates (coefficient 1) through layers `1..k`. A verifier that
//!   learns `Ṽ_k` at a random point learns it masked by `Σ_j n_{k,j}·eq(r, σ_{k,j})`, a
//!   uniform value unless a small minor of eq values vanishes (Schwartz–Zippel), while
//!   every sum the layer's sumchecks prove is unchanged (no gate reads the noise).
//! * **Input noise**: [`NOISE_PER_LAYER`] more private slots read by nothing, which mask
//!   the private region's evaluations at GKR's input points (design §3.4).
//! * **The mask table** `Z` (design §3.3): an aligned sub-cube of the private region, its
//!   mask half large enough for every masked sumcheck's coefficients at the given
//!   extension degree and its slack half for the inner product's reveals
//!   ([`min_slack`]), read by no gate.
//!
//! The private region grows to hold the sources, the input noise and the table after the
//! original values (which keep their indices); the other input regions move up, and
//! layer 1's reads move with them (reads of zero slots — a region's padding or no region
//! at all — go to one zero slot outside every region, so the old private padding cannot
//! turn into values the prover chooses). Circuits with structured blocks are refused
//! (their sumchecks are not masked yet).

use crate::{AddGate, Circuit, CircuitError, Coeff, Region, RegionKind};
use thiserror::Error;

/// Noise slots per layer (two extension evaluations of degree 3 revealed per layer need
/// 6; two of margin).
pub const NOISE_PER_LAYER: u32 = 8;

/// Where the zero-knowledge prover's random private values lie, within the private
/// region: the noise sources (relayed up, then the unread input noise) and the mask table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZkLayout {
    /// First noise slot (offset within the private region).
    pub noise_offset: u32,
    /// Noise slots: `NOISE_PER_LAYER·(d − 1)` sources then `NOISE_PER_LAYER` input noise.
    pub noise_len: u32,
    /// The mask table's offset within the private region (aligned to its size).
    pub table_offset: u32,
    /// `m`: the table has `2^m` slots, the lower half masks, the upper half slack.
    pub table_log_len: u8,
}

/// Why a circuit has no zero-knowledge form here.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ZkTransformError {
    /// Structured blocks are not masked yet.
    #[error("layer {layer} has structured blocks, which zero-knowledge proofs do not support yet")]
    Blocks {
        /// The layer.
        layer: usize,
    },
    /// The circuit has no private region to grow.
    #[error("the circuit has no private region")]
    NoPrivateRegion,
    /// A layer-1 gate reads an input slot that lies in no region.
    #[error("a layer-1 gate reads input slot {slot}, which lies in no region")]
    ReadOutsideRegions {
        /// The slot.
        slot: u32,
    },
    /// The result would exceed the circuit format's limits.
    #[error("the zero-knowledge form does not fit: {0}")]
    TooLarge(&'static str),
    /// The result does not validate (a bug in the transform, reported, never ignored).
    #[error("the zero-knowledge form is invalid: {0}")]
    Invalid(#[from] CircuitError),
}

/// Mask slots the masked prover needs for `circuit` at extension degree `ext_degree`:
/// `(degree + 1)·ext_degree` per round, every layer's phase 1, and phase 2 where it has
/// mul gates. Must match the prover's walk (`prover::gkr::zk::layer_slots`).
pub fn mask_slots_needed(circuit: &Circuit, ext_degree: usize) -> usize {
    let per_round = 3 * ext_degree;
    (1..=circuit.depth())
        .map(|k| {
            let g = usize::from(circuit.gate_log_width(k));
            let phases = if circuit.layers[k - 1].mul.is_empty() {
                1
            } else {
                2
            };
            phases * g * per_round
        })
        .sum()
}

/// The smallest half a mask table of `2^m` slots may have: twice the base coordinates of
/// the `2m + 2` extension values its inner product reveals, so the slack outnumbers them.
pub fn min_slack(m: u8, ext_degree: usize) -> usize {
    2 * (2 * usize::from(m) + 2) * ext_degree
}

fn align_up(x: u64, to: u64) -> u64 {
    x.div_ceil(to) * to
}

fn ceil_log2(x: u64) -> u8 {
    (64 - x.saturating_sub(1).leading_zeros()) as u8
}

/// The zero-knowledge form of `circuit` for a masked prover over an extension of degree
/// `ext_degree`, and where its random values go.
pub fn with_noise(
    circuit: &Circuit,
    ext_degree: usize,
) -> Result<(Circuit, ZkLayout), ZkTransformError> {
    if let Some(k) = circuit.layers.iter().position(|l| !l.blocks.is_empty()) {
        return Err(ZkTransformError::Blocks { layer: k + 1 });
    }
    let private = *circuit
        .input
        .region(RegionKind::Private)
        .ok_or(ZkTransformError::NoPrivateRegion)?;
    let d = circuit.depth();
    let too_large = |what| ZkTransformError::TooLarge(what);

    // 1. Layer noise: layer k (1 ≤ k < d) holds the noise of layers k..d−1, after its
    //    original used slots (written, read by the next layer, or a public output).
    let mut base = vec![0u64; d + 1];
    for (k, pair) in circuit
        .layers
        .windows(2)
        .enumerate()
        .map(|(i, p)| (i + 1, p))
    {
        let (layer, next) = (&pair[0], &pair[1]);
        let mut highest: Option<u64> = None;
        let mut bump = |s: u32| highest = Some(highest.map_or(u64::from(s), |h| h.max(s.into())));
        layer.mul.iter().for_each(|g| bump(g.out));
        layer.add.iter().for_each(|g| bump(g.out));
        layer.constant.iter().for_each(|g| bump(g.out));
        next.mul.iter().for_each(|g| {
            bump(g.in0);
            bump(g.in1)
        });
        next.add.iter().for_each(|g| bump(g.input));
        base[k] = highest.map_or(0, |h| h + 1);
    }
    let sources = u64::from(NOISE_PER_LAYER) * (d as u64).saturating_sub(1);
    let noise_len = sources + u64::from(NOISE_PER_LAYER);
    let noise_offset = u64::from(private.len);

    // 2. The private region: values, noise, then the table; its size depends on the
    //    input width, which depends on it (layer 1's rounds), so grow m until it fits.
    let mut m: u8 = 1;
    let (out, layout) = loop {
        let table_offset = align_up(noise_offset + noise_len, 1u64 << m);
        let len = table_offset + (1u64 << m);
        let log_len = ceil_log2(len).max(private.log_len);
        if log_len > 30 {
            return Err(too_large("private region above 2^30 slots"));
        }
        let mut c2 = circuit.clone();
        relocate_input(&mut c2, log_len, len as u32)?;
        let at = private_offset(&c2);
        add_relays(&mut c2, &base, at, noise_offset as u32)?;
        c2.fit_to_backing();
        let needed = mask_slots_needed(&c2, ext_degree).max(min_slack(m, ext_degree));
        if needed <= 1usize << (m - 1) {
            break (
                c2,
                ZkLayout {
                    noise_offset: noise_offset as u32,
                    noise_len: noise_len as u32,
                    table_offset: table_offset as u32,
                    table_log_len: m,
                },
            );
        }
        m += 1;
        if m > 28 {
            return Err(too_large("mask table above 2^28 slots"));
        }
    };
    out.validate()?;
    Ok((out, layout))
}

fn private_offset(c: &Circuit) -> u32 {
    c.input.region(RegionKind::Private).map_or(0, |r| r.offset)
}

/// Grows the private region to `2^log_len` slots holding `len` values and lays the
/// regions out again in their old order, each aligned to its span; with a gate span the
/// weights go above the new span. Remaps layer 1's reads.
fn relocate_input(c: &mut Circuit, log_len: u8, len: u32) -> Result<(), ZkTransformError> {
    let old: Vec<Region> = c.input.regions.clone();
    let mut order: Vec<usize> = (0..old.len()).collect();
    order.sort_by_key(|&i| old[i].offset);
    let weights_last = c.input.gate_log_width.is_some();
    let mut new = old.clone();
    let mut cursor = 0u64;
    let place = |r: &mut Region, cursor: &mut u64| {
        let span = 1u64 << r.log_len;
        let at = align_up(*cursor, span);
        r.offset = at as u32;
        *cursor = at + span;
    };
    for &i in &order {
        if weights_last && old[i].kind == RegionKind::Weights {
            continue;
        }
        if old[i].kind == RegionKind::Private {
            new[i].log_len = log_len;
            new[i].len = len;
        }
        place(&mut new[i], &mut cursor);
    }
    // Reads of input slots outside every region's values (zero: padding, or no region)
    // go to one zero slot outside every region, inside the gate span. The private
    // region's padding must not keep its place: it becomes noise, table or free values.
    let in_region = |s: u32| {
        old.iter()
            .position(|r| s >= r.offset && u64::from(s) < u64::from(r.offset) + u64::from(r.len))
    };
    let reads_outside = c.layers.first().is_some_and(|l| {
        l.mul
            .iter()
            .flat_map(|g| [g.in0, g.in1])
            .chain(l.add.iter().map(|g| g.input))
            .any(|s| in_region(s).is_none())
    });
    let zero_slot = if reads_outside {
        cursor += 1;
        Some(cursor - 1)
    } else {
        None
    };
    if weights_last {
        let g = ceil_log2(cursor.max(2));
        c.input.gate_log_width = Some(g);
        cursor = cursor.max(1u64 << g);
        for &i in &order {
            if old[i].kind == RegionKind::Weights {
                place(&mut new[i], &mut cursor);
            }
        }
    }
    if cursor > 1u64 << 31 {
        return Err(ZkTransformError::TooLarge("input layer above 2^31 slots"));
    }
    c.input.log_width = ceil_log2(cursor.max(2));
    let remap = |s: u32| -> Result<u32, ZkTransformError> {
        match (in_region(s), zero_slot) {
            (Some(i), _) => Ok(new[i].offset + (s - old[i].offset)),
            (None, Some(z)) => Ok(z as u32),
            (None, None) => Err(ZkTransformError::ReadOutsideRegions { slot: s }),
        }
    };
    if let Some(layer) = c.layers.first_mut() {
        for g in &mut layer.mul {
            g.in0 = remap(g.in0)?;
            g.in1 = remap(g.in1)?;
        }
        for g in &mut layer.add {
            g.input = remap(g.input)?;
        }
    }
    c.input.regions = new;
    Ok(())
}

/// The relays: layer k's slot `base[k] + 8·(j − k) + i` carries noise `i` of layer `j`
/// (`k ≤ j < d`), from the previous layer's slot for it, or from source
/// `8·(j − 1) + i` of the noise area at layer 1.
fn add_relays(
    c: &mut Circuit,
    base: &[u64],
    private_offset: u32,
    noise_offset: u32,
) -> Result<(), ZkTransformError> {
    let d = c.depth();
    let n = u64::from(NOISE_PER_LAYER);
    for k in 1..d {
        for j in k..d {
            for i in 0..n {
                let out = base[k] + n * (j - k) as u64 + i;
                let input = if k == 1 {
                    u64::from(private_offset) + u64::from(noise_offset) + n * (j - 1) as u64 + i
                } else {
                    base[k - 1] + n * (j - (k - 1)) as u64 + i
                };
                let (out, input) = (
                    u32::try_from(out).map_err(|_| ZkTransformError::TooLarge("layer width"))?,
                    u32::try_from(input).map_err(|_| ZkTransformError::TooLarge("layer width"))?,
                );
                c.layers[k - 1].add.push(AddGate {
                    out,
                    input,
                    coeff: Coeff::ONE,
                });
            }
        }
    }
    Ok(())
}
