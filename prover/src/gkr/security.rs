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
        GkrSoundness {
            field_bits,
            gkr_numerator: numerator,
            gkr_bits: bits_of(field_bits, numerator),
            challenge_degree,
            challenge_bits: bits_of(field_bits, challenge_degree),
        }
    }

    /// The terms for a *masked* proof of `circuit` whose mask table has `2^table_log_len`
    /// slots: [`Self::new`]'s, plus the discharge of the deferred mask claims
    /// (`docs/design/zero-knowledge.md` §3.3, [`crate::zk::inner_product`]):
    ///
    /// * batching: the deferred claims `⟨M, u_t⟩ = e_t` and the slack value `σ` (fixed
    ///   before `β`) are combined with `β^1..β^{n_d}`; a false one leaves a nonzero
    ///   polynomial in `β` of degree ≤ `n_d` without constant term (`n_d/|E|`), where
    ///   `n_d` ≤ 2 per masked sumcheck (the first round's sum and the final check);
    /// * the inner product's sumcheck: `m` rounds of degree 2 (`2m/|E|`).
    ///
    /// The masks themselves are committed before any challenge, so every masked
    /// sumcheck proves a fixed polynomial of the same degree: its rounds keep their
    /// [`Self::new`] terms.
    pub fn masked(circuit: &Circuit, table_log_len: u8, field_bits: usize) -> GkrSoundness {
        let mut s = GkrSoundness::new(circuit, field_bits);
        s.gkr_numerator = s
            .gkr_numerator
            .saturating_add(deferred_claims_bound(circuit))
            .saturating_add(ROUND_DEGREE * u64::from(table_log_len));
        s.gkr_bits = bits_of(field_bits, s.gkr_numerator);
        s
    }
}

/// `−log2(n/2^field_bits)`, infinite for `n = 0`.
fn bits_of(field_bits: usize, n: u64) -> f64 {
    if n == 0 {
        f64::INFINITY
    } else {
        (field_bits as f64 - (n as f64).log2()).max(0.0)
    }
}

/// At most two deferred claims per masked sumcheck: per layer, phase 1, phase 2 with mul
/// gates, and for each block its op sumcheck and (with several claims) its aggregation.
fn deferred_claims_bound(circuit: &Circuit) -> u64 {
    let mut sumchecks = 0u64;
    for (k, layer) in circuit.layers.iter().enumerate() {
        let claims = circuits::zk::claims_on_layer(circuit, k + 1);
        let per_block = 1 + u64::from(claims > 1);
        sumchecks = sumchecks
            .saturating_add(1 + u64::from(!layer.mul.is_empty()))
            .saturating_add(per_block.saturating_mul(layer.blocks.len() as u64));
    }
    sumchecks.saturating_mul(2)
}

fn coeff_degree(c: Coeff) -> u64 {
    u64::from(c.challenge().is_some())
}

/// `D`: the largest degree in the challenges of any output slot (see [`GkrSoundness`]).
fn challenge_degree(circuit: &Circuit) -> u64 {
    if circuit.num_challenges == 0 {
        return 0;
    }
    layers_degree(
        &circuit.layers,
        Degrees::DENSE_PER_GATE,
        Degrees::DENSE_FLOOR,
    )
}

/// [`challenge_degree`] over `layers`, with the dense table's limits as parameters (the
/// tests force the map with zeros).
fn layers_degree(layers: &[circuits::Layer], per_gate: usize, floor: usize) -> u64 {
    let mut prev = Degrees::default();
    for layer in layers {
        let mut next = Degrees::for_layer(layer, per_gate, floor);
        for m in &layer.mul {
            next.raise(
                m.out,
                prev.get(m.in0)
                    .saturating_add(prev.get(m.in1))
                    .saturating_add(coeff_degree(m.coeff)),
            );
        }
        for a in &layer.add {
            next.raise(
                a.out,
                prev.get(a.input).saturating_add(coeff_degree(a.coeff)),
            );
        }
        for c in &layer.constant {
            next.raise(c.out, coeff_degree(c.coeff));
        }
        // A block's output is bilinear in its operand (previous layer) and its weights
        // (input layer, degree 0): its slots take the operand span's largest degree. An
        // honest prover refuses challenge-dependent operands, but a cheating witness may
        // make one, so the figure must count it.
        for block in &layer.blocks {
            let (Ok((start, log)), Some((out, out_log))) =
                (super::blocks::operand_span(&block.op), block.out_span())
            else {
                return u64::MAX;
            };
            let (Some(len), Some(out_len)) = (
                u32::try_from(log).ok().and_then(|l| 1usize.checked_shl(l)),
                1u32.checked_shl(u32::from(out_log)),
            ) else {
                // Not a validated circuit's span: count the worst degree.
                return u64::MAX;
            };
            let d = prev.max_in(start, len);
            if d > 0 {
                for slot in out..out.saturating_add(out_len) {
                    next.raise(slot, d);
                }
            }
        }
        prev = next;
    }
    prev.max()
}

