//! Structured operations (matrix product, convolution) proven by their own degree-2
//! sumchecks instead of one gate per multiply-accumulate (design:
//! `docs/design/structured-layers.md` §2.5, §3.2 steps 3a–3d, §4).
//!
//! The description of an op lives in `circuits` ([`circuits::Conv2dOp`],
//! [`circuits::MatMulOp`]); this module holds the prover's tables and the verifier's final
//! check behind one small trait, [`Structured`], and a driver written once over it:
//!
//! 1. [`prove_aggregate`] / [`verify_aggregate`]: `C > 1` claims `(r_c, y_c)` on the output
//!    `Y` become one claim `Ỹ(ρ) = y*` (`Σ_z [Σ_c β^c eq(r_c, z)]·Ỹ(z)`, `β` drawn after the
//!    `y_c` are absorbed, which is the caller's job: label [`BLOCK_Y`]).
//! 2. [`prove_op`] / [`verify_op`]: the bias value `b*` (absorbed), then the op sumcheck
//!    `y* − b*·M(ρ) = Σ_a f(a)·h(a)` and the final values `a*`, `ω` (one absorb), checked as
//!    `v = a*·final_factor(ρ, e, ω)`.
//! 3. [`prove_block`] / [`verify_block`]: both, as one GKR block runs them (aggregation iff
//!    `C > 1`).
//!
//! Every count the verifier uses comes from the op ([`Structured::geometry`]), never from
//! the proof; every proof length is checked before use; errors are typed
//! ([`StructuredError`]). The claims left over ([`BlockClaims`]) are on the operand tensor
//! (its own variables) and on the weights region (region-relative slots), for the layer
//! loop and the weights opening to discharge.

mod aggregate;
mod conv;
mod masked;
mod matmul;

pub use aggregate::{AggregateProof, prove_aggregate, verify_aggregate};
pub use conv::ConvDetail;
pub use masked::{
    BlockMasks, BlockSlots, output_in_layer_claim, output_value, prove_block_masked,
    verify_block_masked,
};
pub use matmul::MatMulDetail;

use crate::arith::{ExtensionField, Field};
use crate::mle::SplitEq;
use crate::sumcheck::{self, ProductSumcheck, RoundPoly, SumcheckError, Table};
use crate::transcript::Transcript;
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use thiserror::Error;

/// Transcript labels of the structured sub-protocols (kept here, beside their only users).
pub mod labels {
    /// The values `Ỹ(r_c)` a block's output claims carry (absorbed by the layer loop).
    pub const BLOCK_Y: &[u8] = b"block-y";
    /// The aggregation coefficient `β`.
    pub const BLOCK_BETA: &[u8] = b"block-beta";
    /// `Ỹ(ρ)` at the end of the aggregation sumcheck.
    pub const BLOCK_Y_AT: &[u8] = b"block-y-at";
    /// The bias value `b̃(ρ_co)`.
    pub const BLOCK_BIAS: &[u8] = b"block-bias";
    /// The op sumcheck's final values: the operand value, then the slab values.
    pub const BLOCK_FINAL: &[u8] = b"block-final";
}

pub use labels::BLOCK_Y;

/// Largest number of variables of any table an op describes: the prover allocates
/// `2^vars` entries, so geometry past this is refused rather than shifted into overflow.
pub const MAX_VARS: usize = 40;

/// Which sumcheck of a block failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The aggregation sumcheck (§3.2 step 3a).
    Aggregate,
    /// The op sumcheck (§3.2 step 3c).
    Op,
}

