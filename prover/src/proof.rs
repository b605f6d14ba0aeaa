//! The proof and its versioned wire format.
//!
//! Layout (little-endian): `"LAMP" | version u32 | commitments (u32 count, 32 bytes each) |
//! layers (u32 count; each: phase-1 rounds, vx, phase-2 flag u8, [phase-2 rounds, vy]) |
//! openings (u32 count, each the scheme's encoding)`. A round is a `u32` count of
//! extension elements and the elements. Layers are listed from the output down.
//!
//! Version 2 (written only when some layer has structured blocks; a proof without blocks
//! is always version 1, byte for byte as before) appends to each layer its blocks: `u32
//! count; each: y (u32 count, elements), then [`BlockProof::encode`]`. A version-2 proof
//! whose layers have no block at all is refused as non-canonical. Version 2 also writes,
//! before the openings, the opening batches (`u32 count; each: values (u32 count,
//! elements), rounds`; see [`crate::gkr::RegionBatch`]); a version-2 proof with neither
//! blocks nor batches is non-canonical.
//!
//! The decoder rejects truncation, trailing bytes, non-canonical field elements, unknown
//! flags and lengths the remaining bytes cannot hold. It does not know the circuit: the
//! verifier checks every count against the circuit and names the mismatch.

use crate::arith::Field;
use crate::commit::{Digest, Opening};
use crate::gkr::RegionBatch;
use crate::gkr::structured::BlockProof;
use crate::sumcheck::RoundPoly;
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};

/// Magic bytes opening an encoded proof.
pub const PROOF_MAGIC: [u8; 4] = *b"LAMP";
/// Version of the proof encoding without structured blocks.
pub const PROOF_FORMAT_VERSION: u32 = 1;
/// Version of the proof encoding with structured blocks (per-layer block parts).
pub const PROOF_FORMAT_VERSION_STRUCTURED: u32 = 2;

/// The second sumcheck phase of a layer with mul gates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase2Proof<E> {
    /// Round messages over the `y` variables.
    pub rounds: Vec<RoundPoly<E>>,
    /// Claimed `Ṽ_{k−1}(ry)`.
    pub vy: E,
}

/// One layer's sumcheck messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerProof<E> {
    /// Round messages over the `x` variables.
    pub phase1: Vec<RoundPoly<E>>,
    /// Claimed `Ṽ_{k−1}(rx)`.
    pub vx: E,
    /// Present exactly when the layer has mul gates.
    pub phase2: Option<Phase2Proof<E>>,
    /// One part per structured block of the layer, in circuit order (empty for a layer
    /// of gates only).
    pub blocks: Vec<BlockPart<E>>,
}

/// A structured block's part of its layer's proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockPart<E> {
    /// `Ỹ(r_c|lo)`: the block's output at every incoming claim's low coordinates.
    pub y: Vec<E>,
    /// The aggregation (iff more than one claim) and the op sumcheck.
    pub proof: BlockProof<E>,
}

/// A GKR proof for one circuit and statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof<E, O> {
    /// One commitment per committed input region, weights first, then private.
    pub commitments: Vec<Digest>,
    /// Layer proofs, output layer first.
    pub layers: Vec<LayerProof<E>>,
    /// Protocol version 2: one opening batch per committed region with any claim, in
    /// the order of `commitments` (empty in version 1).
    pub batches: Vec<RegionBatch<E>>,
    /// One opening per committed region, in the order of `commitments`.
    pub openings: Vec<O>,
}

pub(crate) fn put_rounds<E: Field>(w: &mut Writer, rounds: &[RoundPoly<E>]) {
    w.length(rounds.len());
    for RoundPoly(evals) in rounds {
        w.length(evals.len());
        for e in evals {
            e.encode(w);
        }
    }
}

pub(crate) fn get_rounds<E: Field>(r: &mut Reader<'_>) -> Result<Vec<RoundPoly<E>>, DecodeError> {
    let n = r.length(4, "sumcheck rounds")?;
    let mut rounds = Vec::with_capacity(n);
    for _ in 0..n {
        let m = r.length(E::ENCODED_BYTES, "round evaluations")?;
        rounds.push(RoundPoly(
            (0..m).map(|_| E::decode(r)).collect::<Result<_, _>>()?,
        ));
    }
    Ok(rounds)
}

