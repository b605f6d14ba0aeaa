//! Zero-knowledge proofs of gate circuits: the first end-to-end composition of issue 10's
//! parts (`docs/design/zero-knowledge.md`), with the model's weights hidden by a weights
//! stock ([`super::stock`]).
//!
//! **What is composed.** [`ZkCircuit::new`] turns a circuit into its zero-knowledge form
//! (`circuits::zk::with_noise`: layer noise relayed up, input noise, the mask table);
//! [`prove_zk`] proves that form with every GKR sumcheck masked
//! ([`crate::gkr::prove_masked`]) and commits the private region with hiding WHIR
//! ([`crate::commit::HidingWhir`] through [`crate::commit::OpenOnce`]), opened once at
//! every point GKR and the inner product leave on it. A circuit with a weights region
//! opens one entry of the key's [`WeightsStock`] instead of a fixed commitment, at GKR's
//! points and the stock's agreement point. [`verify_zk`] checks it all. The proof is a
//! [`MaskedProof`] whose openings are hiding.
//!
//! **What the verifier sees, and what hides it** (the design's §3.1–3.4):
//! - round polynomials of every sumcheck: uniform given the in-clear checks (round masks
//!   in the table's lower half, committed before any challenge);
//! - `vx`, `vy` of every layer below the output: uniform (layer noise);
//! - the private region's evaluations at GKR's input points: uniform (input noise, 8 slots
//!   read by nothing, against 6 revealed base coordinates);
//! - the weights region's evaluations at GKR's points: uniform (the entry's fresh noise
//!   `N_i`, 16 slots); at the agreement point: the key's `y_eq` (masked by the key noise);
//! - the inner product's `σ`, rounds and the table's value at its point: uniform (the
//!   table's slack half);
//! - the hiding opening: its stated evaluations (above) and nothing else (p3's HVZK).
//!
//! The public input, the public outputs, the circuit and the proof's length are the
//! statement and leak by design. The guarantee is honest-verifier zero knowledge made
//! non-interactive by Fiat–Shamir (BLAKE3 as a random oracle), computational through the
//! commitment's Merkle hiding; the arguments are the design's §3 and §8, not a proof
//! reviewed by a third party.
//!
//! **Refused** ([`ZkRefusal`]), because a masked proof of them would reveal something:
//! structured blocks, whose operand, slab and bias claims fall on sub-cubes no noise
//! reaches (design §3.6 item 3).
//!
//! **Randomness.** One [`ZkRng`] per proof: its first 32 bytes seed the masks and the
//! noise, the next 32 the commitment's encoding randomness. A seeded proof is
//! reproducible; production proofs use [`ZkRng::System`].

use super::proof::MaskedProof;
use super::stock::{self, StockKey, WeightsStock};
use crate::arith::{ExtensionField, Field, Goldilocks, GoldilocksExt3};
use crate::commit::{
    HidingOpening, HidingWhir, OnceData, OpenOnce, ProofSecurity, ZkRng, hiding::HidingParams,
};
use crate::error::{ProveError, VerifyError};
use crate::gkr::{self, PreparedCircuit, Witness, ZkArgs, ZkLayout};
use crate::statement::Statement;
use circuits::boundary::Boundaries;
use circuits::zk::{WeightsNoise, ZkTransformError};
use circuits::{Circuit, RegionKind};
use rand::Rng;
use thiserror::Error;

/// The challenge field of zero-knowledge proofs (as the binding WHIR default).
pub type ZkExt = GoldilocksExt3;
/// A zero-knowledge proof: masked GKR, its inner product, and hiding openings.
pub type ZkProof = MaskedProof<ZkExt, HidingOpening<ZkExt>>;

/// Why a circuit has no zero-knowledge proof here.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ZkRefusal {
    /// A layer has structured blocks.
    #[error(
        "layer {layer} has structured blocks: their operand, slab and bias claims are revealed (zero-knowledge design §3.6 item 3)"
    )]
    Blocks {
        /// The first such layer.
        layer: usize,
    },
    /// The circuit has no zero-knowledge form.
    #[error("{0}")]
    Transform(#[from] ZkTransformError),
}