/// One layer's slot degrees in the challenges (absent: 0). Dense when the slots the gates
/// write span at most a few entries per gate (compiled circuits), else a map of the
/// nonzero ones, so memory follows the gates, never a declared width. The dense table is
/// what makes this pass cheap next to verification (a hash lookup per gate input was a
/// quarter of `lamina verify` on VGG-16).
enum Degrees {
    Dense(Vec<u64>),
    Sparse(HashMap<u32, u64>),
}

impl Default for Degrees {
    fn default() -> Self {
        Degrees::Dense(Vec::new())
    }
}

impl Degrees {
    /// Entries allowed per gate, plus a floor, before the table becomes a map.
    const DENSE_PER_GATE: usize = 4;
    const DENSE_FLOOR: usize = 1 << 12;

    fn for_layer(layer: &circuits::Layer, per_gate: usize, floor: usize) -> Degrees {
        let top = layer
            .mul
            .iter()
            .map(|g| g.out)
            .chain(layer.add.iter().map(|g| g.out))
            .chain(layer.constant.iter().map(|g| g.out))
            .max()
            .map_or(0, |o| o as usize + 1);
        let blocks = layer.blocks.iter().filter_map(circuits::Block::out_span);
        let top = blocks
            .clone()
            .map(|(o, l)| {
                (o as usize).saturating_add(1usize.checked_shl(l.into()).unwrap_or(usize::MAX))
            })
            .fold(top, usize::max);
        let block_slots = blocks.fold(0usize, |n, (_, l)| {
            n.saturating_add(1usize.checked_shl(l.into()).unwrap_or(usize::MAX))
        });
        let gates = layer.mul.len() + layer.add.len() + layer.constant.len();
        let bound = gates
            .saturating_add(block_slots)
            .saturating_mul(per_gate)
            .saturating_add(floor);
        if top <= bound {
            Degrees::Dense(vec![0; top])
        } else {
            Degrees::Sparse(HashMap::new())
        }
    }

    fn get(&self, slot: u32) -> u64 {
        match self {
            Degrees::Dense(v) => v.get(slot as usize).copied().unwrap_or(0),
            Degrees::Sparse(m) => m.get(&slot).copied().unwrap_or(0),
        }
    }

    fn raise(&mut self, slot: u32, d: u64) {
        if d == 0 {
            return;
        }
        match self {
            // `for_layer` sized the table past every gate's output slot.
            Degrees::Dense(v) => {
                if let Some(e) = v.get_mut(slot as usize) {
                    *e = (*e).max(d);
                }
            }
            Degrees::Sparse(m) => {
                let e = m.entry(slot).or_insert(0);
                *e = (*e).max(d);
            }
        }
    }

    /// The largest degree over the slots `start .. start + len`.
    fn max_in(&self, start: usize, len: usize) -> u64 {
        let end = start.saturating_add(len);
        match self {
            Degrees::Dense(v) => v
                .get(start.min(v.len())..end.min(v.len()))
                .and_then(|s| s.iter().copied().max())
                .unwrap_or(0),
            Degrees::Sparse(m) => m
                .iter()
                .filter(|&(&k, _)| (start..end).contains(&(k as usize)))
                .map(|(_, &d)| d)
                .max()
                .unwrap_or(0),
        }
    }

    fn max(&self) -> u64 {
        match self {
            Degrees::Dense(v) => v.iter().copied().max().unwrap_or(0),
            Degrees::Sparse(m) => m.values().copied().max().unwrap_or(0),
        }
    }
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
    prepared_proof_security(scheme, &PreparedCircuit::new(circuit)?)
}

