//! Soundness accounting for a whole proof: GKR's own reductions, the in-circuit
//! challenges, and (for WHIR) the openings with the candidate-list charge.

use super::{PreparedCircuit, committed_regions};
use crate::commit::whir::{ProofSecurity, Whir, WhirField, WhirSecurity};
use crate::error::ProveError;
use circuits::{Circuit, Coeff};
use p3_security::{ErrorBits, SecurityTerm};
use p3_sumcheck::PrescribedOpeningSecurity;
use std::collections::HashMap;

/// Degree of every sumcheck round polynomial GKR sends (the verifier's `degree`).
const ROUND_DEGREE: u64 = 2;

/// The errors of the reductions lamina draws after the commitments, for one circuit, in
/// a challenge field of `field_bits` bits (a whole-bit lower bound on `log2 |E|`, as p3
/// takes it). Computed from the circuit alone, by Schwartz–Zippel:
///
/// `ε_GKR = (o + Σ_k [2·a_k + m_k·(2·a_k + 1)]) / |E|`
///
/// * `o`: the output layer's `log_width` (the output point `rz`: two different output
///   vectors agree at a random point with probability ≤ `o/|E|`);
/// * per layer `k`, `a_k = log_width(k − 1)` variables (at layer 1 of a circuit with a
///   gate span, its `gate_log_width`: the gate part runs over that many): phase 1 runs
///   `a_k` rounds of degree 2 (`2·a_k/|E|`); with mul gates (`m_k = 1`) phase 2 runs
///   `a_k` more, and the two claims `vx`, `vy` are merged as `vx + α·vy` (`1/|E|`);
/// * per structured block with `n_b` output variables receiving `C` claims: the
///   aggregation (when `C > 1`) batches them with powers of `β` (`(C − 1)/|E|`) and runs
///   `n_b` rounds of degree 2; the op sumcheck runs `rounds_b` rounds of degree 2; its
///   operand claim is merged with a fresh coefficient (`1/|E|`). Its weights claims are
///   each checked against the stated values on their own (no combination).
/// * protocol version 2, per committed region with `C` points and `n = log_len`: the
///   opening batch combines the stated values with powers of `γ` (`(C − 1)/|E|`) and runs
///   `n` rounds of degree 2 (`2n/|E|`), counted with the gate part's points even where a
///   gate span leaves a region unselected (an upper bound).
///
/// `ε_challenges = D / |E|`, `D` = the largest total degree, in the in-circuit
/// challenges, of any output slot: inputs have degree 0, a `Challenge`/`ChallengeTimes`
/// coefficient 1, a mul gate the sum of its inputs' degrees plus its coefficient's, an
/// add or constant gate its input's plus its coefficient's, a slot the maximum over the
/// gates that write it. A witness the circuit's check rejects leaves some constrained
/// output a nonzero polynomial of degree ≤ D in the challenges (for LogUp, the root
/// numerator of the merged fractions, degree ≈ queries + table rows), which vanishes
/// at uniform challenges with probability ≤ `D/|E|`. (Challenges are sampled from 128
/// bits per base coordinate: any one value has probability ≤ `(1 + 2^−64)/p` per
/// coordinate, inside the whole bit `field_bits` already gives up.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GkrSoundness {
    /// `log2 |E|` used (rounded down to a whole bit).
    pub field_bits: usize,
    /// The numerator of `ε_GKR` above.
    pub gkr_numerator: u64,
    /// `−log2 ε_GKR`.
    pub gkr_bits: f64,
    /// `D`, the output slots' largest degree in the in-circuit challenges (0 without).
    pub challenge_degree: u64,
    /// `−log2 ε_challenges` (infinite without challenges).
    pub challenge_bits: f64,
}