/// A circuit in zero-knowledge form, ready to prove and verify: built by prover and
/// verifier alike from the original circuit, so the layout is never read from a proof.
#[derive(Clone, Debug)]
pub struct ZkCircuit {
    prepared: PreparedCircuit<'static>,
    layout: ZkLayout,
    private_len: usize,
    weights: Option<WeightsNoise>,
    boundaries: Boundaries,
}

impl ZkCircuit {
    /// The zero-knowledge form of `original`, or why it has none.
    pub fn new(original: &Circuit) -> Result<Self, ZkRefusal> {
        Self::with_boundaries(original, false, false)
    }

    /// The zero-knowledge form of `original` with its input (`input`) and its outputs
    /// (`output`) private ([`circuits::boundary`]): a slice of a chain proven by
    /// [`super::chain`], whose neighbours' proofs show the same values.
    pub fn with_boundaries(
        original: &Circuit,
        input: bool,
        output: bool,
    ) -> Result<Self, ZkRefusal> {
        if let Some(k) = original.layers.iter().position(|l| !l.blocks.is_empty()) {
            return Err(ZkRefusal::Blocks { layer: k + 1 });
        }
        let (bounded, boundaries) =
            circuits::boundary::with_private_boundaries(original, input, output)?;
        let (noisy_weights, weights) = match bounded.input.region(RegionKind::Weights) {
            Some(_) => {
                let (c, n) = circuits::zk::with_weights_noise(&bounded)?;
                (Some(c), Some(n))
            }
            None => (None, None),
        };
        let (circuit, layout) = circuits::zk::with_noise(
            noisy_weights.as_ref().unwrap_or(&bounded),
            <ZkExt as ExtensionField<Goldilocks>>::DEGREE,
        )?;
        let (prepared, _) =
            PreparedCircuit::with_bytes(circuit).map_err(ZkTransformError::Invalid)?;
        Ok(ZkCircuit {
            prepared,
            layout,
            private_len: original.input.len_of(RegionKind::Private),
            weights,
            boundaries,
        })
    }

    /// Where the private boundaries lie (none for [`ZkCircuit::new`]'s forms).
    pub fn boundaries(&self) -> Boundaries {
        self.boundaries
    }

    /// The private region of the zero-knowledge form.
    pub(super) fn private_region(&self) -> Option<circuits::Region> {
        self.circuit().input.region(RegionKind::Private).copied()
    }

    /// The private commitment of a proof of this form (the last one; `None` if the form
    /// has no private region or the proof does not carry one commitment per committed
    /// region of the form).
    pub fn private_commitment<'p>(&self, proof: &'p ZkProof) -> Option<&'p [u8; 32]> {
        self.private_region()?;
        let commitments = &proof.proof.commitments;
        if commitments.len() != gkr::committed_regions(self.circuit()).len() {
            return None;
        }
        commitments.last()
    }

    /// The circuit digest the transcript binds.
    pub fn digest(&self) -> &circuits::CircuitDigest {
        self.prepared.digest()
    }

    /// Where the weights region's noise lies, if the circuit has weights.
    pub fn weights_noise(&self) -> Option<WeightsNoise> {
        self.weights
    }

    /// The zero-knowledge form (what the transcript binds).
    pub fn circuit(&self) -> &Circuit {
        self.prepared.circuit()
    }

    /// Where the noise and the mask table lie.
    pub fn layout(&self) -> ZkLayout {
        self.layout
    }

    /// The soundness of its proofs ([`gkr::masked_hiding_security`], the private opening
    /// with one more point per private boundary); `stock_size` is the weights stock's
    /// size (required exactly when the circuit has weights). A chain adds its boundaries'
    /// agreement terms ([`super::chain::boundary_agreement_bits`]).
    pub fn security(&self, stock_size: Option<u32>) -> Result<ProofSecurity, ProveError> {
        if self.weights.is_some() != stock_size.is_some() {
            return Err(ProveError::Stock(
                "a stock size is given exactly for circuits with weights",
            ));
        }
        let b = self.boundaries;
        let boundary_points = usize::from(b.input.is_some()) + usize::from(b.output.is_some());
        gkr::masked_hiding_security(
            hiding_scheme(),
            self.circuit(),
            self.layout,
            stock_size,
            boundary_points,
        )
    }
}