/// [`whir_proof_security`] for a circuit already validated and digested (a verification
/// key's): the same figure without validating and hashing the circuit again, which on
/// VGG-16 costs more than the verification itself.
pub fn prepared_proof_security<E: WhirField>(
    scheme: &Whir<E>,
    prepared: &PreparedCircuit<'_>,
) -> Result<ProofSecurity, ProveError> {
    let circuit = prepared.circuit();
    if let Some((region, slot)) = super::committed_padding_read(circuit) {
        return Err(ProveError::ReadsCommittedPadding { region, slot });
    }
    let gkr = GkrSoundness::new(circuit, field_bits::<E>());
    let regions = committed_regions(circuit);
    let openings: Vec<WhirSecurity> = regions
        .iter()
        .map(|r| scheme.security(r.log_len, whir_points(circuit, r)))
        .collect::<Result<_, _>>()?;
    Ok(charged(openings, &regions, gkr))
}

/// p3's own convention for the challenge field: a whole-bit lower bound on `log2 |E|`.
pub(crate) fn field_bits<E: WhirField>() -> usize {
    <E as p3_field::Field>::bits().saturating_sub(1)
}

/// The soundness of a masked proof of `circuit` (a circuit of the zero-knowledge form,
/// mask table at `layout`) whose committed regions are opened with the hiding `scheme`,
/// under the Johnson bound: [`ProofSecurity`]'s formula with
///
/// * each region's hiding opening ([`crate::commit::HidingSecurity`], lamina's own
///   minimum-of-terms figure, not one p3 certifies) at its points — the private region's
///   gate points plus the mask table's point `r*`, the weights region's (with a weights
///   stock of `K = stock_size` entries) plus the stock's agreement point;
/// * GKR's terms with the masked ones ([`GkrSoundness::masked`]), charged over the
///   openings' candidate lists like the plain figure;
/// * with a stock, its agreement term `(K·L)²·w/|E|` (`L` the weights opening's Johnson
///   list, `w` the agreement point's random coordinates): the chance that two entries
///   with different weights agree at the point derived from their root;
/// * `boundary_points` more points on the private opening: a chained proof's private
///   boundaries ([`crate::zk::chain`]; their agreement terms are the chain's,
///   [`crate::zk::chain::boundary_agreement_bits`]).
///
/// Circuits with structured blocks are refused: their masked proofs batch region points
/// (protocol version 2), which this figure does not count yet.
pub fn masked_hiding_security<E: WhirField>(
    scheme: &crate::commit::HidingWhir<E>,
    circuit: &Circuit,
    layout: super::ZkLayout,
    stock_size: Option<u32>,
    boundary_points: usize,
) -> Result<ProofSecurity, ProveError>
where
    rand::distr::StandardUniform: rand::distr::Distribution<E>,
{
    if super::batch::applies(circuit) {
        return Err(ProveError::Unsupported {
            what: "a masked-proof security figure for a circuit with structured blocks",
        });
    }
    if let Some((region, slot)) = super::committed_padding_read(circuit) {
        return Err(ProveError::ReadsCommittedPadding { region, slot });
    }
    let gkr = GkrSoundness::masked(circuit, layout.table_log_len, field_bits::<E>());
    let regions = committed_regions(circuit);
    let openings: Vec<WhirSecurity> = regions
        .iter()
        .map(|r| {
            let extra = match r.kind {
                circuits::RegionKind::Private => 1 + boundary_points,
                _ => usize::from(stock_size.is_some()),
            };
            let h = scheme.security(r.log_len, region_opening_points(circuit, r) + extra)?;
            Ok(WhirSecurity {
                bits: h.bits,
                per_term_target: h.per_term_target,
                num_variables: h.num_variables,
                num_points: h.num_points,
                regime: h.regime,
                log2_max_candidates: h.log2_max_candidates,
            })
        })
        .collect::<Result<_, crate::commit::CommitError>>()?;
    let mut security = charged(openings, &regions, gkr);
    let weights = regions
        .iter()
        .position(|r| r.kind == circuits::RegionKind::Weights);
    if let (Some(k), Some(i)) = (stock_size, weights) {
        let o = &security.openings[i];
        let log_pairs = 2.0 * (f64::from(k.max(1)).log2() + o.log2_max_candidates);
        let w = (regions[i].log_len.max(2) - 1) as f64;
        let stock_bits = (field_bits::<E>() as f64 - log_pairs - w.log2()).max(0.0);
        let err = (-security.bits).exp2() + (-stock_bits).exp2();
        security.bits = -err.log2();
    }
    Ok(security)
}