/// Why a structured op refused to prove, or a block proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StructuredError {
    /// The op's geometry is invalid (empty output, overflow, mismatched dimensions).
    #[error("invalid structured op: {what}")]
    Op {
        /// What is wrong.
        what: &'static str,
    },
    /// A prover input (operand, weights, output values) has the wrong length.
    #[error("{what}: expected {expected} values, got {got}")]
    Length {
        /// Which input.
        what: &'static str,
        /// Length the op needs.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// A proof part or a claim does not have the shape the op fixes.
    #[error("block proof shape: {what}: expected {expected}, got {got}")]
    Shape {
        /// Which part.
        what: &'static str,
        /// What the op fixes.
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// A sumcheck transcript is rejected.
    #[error("{stage:?} sumcheck: {source}")]
    Sumcheck {
        /// Which sumcheck.
        stage: Stage,
        /// The sumcheck's reason.
        source: SumcheckError,
    },
    /// A depthwise slab point is undefined: a challenge coordinate pair `(e_i, ρ_i)` has
    /// `e_i·ρ_i + (1 − e_i)(1 − ρ_i) = 0`. Happens with probability about `n/|F|`
    /// (negligible); refused rather than computed wrongly.
    #[error("degenerate challenge point for a depthwise slab claim")]
    DegeneratePoint,
    /// A sumcheck's final value disagrees with the values the proof sends.
    #[error("{stage:?} sumcheck: final value does not match the claimed evaluations")]
    Final {
        /// Which sumcheck.
        stage: Stage,
    },
}

/// A slot in the weights region: a region-relative offset and `log2` of its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightSlot {
    /// Offset relative to the weights region.
    pub offset: u32,
    /// `log2` of the slot's (padded) length.
    pub log_len: u8,
}

impl WeightSlot {
    /// The slot's values inside `weights`, or a typed error if the region is too short.
    fn slice<'w, F>(&self, weights: &'w [F]) -> Result<&'w [F], StructuredError> {
        let start = self.offset as usize;
        let end = start + (1usize << self.log_len);
        weights.get(start..end).ok_or(StructuredError::Length {
            what: "weights region",
            expected: end,
            got: weights.len(),
        })
    }
}

/// Every count of an op that the prover and the verifier derive from its description:
/// the verifier takes these, never the proof's lengths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Geometry<D> {
    /// Variables of the padded output `Y` (the point `ρ` has this many coordinates).
    pub out_vars: usize,
    /// The top `channel_vars` variables of `Y` index the output channel (the bias point).
    pub channel_vars: usize,
    /// Variables of the padded operand tensor.
    pub operand_vars: usize,
    /// Rounds of the op sumcheck.
    pub rounds: usize,
    /// The weight slabs whose values the proof sends (conv: one per tap; matmul: one).
    pub slabs: Vec<WeightSlot>,
    /// The bias vector, if the op has one.
    pub bias: Option<WeightSlot>,
    /// The op's own sizes, for its tables and final factor.
    pub detail: D,
}

impl<D> Geometry<D> {
    /// Checks the prover's operand and weights against the geometry.
    pub fn check_inputs<F>(&self, operand: &[F], weights: &[F]) -> Result<(), StructuredError> {
        let want = 1usize << self.operand_vars;
        if operand.len() != want {
            return Err(StructuredError::Length {
                what: "operand",
                expected: want,
                got: operand.len(),
            });
        }
        for s in self.slabs.iter().chain(&self.bias) {
            s.slice(weights)?;
        }
        Ok(())
    }

    /// `ρ_co`: the channel coordinates of a point on `Y`.
    fn channel_point<'p, E>(&self, rho: &'p [E]) -> &'p [E] {
        &rho[self.out_vars - self.channel_vars..]
    }
}

/// The op sumcheck's tables for the prover: `Σ_a f(a)·h(a)` and what the slab values are
/// computed from afterwards.
#[derive(Debug)]
pub struct OpTables<'a, F: Field, E: Field> {
    /// The operand side (borrowed base values when no fold is needed).
    pub f: Table<'a, F, E>,
    /// The weights-and-wiring side (conv: `G`; matmul: `Wr`).
    pub h: Vec<E>,
    /// Op-specific intermediates kept for [`Structured::slab_values`] (conv: the folded
    /// slabs `Wr_kk`).
    pub aux: Vec<E>,
}