/// The default hiding scheme, shared (its DFT twiddles are computed once per process).
pub fn hiding_scheme() -> &'static HidingWhir<ZkExt> {
    static SCHEME: std::sync::OnceLock<HidingWhir<ZkExt>> = std::sync::OnceLock::new();
    SCHEME.get_or_init(|| HidingWhir::new(HidingParams::default()))
}

/// The weights stock entry a proof opens.
#[derive(Clone, Copy, Debug)]
pub struct StockUse<'a> {
    /// The model's stock (built with the key).
    pub stock: &'a WeightsStock,
    /// The entry: never one another proof opened ([`WeightsStock::next_unused`]).
    pub index: u32,
}

/// Proves `zk` on `witness`, given for the *original* circuit (its public input, its
/// weights and its private values), in zero knowledge; a circuit with weights opens
/// `stock`'s entry. Returns the proof and the public outputs. A form with private
/// boundaries is proven in a chain ([`super::chain::prove_chain`]).
pub fn prove_zk(
    zk: &ZkCircuit,
    witness: &Witness<'_, Goldilocks>,
    context: &[u8],
    rng: &ZkRng,
    stock: Option<StockUse<'_>>,
) -> Result<(ZkProof, Vec<Goldilocks>), ProveError> {
    if zk.boundaries.any() {
        return Err(ProveError::Chain(
            "a form with private boundaries is proven in a chain",
        ));
    }
    let private = zk.lay_out(witness.private, [None, None])?;
    let seeds = Seeds::draw(rng)?;
    prove_laid_out(
        zk,
        witness.public,
        witness.weights,
        &private,
        context,
        &seeds,
        stock,
        &[],
        None,
    )
}

/// A boundary's values and its noise, laid out into its sub-cube.
pub(super) type BoundaryFill<'a> = Option<(&'a [Goldilocks], &'a [Goldilocks])>;

/// One proof's secret seeds: its masks and noise, and its commitment's randomness.
#[derive(Clone)]
pub(super) struct Seeds {
    pub mask: [u8; 32],
    pub commit: [u8; 32],
}

impl Seeds {
    pub(super) fn draw(rng: &ZkRng) -> Result<Seeds, ProveError> {
        let mut stream = rng.chacha()?;
        let mut mask = [0u8; 32];
        stream.fill_bytes(&mut mask);
        let mut commit = [0u8; 32];
        stream.fill_bytes(&mut commit);
        Ok(Seeds { mask, commit })
    }
}