/// The openings' union and GKR's terms charged over their candidate lists.
fn charged(
    openings: Vec<WhirSecurity>,
    regions: &[circuits::Region],
    gkr: GkrSoundness,
) -> ProofSecurity {
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
    ProofSecurity {
        bits: evidence.error().bits(),
        regime: "JohnsonBound",
        log2_max_candidates: evidence.log2_max_candidates,
        regions: regions.iter().map(|r| r.kind).collect(),
        openings,
        gkr,
        charged_bits,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use circuits::{AddGate, ConstGate, ConstSource, Layer, MulGate};

    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }

        fn slot(&mut self) -> u32 {
            self.below(64) as u32
        }

        fn coeff(&mut self) -> Coeff {
            if self.below(3) == 0 {
                Coeff::Challenge(0)
            } else {
                Coeff::Int(1)
            }
        }
    }

    /// Random layers of width 2^6 whose gates carry integer or challenge coefficients.
    fn random_layers(seed: u64) -> Vec<Layer> {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        (0..6)
            .map(|_| {
                let n = r.below(40);
                let mul = (0..n)
                    .map(|_| MulGate {
                        out: r.slot(),
                        in0: r.slot(),
                        in1: r.slot(),
                        coeff: r.coeff(),
                    })
                    .collect();
                let n = r.below(40);
                let add = (0..n)
                    .map(|_| AddGate {
                        out: r.slot(),
                        input: r.slot(),
                        coeff: r.coeff(),
                    })
                    .collect();
                let n = r.below(8);
                let constant = (0..n)
                    .map(|_| ConstGate {
                        out: r.slot(),
                        coeff: r.coeff(),
                        source: ConstSource::One,
                    })
                    .collect();
                Layer {
                    log_width: 6,
                    mul,
                    add,
                    constant,
                    ..Layer::default()
                }
            })
            .collect()
    }

    /// A block whose operand depends on a challenge passes the degree on: layer 1 scales
    /// four inputs by a challenge, a matmul block reads them, a mul gate multiplies two
    /// of its outputs (degree 2). Blocks once counted 0 here, overstating the figure.
    #[test]
    fn block_outputs_carry_their_operand_degree() {
        use circuits::{Block, MatMulOp, StructuredOp, TensorRef, WeightRef};
        let mut l1 = Layer::new(3);
        l1.add = (0..4)
            .map(|o| AddGate {
                out: o,
                input: 4 + o,
                coeff: Coeff::Challenge(0),
            })
            .collect();
        let mut l2 = Layer::new(2);
        l2.blocks.push(Block {
            out_offset: 0,
            op: StructuredOp::MatMul(MatMulOp {
                input: TensorRef {
                    offset: 0,
                    dims: [4, 1, 1],
                },
                weight: WeightRef {
                    offset: 0,
                    rows: 2,
                    cols: 4,
                },
                bias: None,
            }),
        });
        let mut l3 = Layer::new(1);
        l3.mul.push(MulGate {
            out: 0,
            in0: 0,
            in1: 1,
            coeff: Coeff::Int(1),
        });
        let layers = vec![l1, l2, l3];
        assert_eq!(
            layers_degree(&layers, Degrees::DENSE_PER_GATE, Degrees::DENSE_FLOOR),
            2
        );
        assert_eq!(layers_degree(&layers, 0, 0), 2);
        // Without the challenge on the operand the block adds nothing.
        let mut plain = layers.clone();
        for g in &mut plain[0].add {
            g.coeff = Coeff::Int(1);
        }
        assert_eq!(layers_degree(&plain, 0, 0), 0);
    }

    #[test]
    fn dense_and_sparse_degree_tables_agree() {
        let mut nonzero = 0;
        for seed in 1..200 {
            let layers = random_layers(seed);
            let dense = layers_degree(&layers, Degrees::DENSE_PER_GATE, Degrees::DENSE_FLOOR);
            let sparse = layers_degree(&layers, 0, 0);
            assert_eq!(dense, sparse, "seed {seed}");
            nonzero += usize::from(dense > 1);
        }
        // The random layers reach degrees above 1, so the comparison covers chains.
        assert!(nonzero > 50, "{nonzero}");
    }
}