/// A structured operation: its field evaluation and sumcheck tables for the prover, its
/// final check for the verifier. Implemented for [`circuits::Conv2dOp`] (`conv.rs`) and
/// [`circuits::MatMulOp`] (`matmul.rs`).
///
/// Point conventions (LSB-first, as [`crate::mle`]): `ρ` is a point on `Y`'s variables,
/// `e` the op sumcheck's end point; everything else is derived from them.
pub trait Structured {
    /// The op's own sizes, derived once by [`Structured::geometry`].
    type Detail: Clone + std::fmt::Debug;

    /// Validates the op and derives every count.
    fn geometry(&self) -> Result<Geometry<Self::Detail>, StructuredError>;

    /// `Y` in the field, every padded slot as the op's sumcheck defines it (the block's
    /// meaning, documented on [`circuits::Conv2dOp`] and [`circuits::MatMulOp`]; padding of
    /// the operand and the weights included), from the padded operand and the whole
    /// weights region. Parallel over output channels, deterministic.
    fn evaluate_field<F: Field>(
        &self,
        geo: &Geometry<Self::Detail>,
        operand: &[F],
        weights: &[F],
    ) -> Result<Vec<F>, StructuredError>;

    /// Prover: the op sumcheck's tables at `ρ`.
    fn tables<'a, F: Field, E: ExtensionField<F>>(
        &self,
        geo: &Geometry<Self::Detail>,
        rho: &[E],
        operand: &'a [F],
        weights: &[F],
    ) -> Result<OpTables<'a, F, E>, StructuredError>;

    /// Prover: the slab values `ω` at `point` (from [`Structured::slab_point`]), from the
    /// tables' intermediates (`aux`), `h`'s final value or the weights.
    fn slab_values<F: Field, E: ExtensionField<F>>(
        &self,
        geo: &Geometry<Self::Detail>,
        aux: &[E],
        point: &[E],
        end: &[E],
        final_h: E,
        weights: &[F],
    ) -> Result<Vec<E>, StructuredError>;

    /// Verifier: the bias mask `M(ρ)`, `Σ eq(ρ, ·)` over the output positions a bias
    /// reaches, per output channel.
    fn bias_mask<E: Field>(&self, geo: &Geometry<Self::Detail>, rho: &[E]) -> E;

    /// Verifier: `h̃(e)` from the slab values (the §4.3 wiring evaluation for conv).
    fn final_factor<E: Field>(
        &self,
        geo: &Geometry<Self::Detail>,
        rho: &[E],
        end: &[E],
        slabs: &[E],
    ) -> E;

    /// Both: the point on the operand tensor's variables where `a*` is claimed.
    fn operand_point<E: Field>(&self, geo: &Geometry<Self::Detail>, rho: &[E], end: &[E])
    -> Vec<E>;

    /// Both: the point on every slab's variables where its `ω` is claimed (all slabs of
    /// one op share it).
    fn slab_point<E: Field>(
        &self,
        geo: &Geometry<Self::Detail>,
        rho: &[E],
        end: &[E],
    ) -> Result<Vec<E>, StructuredError>;
}

/// A claim `Ṽ(point) = value` on a table's own variables.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a claim must be discharged"]
pub struct Claim<E> {
    /// The point, LSB-first.
    pub point: Vec<E>,
    /// The claimed value.
    pub value: E,
}

/// A deferred claim on a slot of the weights region, checked by the weights opening.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a weights claim must be discharged by the weights opening"]
pub struct WeightClaim<E> {
    /// The slot.
    pub slot: WeightSlot,
    /// The point on the slot's `log_len` variables.
    pub point: Vec<E>,
    /// The claimed value.
    pub value: E,
}

/// What a block leaves to check: one claim on its operand, one per slab and one for the
/// bias (slabs first, bias last).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a block's claims must be discharged"]
pub struct BlockClaims<E> {
    /// The op sumcheck's end point.
    pub end: Vec<E>,
    /// The claim on the operand tensor.
    pub operand: Claim<E>,
    /// The claims on the weights region.
    pub weights: Vec<WeightClaim<E>>,
}