impl ZkCircuit {
    /// The zero-knowledge form's private values: the original's in place, the boundaries'
    /// values and noise in their sub-cubes (`fills`: input, output), zeros for the rest
    /// (the prover fills the layer noise and the table).
    pub(super) fn lay_out(
        &self,
        private: &[Goldilocks],
        fills: [BoundaryFill<'_>; 2],
    ) -> Result<Vec<Goldilocks>, ProveError> {
        if private.len() != self.private_len {
            return Err(ProveError::Length {
                what: "private values",
                expected: self.private_len,
                got: private.len(),
            });
        }
        let mut out = private.to_vec();
        out.resize(
            self.circuit().input.len_of(RegionKind::Private),
            Goldilocks::ZERO,
        );
        let cubes = [self.boundaries.input, self.boundaries.output];
        for (cube, fill) in cubes.iter().zip(fills) {
            match (cube, fill) {
                (None, None) => {}
                (Some(cube), Some((values, noise))) => {
                    let (at, n) = (cube.offset as usize, cube.len as usize);
                    if values.len() != n {
                        return Err(ProveError::Length {
                            what: "boundary values",
                            expected: n,
                            got: values.len(),
                        });
                    }
                    let slots = circuits::boundary::BOUNDARY_NOISE as usize;
                    if noise.len() != slots {
                        return Err(ProveError::Length {
                            what: "boundary noise",
                            expected: slots,
                            got: noise.len(),
                        });
                    }
                    out[at..at + n].copy_from_slice(values);
                    let at = cube.noise_offset() as usize;
                    out[at..at + noise.len()].copy_from_slice(noise);
                }
                _ => {
                    return Err(ProveError::Chain(
                        "boundary values for a form without that boundary, or none for one with it",
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The hiding commitment a proof with `seeds` makes to `private` (laid out by
    /// [`ZkCircuit::lay_out`]): what a chain's proofs must know of each other first.
    pub(super) fn commit_private(
        &self,
        public: &[Goldilocks],
        weights: &[Goldilocks],
        private: &[Goldilocks],
        context: &[u8],
        seeds: &Seeds,
    ) -> Result<([u8; 32], PrivateData), ProveError> {
        let scheme = OpenOnce::new(hiding_scheme(), &ZkRng::Seeded(seeds.commit))?;
        // `weights`: the zero-knowledge weights region's values (the stock entry's), which
        // the masks' PRF binds like the rest of the input layer.
        let w = Witness {
            public,
            weights,
            private,
        };
        let args = ZkArgs {
            layout: self.layout,
            seed: &seeds.mask,
        };
        gkr::masked_private_commitment(&scheme, &self.prepared, &w, context, args)
    }
}

/// The prover data of a zero-knowledge proof's private commitment.
pub(super) type PrivateData =
    <OpenOnce<'static, HidingWhir<ZkExt>> as crate::commit::CommitmentScheme<Goldilocks, ZkExt>>::ProverData;

/// The private region's commitment made beforehand ([`ZkCircuit::commit_private`]).
pub(super) type Precommitted<'a> = Option<(&'a [u8; 32], &'a PrivateData)>;

/// [`prove_zk`] on private values already laid out, with `seeds`, its private opening
/// also covering `private_points` (the boundaries' agreement points); `precommitted` is the
/// private commitment [`ZkCircuit::commit_private`] made with the same values and seeds.
#[allow(clippy::too_many_arguments)]
pub(super) fn prove_laid_out(
    zk: &ZkCircuit,
    public: &[Goldilocks],
    weights: &[Goldilocks],
    private: &[Goldilocks],
    context: &[u8],
    seeds: &Seeds,
    stock: Option<StockUse<'_>>,
    private_points: &[Vec<ZkExt>],
    precommitted: Precommitted<'_>,
) -> Result<(ZkProof, Vec<Goldilocks>), ProveError> {
    let scheme = OpenOnce::new(hiding_scheme(), &ZkRng::Seeded(seeds.commit))?;
    let args = ZkArgs {
        layout: zk.layout,
        seed: &seeds.mask,
    };
    let ((proof, outputs), inner, path) = match (zk.weights, stock) {
        (None, None) => {
            if !weights.is_empty() {
                return Err(ProveError::NoWeightsRegion);
            }
            let w = Witness {
                public,
                weights: &[],
                private,
            };
            let agreements = gkr::Agreements {
                weights: None,
                private: private_points,
                private_data: precommitted,
            };
            let (proven, inner) = gkr::prove_masked_agreeing(
                &scheme,
                &zk.prepared,
                None,
                &w,
                context,
                args,
                agreements,
            )?;
            (proven, inner, None)
        }
        (Some(noise), Some(use_)) => {
            if weights.len() != noise.weights_len as usize {
                return Err(ProveError::Length {
                    what: "weights",
                    expected: noise.weights_len as usize,
                    got: weights.len(),
                });
            }
            let region = zk
                .circuit()
                .input
                .region(RegionKind::Weights)
                .ok_or(ProveError::NoWeightsRegion)?;
            let (values, digest, data, path) = use_.stock.take(weights, use_.index)?;
            let committed = gkr::CommittedWeights::from_parts(
                digest,
                region.log_len,
                values,
                OnceData::new(data),
            );
            let w = Witness {
                public,
                weights: committed.values(),
                private,
            };
            let key = use_.stock.key();
            let point = stock::agreement_point(&zk.digest().0, &key.root, key.size, &noise);
            let agreements = gkr::Agreements {
                weights: Some(&point),
                private: private_points,
                private_data: precommitted,
            };
            let (proven, inner) = gkr::prove_masked_agreeing(
                &scheme,
                &zk.prepared,
                Some(&committed),
                &w,
                context,
                args,
                agreements,
            )?;
            (proven, inner, Some(path))
        }
        (None, Some(_)) => return Err(ProveError::NoWeightsRegion),
        (Some(_), None) => {
            return Err(ProveError::Stock(
                "a circuit with weights is proven with an entry of its weights stock",
            ));
        }
    };
    Ok((
        MaskedProof {
            proof,
            inner,
            stock: path,
            links: Vec::new(),
        },
        outputs,
    ))
}

/// Verifies a zero-knowledge proof of `zk`'s statement. `statement.weights_commitment`
/// must be `None`: a circuit with weights is verified against the key's weights stock
/// (`stock`), whose entry the proof names and opens. A form with private boundaries is
/// verified in its chain ([`super::chain`]).
pub fn verify_zk(
    zk: &ZkCircuit,
    statement: &Statement<'_, Goldilocks>,
    stock: Option<&StockKey>,
    proof: &ZkProof,
) -> Result<(), VerifyError> {
    if zk.boundaries.any() || !proof.links.is_empty() {
        return Err(VerifyError::Chain(
            "a proof of a slice with private boundaries is verified with its chain",
        ));
    }
    verify_with_links(zk, statement, stock, proof, &[])
}

/// [`verify_zk`] whose private opening also covers the boundaries' agreement points,
/// where it must state `private[i].1`.
pub(super) fn verify_with_links(
    zk: &ZkCircuit,
    statement: &Statement<'_, Goldilocks>,
    stock: Option<&StockKey>,
    proof: &ZkProof,
    private: &[(Vec<ZkExt>, ZkExt)],
) -> Result<(), VerifyError> {
    if statement.weights_commitment.is_some() {
        return Err(VerifyError::UnexpectedWeightsCommitment);
    }
    let scheme = OpenOnce::verifier(hiding_scheme());
    match (zk.weights, stock, &proof.stock) {
        (None, None, None) => gkr::verify_masked_agreeing(
            &scheme,
            &zk.prepared,
            statement,
            &proof.proof,
            zk.layout,
            &proof.inner,
            gkr::VerifyAgreements {
                weights: None,
                private,
            },
        ),
        (Some(noise), Some(key), Some(path)) => {
            // The entry's commitment is the proof's weights commitment (weights first).
            let commitment = proof
                .proof
                .commitments
                .first()
                .ok_or(VerifyError::StockPath)?;
            stock::check_path(key, path, commitment)?;
            let point = stock::agreement_point(&zk.digest().0, &key.root, key.size, &noise);
            let statement = Statement {
                weights_commitment: Some(commitment),
                ..*statement
            };
            gkr::verify_masked_agreeing(
                &scheme,
                &zk.prepared,
                &statement,
                &proof.proof,
                zk.layout,
                &proof.inner,
                gkr::VerifyAgreements {
                    weights: Some((&point, key.y_eq)),
                    private,
                },
            )
        }
        _ => Err(VerifyError::StockMissing),
    }
}

/// Decodes proof bytes and verifies them: the entry point for untrusted input.
pub fn verify_zk_bytes(
    zk: &ZkCircuit,
    statement: &Statement<'_, Goldilocks>,
    stock: Option<&StockKey>,
    bytes: &[u8],
) -> Result<(), VerifyError> {
    verify_zk(zk, statement, stock, &ZkProof::from_bytes(bytes)?)
}