impl<E: Field, O: Opening> Proof<E, O> {
    /// The encoded proof.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        let structured =
            !self.batches.is_empty() || self.layers.iter().any(|l| !l.blocks.is_empty());
        w.bytes(&PROOF_MAGIC);
        w.u32(if structured {
            PROOF_FORMAT_VERSION_STRUCTURED
        } else {
            PROOF_FORMAT_VERSION
        });
        w.length(self.commitments.len());
        for c in &self.commitments {
            w.bytes(c);
        }
        w.length(self.layers.len());
        for l in &self.layers {
            put_rounds(&mut w, &l.phase1);
            l.vx.encode(&mut w);
            match &l.phase2 {
                None => w.u8(0),
                Some(p2) => {
                    w.u8(1);
                    put_rounds(&mut w, &p2.rounds);
                    p2.vy.encode(&mut w);
                }
            }
            if structured {
                w.length(l.blocks.len());
                for b in &l.blocks {
                    w.length(b.y.len());
                    for v in &b.y {
                        v.encode(&mut w);
                    }
                    b.proof.encode(&mut w);
                }
            }
        }
        if structured {
            w.length(self.batches.len());
            for b in &self.batches {
                w.length(b.values.len());
                for v in &b.values {
                    v.encode(&mut w);
                }
                put_rounds(&mut w, &b.rounds);
            }
        }
        w.length(self.openings.len());
        for o in &self.openings {
            o.encode(&mut w);
        }
        w.into_bytes()
    }

    /// Decodes a proof strictly. Never panics.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        if r.take(4, "magic")? != PROOF_MAGIC {
            return Err(DecodeError::Magic {
                expected: PROOF_MAGIC,
            });
        }
        let version_at = r.offset();
        let version = r.u32("version")?;
        let structured = match version {
            PROOF_FORMAT_VERSION => false,
            PROOF_FORMAT_VERSION_STRUCTURED => true,
            _ => {
                return Err(DecodeError::Version {
                    what: "proof",
                    got: version,
                    supported: &[PROOF_FORMAT_VERSION, PROOF_FORMAT_VERSION_STRUCTURED],
                });
            }
        };
        let n = r.length(32, "commitments")?;
        let commitments = (0..n)
            .map(|_| r.digest("commitment"))
            .collect::<Result<_, _>>()?;
        let n = r.length(4 + E::ENCODED_BYTES + 1, "layers")?;
        let mut layers = Vec::with_capacity(n);
        for _ in 0..n {
            let phase1 = get_rounds(&mut r)?;
            let vx = E::decode(&mut r)?;
            let offset = r.offset();
            let phase2 = match r.u8("phase-2 flag")? {
                0 => None,
                1 => {
                    let rounds = get_rounds(&mut r)?;
                    Some(Phase2Proof {
                        rounds,
                        vy: E::decode(&mut r)?,
                    })
                }
                tag => {
                    return Err(DecodeError::Tag {
                        tag,
                        what: "phase-2 flag",
                        offset,
                    });
                }
            };
            let mut blocks = Vec::new();
            if structured {
                // A block part is at least a y count, a flag, a flag, a round count, a*
                // and a slab count.
                let n = r.length(4 + 1 + 1 + 4 + E::ENCODED_BYTES + 4, "blocks")?;
                blocks.reserve_exact(n);
                for _ in 0..n {
                    let m = r.length(E::ENCODED_BYTES, "block output values")?;
                    let y = (0..m)
                        .map(|_| E::decode(&mut r))
                        .collect::<Result<_, _>>()?;
                    blocks.push(BlockPart {
                        y,
                        proof: BlockProof::decode(&mut r)?,
                    });
                }
            }
            layers.push(LayerProof {
                phase1,
                vx,
                phase2,
                blocks,
            });
        }
        let mut batches = Vec::new();
        if structured {
            let n = r.length(4 + 4, "opening batches")?;
            batches.reserve_exact(n);
            for _ in 0..n {
                let m = r.length(E::ENCODED_BYTES, "batched values")?;
                let values = (0..m)
                    .map(|_| E::decode(&mut r))
                    .collect::<Result<_, _>>()?;
                let rounds = get_rounds(&mut r)?;
                batches.push(RegionBatch { values, rounds });
            }
        }
        if structured && batches.is_empty() && layers.iter().all(|l| l.blocks.is_empty()) {
            // Its canonical encoding is version 1.
            return Err(DecodeError::NonCanonical { offset: version_at });
        }
        let n = r.length(4, "openings")?;
        let openings = (0..n)
            .map(|_| O::decode(&mut r))
            .collect::<Result<_, _>>()?;
        r.finish()?;
        Ok(Proof {
            commitments,
            layers,
            batches,
            openings,
        })
    }
}