/// The op sumcheck's messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpProof<E> {
    /// `b̃(ρ_co)`, present iff the op has a bias.
    pub bias: Option<E>,
    /// The op sumcheck's round messages.
    pub rounds: Vec<RoundPoly<E>>,
    /// The operand value `a*` at the end point.
    pub operand: E,
    /// The slab values `ω`, one per slab.
    pub slabs: Vec<E>,
}

/// One block's messages: the aggregation (iff `C > 1`), then the op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockProof<E> {
    /// The aggregation sumcheck, present iff the block receives more than one claim.
    pub aggregate: Option<AggregateProof<E>>,
    /// The op sumcheck.
    pub op: OpProof<E>,
}

/// Proves the op on the claim `Ỹ(ρ) = y*` (already absorbed by the caller; `ρ` bound by
/// the transcript): bias, op sumcheck, final values.
pub fn prove_op<S: Structured, F: Field, E: ExtensionField<F>>(
    op: &S,
    claim: &Claim<E>,
    operand: &[F],
    weights: &[F],
    t: &mut Transcript,
) -> Result<(OpProof<E>, BlockClaims<E>), StructuredError> {
    prove_op_with(op, claim, operand, weights, t, |inst, t| {
        Ok(sumcheck::prove(inst, t))
    })
}

/// The op's prover with the sumcheck run by `run` (plain, or masked by
/// [`masked`]): bias, op sumcheck, final values.
pub(crate) fn prove_op_with<S: Structured, F: Field, E: ExtensionField<F>>(
    op: &S,
    claim: &Claim<E>,
    operand: &[F],
    weights: &[F],
    t: &mut Transcript,
    run: impl FnOnce(
        &mut ProductSumcheck<'_, F, E>,
        &mut Transcript,
    ) -> Result<(Vec<RoundPoly<E>>, Vec<E>), StructuredError>,
) -> Result<(OpProof<E>, BlockClaims<E>), StructuredError> {
    let geo = op.geometry()?;
    geo.check_inputs(operand, weights)?;
    check_len("point on Y", geo.out_vars, claim.point.len())?;
    let rho = &claim.point;
    let bias = match &geo.bias {
        Some(slot) => {
            let b = crate::mle::evaluate_base(slot.slice(weights)?, geo.channel_point(rho));
            t.absorb_field(labels::BLOCK_BIAS, &[b]);
            Some(b)
        }
        None => None,
    };
    let OpTables { f, h, aux } = op.tables(&geo, rho, operand, weights)?;
    let mut inst = ProductSumcheck::new(f, h);
    let (rounds, end) = run(&mut inst, t)?;
    let a = inst.final_f();
    let point = op.slab_point(&geo, rho, &end)?;
    let slabs = op.slab_values(&geo, &aux, &point, &end, inst.final_h(), weights)?;
    absorb_final(t, a, &slabs);
    let claims = claims(op, &geo, rho, end, point, a, &slabs, bias);
    Ok((
        OpProof {
            bias,
            rounds,
            operand: a,
            slabs,
        },
        claims,
    ))
}

/// Verifies the op on the claim `Ỹ(ρ) = y*` the verifier holds; returns the claims the
/// prover's run returns.
pub fn verify_op<S: Structured, E: Field>(
    op: &S,
    claim: &Claim<E>,
    proof: &OpProof<E>,
    t: &mut Transcript,
) -> Result<BlockClaims<E>, StructuredError> {
    let geo = op.geometry()?;
    check_len("point on Y", geo.out_vars, claim.point.len())?;
    check_len(
        "bias value",
        usize::from(geo.bias.is_some()),
        usize::from(proof.bias.is_some()),
    )?;
    check_len("slab values", geo.slabs.len(), proof.slabs.len())?;
    let rho = &claim.point;
    let mut target = claim.value;
    if let Some(b) = proof.bias {
        t.absorb_field(labels::BLOCK_BIAS, &[b]);
        target -= b * op.bias_mask(&geo, rho);
    }
    let sub = sumcheck::verify(target, geo.rounds, 2, &proof.rounds, t).map_err(|source| {
        StructuredError::Sumcheck {
            stage: Stage::Op,
            source,
        }
    })?;
    absorb_final(t, proof.operand, &proof.slabs);
    let point = op.slab_point(&geo, rho, &sub.point)?;
    if sub.value != proof.operand * op.final_factor(&geo, rho, &sub.point, &proof.slabs) {
        return Err(StructuredError::Final { stage: Stage::Op });
    }
    Ok(claims(
        op,
        &geo,
        rho,
        sub.point,
        point,
        proof.operand,
        &proof.slabs,
        proof.bias,
    ))
}