impl GkrSoundness {
    /// The terms for `circuit` in a field of `field_bits` bits. Memory follows the gates
    /// that depend on challenges (a sparse map), never a declared width.
    pub fn new(circuit: &Circuit, field_bits: usize) -> GkrSoundness {
        let mut numerator = u64::from(circuit.output_log_width());
        // Claims arriving at the output layer, then at each layer below.
        let mut claims = 1u64;
        for (k, layer) in circuit.layers.iter().enumerate().rev() {
            let a = super::gate_vars(circuit, k + 1) as u64;
            numerator = numerator.saturating_add(ROUND_DEGREE * a);
            if !layer.mul.is_empty() {
                numerator = numerator.saturating_add(ROUND_DEGREE * a + 1);
            }
            for block in &layer.blocks {
                let n = block.op.out_log_len().map_or(u64::MAX, u64::from);
                let rounds = super::blocks::costs(&block.op).map_or(u64::MAX, |c| c.0 as u64);
                if claims > 1 {
                    numerator = numerator
                        .saturating_add(claims - 1)
                        .saturating_add(ROUND_DEGREE.saturating_mul(n));
                }
                numerator = numerator
                    .saturating_add(ROUND_DEGREE.saturating_mul(rounds))
                    .saturating_add(1);
            }
            claims = 1 + u64::from(!layer.mul.is_empty()) + layer.blocks.len() as u64;
        }
        if super::batch::applies(circuit) {
            for r in committed_regions(circuit) {
                let c = region_opening_points(circuit, &r) as u64;
                numerator = numerator
                    .saturating_add(c.saturating_sub(1))
                    .saturating_add(ROUND_DEGREE * u64::from(r.log_len));
            }
        }
        let challenge_degree = challenge_degree(circuit);
        let bits = |n: u64| {
            if n == 0 {
                f64::INFINITY
            } else {
                (field_bits as f64 - (n as f64).log2()).max(0.0)
            }
        };
        GkrSoundness {
            field_bits,
            gkr_numerator: numerator,
            gkr_bits: bits(numerator),
            challenge_degree,
            challenge_bits: bits(challenge_degree),
        }
    }
}

fn coeff_degree(c: Coeff) -> u64 {
    u64::from(c.challenge().is_some())
}

/// `D`: the largest degree in the challenges of any output slot (see [`GkrSoundness`]).
fn challenge_degree(circuit: &Circuit) -> u64 {
    if circuit.num_challenges == 0 {
        return 0;
    }
    // Slot → degree, for the slots of the previous layer whose degree is nonzero.
    let mut prev: HashMap<u32, u64> = HashMap::new();
    for layer in &circuit.layers {
        let deg = |slot: u32| prev.get(&slot).copied().unwrap_or(0);
        let mut next: HashMap<u32, u64> = HashMap::new();
        let mut put = |out: u32, d: u64| {
            if d > 0 {
                let e = next.entry(out).or_insert(0);
                *e = (*e).max(d);
            }
        };
        for m in &layer.mul {
            put(
                m.out,
                deg(m.in0)
                    .saturating_add(deg(m.in1))
                    .saturating_add(coeff_degree(m.coeff)),
            );
        }
        for a in &layer.add {
            put(a.out, deg(a.input).saturating_add(coeff_degree(a.coeff)));
        }
        for c in &layer.constant {
            put(c.out, coeff_degree(c.coeff));
        }
        prev = next;
    }
    prev.values().copied().max().unwrap_or(0)
}

/// How many points the first layer's gate part leaves on every committed region: two
/// when the first layer has mul gates (`rx` and `ry`), else one. Blocks add their own,
/// and a gate span keeps these off the regions above it ([`region_opening_points`]).
pub fn opening_points(circuit: &Circuit) -> usize {
    match circuit.layers.first() {
        Some(l) if !l.mul.is_empty() => 2,
        _ => 1,
    }
}

/// How many points the prover opens region `r` at: the gate part's
/// ([`opening_points`]) unless `r` lies at or above the gate span (its points, zero in
/// the high coordinates, give such a region weight 0), one per first-layer block whose
/// operand lies in `r`, and for the weights region one per weights claim of every
/// block; at least one (a region nothing selects is opened at the zero point).
pub fn region_opening_points(circuit: &Circuit, r: &circuits::Region) -> usize {
    (region_gate_points(circuit, r) + region_block_points(circuit, r)).max(1)
}

/// The gate part's points on region `r`: none when `r` starts at or above the gate span.
fn region_gate_points(circuit: &Circuit, r: &circuits::Region) -> usize {
    match circuit.input.gate_log_width {
        Some(g) if u64::from(r.offset) >= 1u64 << g => 0,
        _ => opening_points(circuit),
    }
}

/// The points WHIR opens region `r` at: one after the batch (version 2), else all.
fn whir_points(circuit: &Circuit, r: &circuits::Region) -> usize {
    if super::batch::applies(circuit) {
        1
    } else {
        region_opening_points(circuit, r)
    }
}

fn region_block_points(circuit: &Circuit, r: &circuits::Region) -> usize {
    let mut n = 0usize;
    if let Some(first) = circuit.layers.first() {
        for block in &first.blocks {
            let start = u64::from(block.op.operand().offset);
            let (r0, r1) = (
                u64::from(r.offset),
                u64::from(r.offset) + (1u64 << r.log_len),
            );
            if (r0..r1).contains(&start) {
                n += 1;
            }
        }
    }
    if r.kind == circuits::RegionKind::Weights {
        for layer in &circuit.layers {
            for block in &layer.blocks {
                n += super::blocks::costs(&block.op).map_or(0, |c| c.1);
            }
        }
    }
    n
}

/// The soundness of a WHIR proof of `circuit` with `scheme`, in bits, under the Johnson
/// bound ([`ProofSecurity`] gives the formula): every committed region's opening at the
/// points the prover opens it at ([`region_opening_points`]; one after the batch of
/// protocol version 2), their union, and GKR's and the
/// in-circuit challenges' errors ([`GkrSoundness`], in `E`) charged over the
/// commitments' candidate lists with p3's `charge_reduction`.
///
/// Errors: an invalid circuit, one whose first layer reads a committed region's padding
/// (WHIR refuses to prove it), or a region these parameters cannot open at their target.
pub fn whir_proof_security<E: WhirField>(
    scheme: &Whir<E>,
    circuit: &Circuit,
) -> Result<ProofSecurity, ProveError> {
    let prepared = PreparedCircuit::new(circuit)?;
    let circuit = prepared.circuit();
    if let Some((region, slot)) = super::committed_padding_read(circuit) {
        return Err(ProveError::ReadsCommittedPadding { region, slot });
    }
    // p3's own convention for the challenge field: a whole-bit lower bound on log2 |E|.
    let field_bits = <E as p3_field::Field>::bits().saturating_sub(1);
    let gkr = GkrSoundness::new(circuit, field_bits);
    let regions = committed_regions(circuit);
    let openings: Vec<WhirSecurity> = regions
        .iter()
        .map(|r| scheme.security(r.log_len, whir_points(circuit, r)))
        .collect::<Result<_, _>>()?;
    // The commitments fix one candidate list each before anything is drawn; a prover
    // may open any member of each after seeing GKR's and the circuit's challenges, so
    // those draws are charged over the product of the lists (the sum of their logs).
    let mut evidence = PrescribedOpeningSecurity {
        terms: openings
            .iter()
            .map(|o| SecurityTerm::new("whir-opening", ErrorBits::from_log2(o.bits)))
            .collect(),
        log2_max_candidates: openings.iter().map(|o| o.log2_max_candidates).sum(),
    };
    let before = evidence.terms.len();
    evidence.charge_reduction(SecurityTerm::new(
        "gkr-sumcheck",
        ErrorBits::from_log2(gkr.gkr_bits),
    ));
    evidence.charge_reduction(SecurityTerm::new(
        "in-circuit-challenges",
        ErrorBits::from_log2(gkr.challenge_bits),
    ));
    let charged_bits = ErrorBits::sum(
        &evidence.terms[before..]
            .iter()
            .map(|t| t.bits)
            .collect::<Vec<_>>(),
    )
    .bits();
    Ok(ProofSecurity {
        bits: evidence.error().bits(),
        regime: "JohnsonBound",
        log2_max_candidates: evidence.log2_max_candidates,
        regions: regions.iter().map(|r| r.kind).collect(),
        openings,
        gkr,
        charged_bits,
    })
}