/// Proves one block: aggregation of `claims` on `y` (the padded output, as
/// [`Structured::evaluate_field`] writes it) iff there is more than one, then the op. The
/// claims' values must already be absorbed (label [`BLOCK_Y`]).
pub fn prove_block<S: Structured, F: Field, E: ExtensionField<F>>(
    op: &S,
    claims: &[Claim<E>],
    y: &[F],
    operand: &[F],
    weights: &[F],
    t: &mut Transcript,
) -> Result<(BlockProof<E>, BlockClaims<E>), StructuredError> {
    let (aggregate, at) = match claims {
        [] => return Err(shape("output claims", 1, 0)),
        [one] => (None, one.clone()),
        _ => {
            let (p, at) = prove_aggregate(y, claims, t)?;
            (Some(p), at)
        }
    };
    let (op_proof, out) = prove_op(op, &at, operand, weights, t)?;
    Ok((
        BlockProof {
            aggregate,
            op: op_proof,
        },
        out,
    ))
}

/// Verifies one block against the output claims the verifier holds.
pub fn verify_block<S: Structured, E: Field>(
    op: &S,
    claims: &[Claim<E>],
    proof: &BlockProof<E>,
    t: &mut Transcript,
) -> Result<BlockClaims<E>, StructuredError> {
    let geo = op.geometry()?;
    let at = match (claims, &proof.aggregate) {
        ([], _) => return Err(shape("output claims", 1, 0)),
        ([one], None) => one.clone(),
        ([_], Some(_)) => return Err(shape("aggregation rounds present", 0, 1)),
        (_, None) => return Err(shape("aggregation rounds present", 1, 0)),
        (_, Some(p)) => verify_aggregate(geo.out_vars, claims, p, t)?,
    };
    verify_op(op, &at, &proof.op, t)
}

fn shape(what: &'static str, expected: usize, got: usize) -> StructuredError {
    StructuredError::Shape {
        what,
        expected,
        got,
    }
}

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), StructuredError> {
    if expected == got {
        Ok(())
    } else {
        Err(shape(what, expected, got))
    }
}

/// One absorb for `a*` and every `ω`: all are fixed before the next challenge.
fn absorb_final<E: Field>(t: &mut Transcript, operand: E, slabs: &[E]) {
    let mut v = Vec::with_capacity(1 + slabs.len());
    v.push(operand);
    v.extend_from_slice(slabs);
    t.absorb_field(labels::BLOCK_FINAL, &v);
}

#[allow(clippy::too_many_arguments)]
fn claims<S: Structured, E: Field>(
    op: &S,
    geo: &Geometry<S::Detail>,
    rho: &[E],
    end: Vec<E>,
    slab_point: Vec<E>,
    operand: E,
    slabs: &[E],
    bias: Option<E>,
) -> BlockClaims<E> {
    let mut weights: Vec<WeightClaim<E>> = geo
        .slabs
        .iter()
        .zip(slabs)
        .map(|(&slot, &value)| WeightClaim {
            slot,
            point: slab_point.clone(),
            value,
        })
        .collect();
    if let (Some(slot), Some(value)) = (geo.bias, bias) {
        weights.push(WeightClaim {
            slot,
            point: geo.channel_point(rho).to_vec(),
            value,
        });
    }
    BlockClaims {
        operand: Claim {
            point: op.operand_point(geo, rho, &end),
            value: operand,
        },
        end,
        weights,
    }
}

/// `Σ_{o < n} eq(r, o)` from a split eq table: the mass of the valid prefix of an axis.
fn prefix_mass<E: Field>(r: &[E], n: u32) -> E {
    let eq = SplitEq::new(r, E::ONE);
    (0..n as usize).map(|o| eq.get(o)).sum()
}

/// `log2` of the padded size of a dimension, refusing zero and overflow.
fn log_dim(n: u32, what: &'static str) -> Result<usize, StructuredError> {
    if n == 0 {
        return Err(StructuredError::Op { what });
    }
    circuits::structured::padded_log(n)
        .map(usize::from)
        .ok_or(StructuredError::Op { what })
}

fn put_rounds<E: Field>(w: &mut Writer, rounds: &[RoundPoly<E>]) {
    w.length(rounds.len());
    for RoundPoly(evals) in rounds {
        w.length(evals.len());
        for e in evals {
            e.encode(w);
        }
    }
}

fn get_rounds<E: Field>(r: &mut Reader<'_>) -> Result<Vec<RoundPoly<E>>, DecodeError> {
    let n = r.length(4, "block sumcheck rounds")?;
    let mut rounds = Vec::with_capacity(n);
    for _ in 0..n {
        let m = r.length(E::ENCODED_BYTES, "block round evaluations")?;
        rounds.push(RoundPoly(
            (0..m).map(|_| E::decode(r)).collect::<Result<_, _>>()?,
        ));
    }
    Ok(rounds)
}

fn get_flag(r: &mut Reader<'_>, what: &'static str) -> Result<bool, DecodeError> {
    let offset = r.offset();
    match r.u8(what)? {
        0 => Ok(false),
        1 => Ok(true),
        tag => Err(DecodeError::Tag { tag, what, offset }),
    }
}

impl<E: Field> BlockProof<E> {
    /// Appends the canonical encoding: `aggregate flag u8 [rounds, y_at] | bias flag u8
    /// [b*] | rounds | a* | u32 count, ω…`; a round is a `u32` count and its evaluations.
    pub fn encode(&self, w: &mut Writer) {
        match &self.aggregate {
            None => w.u8(0),
            Some(a) => {
                w.u8(1);
                put_rounds(w, &a.rounds);
                a.y_at.encode(w);
            }
        }
        match &self.op.bias {
            None => w.u8(0),
            Some(b) => {
                w.u8(1);
                b.encode(w);
            }
        }
        put_rounds(w, &self.op.rounds);
        self.op.operand.encode(w);
        w.length(self.op.slabs.len());
        for s in &self.op.slabs {
            s.encode(w);
        }
    }

    /// Reads an encoding strictly (unknown flags, non-canonical elements and lengths the
    /// remaining bytes cannot hold are errors). Never panics.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let aggregate = if get_flag(r, "aggregation flag")? {
            let rounds = get_rounds(r)?;
            Some(AggregateProof {
                rounds,
                y_at: E::decode(r)?,
            })
        } else {
            None
        };
        let bias = if get_flag(r, "bias flag")? {
            Some(E::decode(r)?)
        } else {
            None
        };
        let rounds = get_rounds(r)?;
        let operand = E::decode(r)?;
        let n = r.length(E::ENCODED_BYTES, "slab values")?;
        let slabs = (0..n).map(|_| E::decode(r)).collect::<Result<_, _>>()?;
        Ok(BlockProof {
            aggregate,
            op: OpProof {
                bias,
                rounds,
                operand,
                slabs,
            },
        })
    }

    /// The encoding alone.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_bytes()
    }

    /// Decodes exactly one block proof; trailing bytes are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let p = Self::decode(&mut r)?;
        r.finish()?;
        Ok(p)
    }
}
