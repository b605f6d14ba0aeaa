//! Chains of zero-knowledge slice proofs with private boundaries (issue 10 item 3): the
//! statement shows the first slice's input and the last slice's outputs; every
//! activation in between stays inside the proofs' hiding commitments, and the chain
//! proves that each slice's output is the next slice's input.
//!
//! **The forms.** Slice `i` of `n` is proven on
//! `ZkCircuit::with_boundaries(C_i, i > 0, i < n − 1)` ([`circuits::boundary`]): its
//! private input and its output advice lie in sub-cubes `[values ‖ N_b ‖ 0…]` of its
//! private region, where `N_b` is [`circuits::boundary::BOUNDARY_NOISE`] noise slots that
//! slice `i` (output side) and slice `i + 1` (input side) share for boundary `b = i`.
//! So the two sub-cubes hold the same values and their multilinear extensions are one
//! polynomial `B_b`.
//!
//! **The link.** Each hiding commitment is opened once, so the boundary cannot be opened
//! twice. Instead both proofs open their own private commitment, in the same single
//! opening as GKR's points, at `z_b` on the sub-cube, and state the value there (the
//! proof's `links`); the verifier requires both proofs to state the same value. `z_b`
//! is derived from both proofs' contexts and both private commitments, so it is fixed
//! only after both commitments are: the prover therefore commits every slice first
//! (phase 1), derives every `z_b`, then proves every slice (phase 2), each proof's
//! commitment being the one of phase 1 (same seeds; checked).
//!
//! **Soundness.** Each slice's proof shows its circuit holds on the values its private
//! commitment decodes to (its GKR, as for any slice). If slice `i`'s output sub-cube and
//! slice `i + 1`'s input sub-cube differ, their extensions — among the two openings'
//! lists of `L` candidate polynomials each — agree at `z_b` with probability at most
//! `L²·ℓ_b/|E|` (Schwartz–Zippel over `ℓ_b` random coordinates), for each pair of
//! commitments the prover tries (every try costs it two commitments).
//!
//! **A private model input** (`--private-input`): the first slice's input is private
//! too, and the model input is committed on its own with hiding WHIR, as
//! `[x ‖ N_in ‖ 0…]` with the first slice's noise ([`InputOpening`]). It plays the
//! previous slice's part: the point `z_in` ([`input_point`]) is fixed by both
//! commitments, the input's commitment is opened once there, and the first proof must
//! state the same value ([`VerifyError::InputLink`]). The statement shows the input's
//! commitment instead of the input.
//!
//! **Zero knowledge.** What a boundary adds to the two proofs is one value, `B_b(z_b)`,
//! the same in both; `N_b`'s 8 uniform slots (against 3 revealed base coordinates) make
//! it uniform. The two private regions' evaluations at GKR's points are masked by each
//! proof's own input noise, as for a single proof. `prover/ZK.md` §2 and §4 give the
//! argument in full.

use super::gate_proofs::{
    BoundaryFill, PrivateData, Seeds, ZkCircuit, ZkExt, ZkProof, prove_laid_out,
};
use super::gate_proofs::{StockUse, verify_with_links};
use super::stock::StockKey;
use crate::arith::{Field, Goldilocks};
use crate::commit::{
    HidingData, HidingOpening, HidingParams, HidingScheme, HidingWhir, WhirParams, ZkRng,
};
use crate::error::{ProveError, VerifyError};
use crate::gkr::{self, Witness};
use crate::mle;
use crate::statement::Statement;
use crate::transcript::Transcript;
use circuits::DecodeError;
use circuits::boundary::{BOUNDARY_NOISE, SubCube};
use circuits::codec::{Reader, Writer};
use rand::Rng;

/// One slice of a chain, as its prover sees it.
#[derive(Clone, Copy, Debug)]
pub struct ChainSlice<'a> {
    /// The slice's zero-knowledge form, with the boundaries its place asks for.
    pub zk: &'a ZkCircuit,
    /// The *original* circuit's witness: the slice's input as the public input (private
    /// or not), its weights and its private values.
    pub witness: Witness<'a, Goldilocks>,
    /// The slice's outputs (the advice of a private output).
    pub outputs: &'a [Goldilocks],
    /// The proof's context (what the transcript and the boundaries' points bind).
    pub context: &'a [u8],
    /// The weights stock entry (slices with weights).
    pub stock: Option<StockUse<'a>>,
}

/// One slice of a chain, as its verifier sees it.
#[derive(Clone, Copy, Debug)]
pub struct ChainStatement<'a> {
    /// The slice's zero-knowledge form (derived from the key's circuit, never read from
    /// a proof).
    pub zk: &'a ZkCircuit,
    /// The slice's statement: an empty public input where the input is private, no
    /// outputs where they are private.
    pub statement: Statement<'a, Goldilocks>,
    /// The weights stock key (slices with weights).
    pub stock: Option<&'a StockKey>,
}

/// A slice's neighbours, as [`verify_linked`] needs them: each one's form, context and
/// private commitment (from its proof), where the boundary between them is private.
#[derive(Clone, Copy, Debug, Default)]
pub struct Neighbours<'a> {
    /// The previous slice's side of the input boundary.
    pub previous: Option<Side<'a>>,
    /// The next slice's side of the output boundary.
    pub next: Option<Side<'a>>,
    /// The first slice with a committed input (`--private-input`): the input's
    /// commitment, in place of a previous slice.
    pub input: Option<&'a [u8; 32]>,
}

/// Why a chain's forms do not fit together, or `None`.
fn misfit<'a>(mut forms: impl ExactSizeIterator<Item = &'a ZkCircuit>) -> Option<&'static str> {
    let n = forms.len();
    let mut prev: Option<&ZkCircuit> = None;
    for (i, zk) in forms.by_ref().enumerate() {
        let b = zk.boundaries();
        if i + 1 == n && b.output.is_some() {
            return Some("the last slice's outputs are the statement's: they cannot be private");
        }
        if let Some(p) = prev {
            match (p.boundaries().output, b.input) {
                (None, None) => {}
                (Some(o), Some(x)) if o.len == x.len => {}
                (Some(_), Some(_)) => {
                    return Some("a private boundary whose two sides differ in length");
                }
                _ => return Some("a boundary private on one side only"),
            }
        }
        prev = Some(zk);
    }
    None
}

/// One side of a private boundary, as its agreement point binds it.
#[derive(Clone, Copy, Debug)]
pub struct Side<'a> {
    /// The slice's zero-knowledge form (its digest is bound).
    pub zk: &'a ZkCircuit,
    /// The slice's proof context (in lamina: the key's digest, the slice's index and
    /// the slice count, so the point also binds the boundary's place).
    pub context: &'a [u8],
    /// The slice's private commitment.
    pub commitment: &'a [u8; 32],
}

/// The agreement point of the boundary between slice `previous` and slice `next`:
/// `log_len` coordinates, fixed by both forms' digests, both contexts and both private
/// commitments.
pub fn boundary_point(previous: Side<'_>, next: Side<'_>, log_len: u8) -> Vec<ZkExt> {
    let mut h = blake3::Hasher::new_derive_key("lamina zk boundary agreement v2");
    for side in [previous, next] {
        h.update(&side.zk.digest().0);
        h.update(&(side.context.len() as u64).to_le_bytes());
        h.update(side.context);
        h.update(side.commitment);
    }
    h.update(&[log_len]);
    squeeze(h, log_len)
}

/// The agreement term of a private boundary between two slices whose proofs have
/// soundness `previous` and `next` ([`ZkCircuit::security`]), in bits, on a sub-cube of
/// `log_len` variables: `−log2(L_a·L_b·ℓ/|E|)`, with `L_a`, `L_b` the two private
/// openings' Johnson lists — the chance that two different boundary tensors, among the
/// candidates the two commitments leave open, agree at the point `z_b` drawn after both.
pub fn boundary_agreement_bits(
    previous: &crate::commit::ProofSecurity,
    next: &crate::commit::ProofSecurity,
    log_len: u8,
) -> f64 {
    let list = |s: &crate::commit::ProofSecurity| {
        s.regions
            .iter()
            .zip(&s.openings)
            .find(|(k, _)| **k == circuits::RegionKind::Private)
            .map_or(0.0, |(_, o)| o.log2_max_candidates)
    };
    let field = gkr::field_bits::<ZkExt>() as f64;
    let coordinates = f64::from(log_len.max(1)).log2();
    (field - list(previous) - list(next) - coordinates).max(0.0)
}

/// The model's input committed on its own (`--private-input`): a hiding commitment to
/// `[x ‖ N_in ‖ 0…]`, the first slice's input sub-cube (the same values and noise), and
/// its one opening at the point [`input_point`] derives from this commitment and the
/// first slice's. The value it states is the one the first slice's proof must state
/// for its input ([`VerifyError::InputLink`]).
#[derive(Clone, Debug)]
pub struct InputOpening {
    /// The input's commitment (what the statement shows instead of the input).
    pub commitment: [u8; 32],
    /// Its opening at the input's agreement point.
    pub opening: HidingOpening<ZkExt>,
}

/// The committed input's opening targets more bits than a proof's (101): it adds its own
/// error to the first slice's proof, whose figure must stay above 100 bits.
pub const INPUT_OPENING_BITS: u16 = 110;
/// The committed input's least number of variables: hiding WHIR reaches
/// [`INPUT_OPENING_BITS`] from 2^13 on (at 2^12 its randomness rows run out).
pub const INPUT_MIN_LOG_LEN: u8 = 13;

/// The hiding scheme of committed inputs ([`INPUT_OPENING_BITS`]), shared.
pub fn input_scheme() -> &'static HidingWhir<ZkExt> {
    static SCHEME: std::sync::OnceLock<HidingWhir<ZkExt>> = std::sync::OnceLock::new();
    SCHEME.get_or_init(|| {
        HidingWhir::new(HidingParams {
            whir: WhirParams {
                security_bits: INPUT_OPENING_BITS,
                ..WhirParams::default()
            },
            ..HidingParams::default()
        })
    })
}

/// The committed input's size (`2^log_len` slots) for a first slice's input sub-cube, and
/// the agreement point `z` (on the sub-cube) extended to it (zeros above).
fn input_shape(cube: SubCube, z: &[ZkExt]) -> (u8, Vec<ZkExt>) {
    let log_len = cube.log_len.max(INPUT_MIN_LOG_LEN);
    (
        log_len,
        gkr::extend_point(z, 0, usize::from(log_len - cube.log_len)),
    )
}

/// Magic bytes opening an encoded [`InputOpening`].
pub const INPUT_OPENING_MAGIC: [u8; 4] = *b"LAMI";
/// Version of the [`InputOpening`] encoding.
pub const INPUT_OPENING_VERSION: u32 = 1;

impl InputOpening {
    /// The encoding: `"LAMI" | version u32 | commitment (32 bytes) | opening`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.bytes(&INPUT_OPENING_MAGIC);
        w.u32(INPUT_OPENING_VERSION);
        w.bytes(&self.commitment);
        w.bytes(&self.opening.to_bytes());
        w.into_bytes()
    }

    /// Decodes strictly (magic, version, truncation, trailing bytes). Never panics.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        if r.take(4, "magic")? != INPUT_OPENING_MAGIC {
            return Err(DecodeError::Magic {
                expected: INPUT_OPENING_MAGIC,
            });
        }
        let version = r.u32("version")?;
        if version != INPUT_OPENING_VERSION {
            return Err(DecodeError::Version {
                what: "input opening",
                got: version,
                supported: &[INPUT_OPENING_VERSION],
            });
        }
        let mut commitment = [0u8; 32];
        commitment.copy_from_slice(r.take(32, "commitment")?);
        let rest = r.take(r.remaining(), "opening")?;
        Ok(InputOpening {
            commitment,
            opening: HidingOpening::from_bytes(rest)?,
        })
    }
}

/// The agreement point of a committed input (`commitment`) and the first slice:
/// `log_len` coordinates, fixed by both commitments, the first slice's form and its
/// context.
pub fn input_point(commitment: &[u8; 32], first: Side<'_>, log_len: u8) -> Vec<ZkExt> {
    let mut h = blake3::Hasher::new_derive_key("lamina zk input agreement v1");
    h.update(commitment);
    h.update(&first.zk.digest().0);
    h.update(&(first.context.len() as u64).to_le_bytes());
    h.update(first.context);
    h.update(first.commitment);
    h.update(&[log_len]);
    squeeze(h, log_len)
}

/// The transcript of the input's opening: bound to the first slice's form, context and
/// commitment (the opening binds its own root).
fn input_transcript(first: Side<'_>) -> Transcript {
    let mut t = Transcript::new(b"lamina zk private input v1");
    t.absorb(b"form", &first.zk.digest().0);
    t.absorb(b"context", first.context);
    t.absorb(b"first commitment", first.commitment);
    t
}

/// `log_len` extension elements from a hasher's output stream.
fn squeeze(h: blake3::Hasher, log_len: u8) -> Vec<ZkExt> {
    let mut xof = h.finalize_xof();
    let mut buf = vec![0u8; <ZkExt as Field>::UNIFORM_BYTES];
    (0..log_len)
        .map(|_| {
            xof.fill(&mut buf);
            ZkExt::from_uniform_bytes(&buf)
        })
        .collect()
}

/// Verifies a committed input's opening against the first slice (`first`, whose form
/// has a private input) and returns the value it establishes at [`input_point`].
pub fn verify_input(input: &InputOpening, first: Side<'_>) -> Result<ZkExt, VerifyError> {
    let cube = first.zk.boundaries().input.ok_or(VerifyError::Chain(
        "a committed input for a first slice whose input is public",
    ))?;
    let z = input_point(&input.commitment, first, cube.log_len);
    let (log_len, at) = input_shape(cube, &z);
    let mut t = input_transcript(first);
    let len = (cube.noise_offset() - cube.offset) as usize + BOUNDARY_NOISE as usize;
    let values = input_scheme()
        .verify(
            &input.commitment,
            log_len,
            len,
            &[&at],
            &input.opening,
            &mut t,
        )
        .map_err(VerifyError::InputOpening)?;
    match values.as_slice() {
        [v] => Ok(*v),
        _ => Err(VerifyError::Chain(
            "an input opening at more than one point",
        )),
    }
}

/// What a committed input adds to the first slice's soundness, in bits: its hiding
/// opening (one point) and its agreement term `−log2(L_in·L_first·ℓ/|E|)` (the chance
/// that another input among the opening's candidates agrees with the first slice's
/// sub-cube at the point both commitments fix), combined. `first_security` is the first
/// slice's [`ZkCircuit::security`].
pub fn input_security_bits(
    first: &ZkCircuit,
    first_security: &crate::commit::ProofSecurity,
) -> Result<f64, ProveError> {
    let cube = first.boundaries().input.ok_or(ProveError::Chain(
        "a committed input for a first slice whose input is public",
    ))?;
    let opening = input_scheme().security(cube.log_len.max(INPUT_MIN_LOG_LEN), 1)?;
    let list = first_security
        .regions
        .iter()
        .zip(&first_security.openings)
        .find(|(k, _)| **k == circuits::RegionKind::Private)
        .map_or(0.0, |(_, o)| o.log2_max_candidates);
    let field = gkr::field_bits::<ZkExt>() as f64;
    let coordinates = f64::from(cube.log_len.max(1)).log2();
    let agreement = (field - opening.log2_max_candidates - list - coordinates).max(0.0);
    Ok(-((-opening.bits).exp2() + (-agreement).exp2()).log2())
}

/// `z` on `cube`, extended to the whole private region of `zk`.
fn region_point(zk: &ZkCircuit, cube: SubCube, z: &[ZkExt]) -> Option<Vec<ZkExt>> {
    let region = zk.private_region()?;
    let l = usize::from(cube.log_len);
    let high = usize::from(region.log_len).checked_sub(l)?;
    Some(gkr::extend_point(z, (cube.offset as usize) >> l, high))
}

/// 32 bytes from a PRF of `master` under `label` and `index`.
fn prf(master: &[u8; 32], label: &[u8], index: usize) -> [u8; 32] {
    let mut h = blake3::Hasher::new_keyed(master);
    h.update(label);
    h.update(&(index as u64).to_le_bytes());
    *h.finalize().as_bytes()
}

/// Boundary `boundary`'s noise, shared by its two sides.
fn noise(master: &[u8; 32], boundary: usize) -> Vec<Goldilocks> {
    super::stock::prf(
        master,
        b"boundary noise",
        boundary as u32,
        BOUNDARY_NOISE as usize,
    )
}

/// Proves a chain of slices in zero knowledge (module doc): every slice's private
/// commitment first, then every proof. Returns each slice's proof and public outputs
/// (none for a private output). [`ChainProver`] does the same in steps.
pub fn prove_chain(
    slices: &[ChainSlice<'_>],
    rng: &ZkRng,
) -> Result<Vec<(ZkProof, Vec<Goldilocks>)>, ProveError> {
    check_chained(slices)?;
    prove_chain_unchecked(slices, rng)
}

/// A chained slice's proof and its public outputs (none for a private output).
pub type ProvenSlice = (ZkProof, Vec<Goldilocks>);

/// [`prove_chain`] for a chain whose first slice's input is private (`--private-input`):
/// also commits the model input on its own and returns its one opening, which the
/// verifier checks the first proof against ([`verify_chain_with_input`]).
pub fn prove_chain_with_input(
    slices: &[ChainSlice<'_>],
    rng: &ZkRng,
) -> Result<(Vec<ProvenSlice>, InputOpening), ProveError> {
    check_chained(slices)?;
    let mut chain = ChainProver::new(slices, rng)?;
    chain.commit_all()?;
    let proofs = chain.prove_all()?.into_iter().map(|(p, _)| p).collect();
    let input = chain.input_opening()?.ok_or(ProveError::Chain(
        "a chain whose model input is public is proven by prove_chain",
    ))?;
    Ok((proofs, input))
}

/// Each slice's input is the previous slice's output.
fn check_chained(slices: &[ChainSlice<'_>]) -> Result<(), ProveError> {
    if (1..slices.len()).any(|i| slices[i].witness.public != slices[i - 1].outputs) {
        return Err(ProveError::Chain(
            "a slice's input is not the previous slice's output",
        ));
    }
    Ok(())
}

/// [`prove_chain`] without checking that each slice's input is the previous one's output:
/// only for soundness tests, which hand the verifier a broken chain.
#[doc(hidden)]
pub fn prove_chain_unchecked(
    slices: &[ChainSlice<'_>],
    rng: &ZkRng,
) -> Result<Vec<(ZkProof, Vec<Goldilocks>)>, ProveError> {
    if slices
        .first()
        .is_some_and(|s| s.zk.boundaries().input.is_some())
    {
        return Err(ProveError::Chain(
            "a chain whose model input is private is proven by prove_chain_with_input",
        ));
    }
    let mut chain = ChainProver::new(slices, rng)?;
    chain.commit_all()?;
    Ok(chain.prove_all()?.into_iter().map(|(p, _)| p).collect())
}

/// A slice's boundary points on its private region and its values there (input, then
/// output).
type Links = (Vec<Vec<ZkExt>>, Vec<ZkExt>);

/// A laid-out slice's sub-cube's value at `z` (each proof states its own; equal on an
/// honest chain).
fn sub_cube_value(l: &Laid, cube: SubCube, z: &[ZkExt]) -> Result<ZkExt, ProveError> {
    let at = cube.offset as usize;
    l.private
        .get(at..at + (1usize << cube.log_len))
        .map(|v| mle::evaluate_base::<Goldilocks, ZkExt>(v, z))
        .ok_or(ProveError::Chain("a boundary beyond its private region"))
}

/// The committed input's noise, shared by its commitment and the first slice.
fn input_noise(master: &[u8; 32]) -> Vec<Goldilocks> {
    super::stock::prf(master, b"input noise", 0, BOUNDARY_NOISE as usize)
}

/// One slice as phase 1 laid it out and committed it.
struct Laid {
    public: Vec<Goldilocks>,
    private: Vec<Goldilocks>,
    seeds: Seeds,
    commitment: [u8; 32],
    data: PrivateData,
}

/// A chain proven in steps, so a caller can measure each: [`ChainProver::commit`] every
/// slice (phase 1, any order), then [`ChainProver::prove`] each (phase 2). The slices'
/// inputs are not checked against their predecessors' outputs (see [`prove_chain`]).
pub struct ChainProver<'s, 'a> {
    slices: &'s [ChainSlice<'a>],
    master: [u8; 32],
    laid: Vec<Option<Laid>>,
    /// Each slice's boundary points and values (input, then output), once all committed.
    links: Option<Vec<Links>>,
    /// A committed input (the first slice's input private): its commitment and prover
    /// data, then its one opening.
    input: Option<CommittedInput>,
}

/// The model's input as the chain commits it (`--private-input`).
struct CommittedInput {
    commitment: [u8; 32],
    data: Option<HidingData<ZkExt>>,
    opening: Option<InputOpening>,
}

impl<'s, 'a> ChainProver<'s, 'a> {
    /// Checks the chain's shape and draws its secret (boundary noise, per-slice seeds).
    pub fn new(slices: &'s [ChainSlice<'a>], rng: &ZkRng) -> Result<Self, ProveError> {
        if slices.is_empty() {
            return Err(ProveError::Chain("an empty chain"));
        }
        if let Some(why) = misfit(slices.iter().map(|s| s.zk)) {
            return Err(ProveError::Chain(why));
        }
        let mut master = [0u8; 32];
        rng.chacha()?.fill_bytes(&mut master);
        Ok(ChainProver {
            slices,
            master,
            laid: (0..slices.len()).map(|_| None).collect(),
            links: None,
            input: None,
        })
    }

    /// The committed input's opening (a chain whose first slice's input is private),
    /// once every slice is committed; `None` for a public input.
    pub fn input_opening(&mut self) -> Result<Option<InputOpening>, ProveError> {
        self.links()?;
        match &self.input {
            None => Ok(None),
            Some(c) => c
                .opening
                .clone()
                .map(Some)
                .ok_or(ProveError::Chain("the input's opening (internal error)")),
        }
    }

    /// Phase 1 for slice `i`: lays out its private region (its boundaries' values and
    /// noise included) and commits it.
    pub fn commit(&mut self, i: usize) -> Result<(), ProveError> {
        let (laid, input) = self.lay(i)?;
        self.store(i, laid, input);
        Ok(())
    }

    /// Phase 1 for every slice, the slices in parallel (feature `parallel`); each slice's
    /// own wall time (they overlap).
    pub fn commit_all(&mut self) -> Result<Vec<std::time::Duration>, ProveError> {
        let this = &*self;
        let done = crate::par::tasks(self.slices.len(), |i| {
            let t = std::time::Instant::now();
            this.lay(i).map(|l| (l, t.elapsed()))
        });
        let mut times = Vec::with_capacity(done.len());
        for (i, r) in done.into_iter().enumerate() {
            let ((laid, input), time) = r?;
            self.store(i, laid, input);
            times.push(time);
        }
        Ok(times)
    }

    fn store(&mut self, i: usize, laid: Laid, input: Option<CommittedInput>) {
        if let Some(input) = input {
            self.input = Some(input);
        }
        if let Some(slot) = self.laid.get_mut(i) {
            *slot = Some(laid);
        }
        self.links = None;
    }

    /// Slice `i` laid out and committed (its input's own commitment too, for a first
    /// slice whose input is private).
    fn lay(&self, i: usize) -> Result<(Laid, Option<CommittedInput>), ProveError> {
        let s = self
            .slices
            .get(i)
            .ok_or(ProveError::Chain("a slice beyond the chain"))?;
        let b = s.zk.boundaries();
        let noise_in = match i.checked_sub(1) {
            Some(prev) => noise(&self.master, prev),
            None => input_noise(&self.master),
        };
        let noise_out = noise(&self.master, i);
        let input: BoundaryFill<'_> = b.input.map(|_| (s.witness.public, noise_in.as_slice()));
        let output: BoundaryFill<'_> = b.output.map(|_| (s.outputs, noise_out.as_slice()));
        let private = s.zk.lay_out(s.witness.private, [input, output])?;
        let mut input_commit = None;
        if let (0, Some(cube)) = (i, b.input) {
            // The input's own commitment: the same values and noise as the sub-cube.
            let rel = (cube.noise_offset() - cube.offset) as usize;
            let mut values = vec![Goldilocks::ZERO; rel + noise_in.len()];
            values
                .get_mut(..s.witness.public.len())
                .ok_or(ProveError::Chain("an input longer than its sub-cube"))?
                .copy_from_slice(s.witness.public);
            values[rel..].copy_from_slice(&noise_in);
            let rng = ZkRng::Seeded(prf(&self.master, b"input commitment", 0));
            let log_len = cube.log_len.max(INPUT_MIN_LOG_LEN);
            let (commitment, data) = input_scheme().commit(&values, log_len, rng)?;
            input_commit = Some(CommittedInput {
                commitment,
                data: Some(data),
                opening: None,
            });
        }
        let public = if b.input.is_some() {
            Vec::new()
        } else {
            s.witness.public.to_vec()
        };
        let weights = match s.stock {
            Some(u) => u.stock.region_values(s.witness.weights, u.index),
            None => s.witness.weights.to_vec(),
        };
        let seeds = Seeds::draw(&ZkRng::Seeded(prf(&self.master, b"slice seeds", i)))?;
        let (commitment, data) =
            s.zk.commit_private(&public, &weights, &private, s.context, &seeds)?;
        let laid = Laid {
            public,
            private,
            seeds,
            commitment,
            data,
        };
        Ok((laid, input_commit))
    }

    /// The boundaries' points and each proof's values, once every slice is committed.
    fn links(&mut self) -> Result<&[Links], ProveError> {
        if self.links.is_none() {
            let laid: Vec<&Laid> = self
                .laid
                .iter()
                .map(|l| {
                    l.as_ref()
                        .ok_or(ProveError::Chain("a slice not committed yet"))
                })
                .collect::<Result<_, _>>()?;
            let slices = self.slices;
            let mut out: Vec<Links> = vec![(Vec::new(), Vec::new()); slices.len()];
            for i in 0..slices.len() - 1 {
                let (a, b) = (&slices[i], &slices[i + 1]);
                let (Some(o), Some(x)) = (a.zk.boundaries().output, b.zk.boundaries().input) else {
                    continue;
                };
                let z = boundary_point(
                    Side {
                        zk: a.zk,
                        context: a.context,
                        commitment: &laid[i].commitment,
                    },
                    Side {
                        zk: b.zk,
                        context: b.context,
                        commitment: &laid[i + 1].commitment,
                    },
                    o.log_len,
                );
                let value = |l: &Laid, cube: SubCube| sub_cube_value(l, cube, &z);
                let missing = || ProveError::Chain("a boundary outside its private region");
                // Slice i + 1's input first in its list, slice i's output last in its.
                out[i]
                    .0
                    .push(region_point(a.zk, o, &z).ok_or_else(missing)?);
                out[i].1.push(value(laid[i], o)?);
                out[i + 1]
                    .0
                    .insert(0, region_point(b.zk, x, &z).ok_or_else(missing)?);
                out[i + 1].1.insert(0, value(laid[i + 1], x)?);
            }
            if let Some(cube) = slices[0].zk.boundaries().input {
                let input = self
                    .input
                    .as_mut()
                    .ok_or(ProveError::Chain("a private input not committed yet"))?;
                let first = Side {
                    zk: slices[0].zk,
                    context: slices[0].context,
                    commitment: &laid[0].commitment,
                };
                let z = input_point(&input.commitment, first, cube.log_len);
                let data = input
                    .data
                    .take()
                    .ok_or(ProveError::Chain("the input's commitment opened twice"))?;
                let (_, at) = input_shape(cube, &z);
                let opening = input_scheme().open(data, &[&at], &mut input_transcript(first))?;
                input.opening = Some(InputOpening {
                    commitment: input.commitment,
                    opening,
                });
                let missing = || ProveError::Chain("a boundary outside its private region");
                out[0]
                    .0
                    .insert(0, region_point(slices[0].zk, cube, &z).ok_or_else(missing)?);
                out[0].1.insert(0, sub_cube_value(laid[0], cube, &z)?);
            }
            self.links = Some(out);
        }
        self.links
            .as_deref()
            .ok_or(ProveError::Chain("the chain's links (internal error)"))
    }

    /// Phase 2 for slice `i` (every slice committed): its proof, whose commitment is the
    /// one of phase 1, and its public outputs.
    pub fn prove(&mut self, i: usize) -> Result<(ZkProof, Vec<Goldilocks>), ProveError> {
        self.links()?;
        self.prove_linked(i)
    }

    /// Phase 2 for every slice, the slices in parallel (feature `parallel`): each proof,
    /// its public outputs and its own wall time (they overlap).
    pub fn prove_all(&mut self) -> Result<Vec<(ProvenSlice, std::time::Duration)>, ProveError> {
        self.links()?;
        let this = &*self;
        crate::par::tasks(self.slices.len(), |i| {
            let t = std::time::Instant::now();
            this.prove_linked(i).map(|p| (p, t.elapsed()))
        })
        .into_iter()
        .collect()
    }

    /// Phase 2 for slice `i` once the links are known.
    fn prove_linked(&self, i: usize) -> Result<ProvenSlice, ProveError> {
        let (points, values) = self
            .links
            .as_deref()
            .and_then(|l| l.get(i))
            .cloned()
            .ok_or(ProveError::Chain(
                "a slice beyond the chain, or links not drawn",
            ))?;
        let (s, l) = match (
            self.slices.get(i),
            self.laid.get(i).and_then(Option::as_ref),
        ) {
            (Some(s), Some(l)) => (s, l),
            _ => return Err(ProveError::Chain("a slice not committed yet")),
        };
        let (mut proof, outputs) = prove_laid_out(
            s.zk,
            &l.public,
            s.witness.weights,
            &l.private,
            s.context,
            &l.seeds,
            s.stock,
            &points,
            Some((&l.commitment, &l.data)),
        )?;
        if s.zk.private_commitment(&proof) != Some(&l.commitment) {
            return Err(ProveError::Chain(
                "a private commitment moved between the chain's phases (internal error)",
            ));
        }
        proof.links = values;
        Ok((proof, outputs))
    }
}

/// Verifies one slice's proof of a chain, given its neighbours' contexts and private
/// commitments (from their proofs): its GKR, and its private opening at each private
/// boundary's point stating the proof's link value there. The caller then compares the
/// links of consecutive proofs ([`verify_chain`] does it all).
pub fn verify_linked(
    slice: &ChainStatement<'_>,
    proof: &ZkProof,
    neighbours: Neighbours<'_>,
) -> Result<(), VerifyError> {
    let zk = slice.zk;
    let b = zk.boundaries();
    let own = zk
        .private_commitment(proof)
        .ok_or(VerifyError::Chain("a slice without a private commitment"))?;
    let mut private = Vec::new();
    let sides = [
        (b.input, neighbours.previous, true),
        (b.output, neighbours.next, false),
    ];
    if neighbours.input.is_some() && (b.input.is_none() || neighbours.previous.is_some()) {
        return Err(VerifyError::Chain(
            "a committed input for a slice whose input is not the model's private input",
        ));
    }
    for (cube, neighbour, is_input) in sides {
        let Some(cube) = cube else {
            if neighbour.is_some() {
                return Err(VerifyError::Chain("a neighbour across a public boundary"));
            }
            continue;
        };
        let ours = Side {
            zk,
            context: slice.statement.context,
            commitment: own,
        };
        let z = match (neighbour, is_input.then_some(neighbours.input).flatten()) {
            (Some(theirs), None) if is_input => boundary_point(theirs, ours, cube.log_len),
            (Some(theirs), None) => boundary_point(ours, theirs, cube.log_len),
            (None, Some(c)) => input_point(c, ours, cube.log_len),
            (Some(_), Some(_)) => {
                return Err(VerifyError::Chain(
                    "both a previous slice and a committed input",
                ));
            }
            (None, None) => {
                return Err(VerifyError::Chain(
                    "a private boundary without its neighbour",
                ));
            }
        };
        let point = region_point(zk, cube, &z)
            .ok_or(VerifyError::Chain("a boundary outside its private region"))?;
        let value = *proof.links.get(private.len()).ok_or(VerifyError::Chain(
            "a proof with fewer links than boundaries",
        ))?;
        private.push((point, value));
    }
    if proof.links.len() != private.len() {
        return Err(VerifyError::Chain(
            "a proof with more links than boundaries",
        ));
    }
    verify_with_links(zk, &slice.statement, slice.stock, proof, &private)
}

/// Verifies a chain: its shape, every slice's proof ([`verify_linked`]), and that each
/// private boundary's two sides state one value ([`VerifyError::BoundaryLink`]).
pub fn verify_chain(slices: &[ChainStatement<'_>], proofs: &[ZkProof]) -> Result<(), VerifyError> {
    verify_chain_inner(slices, proofs, None)
}

/// [`verify_chain`] for a chain whose model input is committed (`--private-input`): the
/// first slice's input is `input`'s, checked by its opening ([`verify_input`]) and the
/// first proof's first link ([`VerifyError::InputLink`]).
pub fn verify_chain_with_input(
    slices: &[ChainStatement<'_>],
    proofs: &[ZkProof],
    input: &InputOpening,
) -> Result<(), VerifyError> {
    verify_chain_inner(slices, proofs, Some(input))
}

fn verify_chain_inner(
    slices: &[ChainStatement<'_>],
    proofs: &[ZkProof],
    input: Option<&InputOpening>,
) -> Result<(), VerifyError> {
    if slices.is_empty() || slices.len() != proofs.len() {
        return Err(VerifyError::Chain("one proof per slice, at least one"));
    }
    if let Some(why) = misfit(slices.iter().map(|s| s.zk)) {
        return Err(VerifyError::Chain(why));
    }
    match (slices[0].zk.boundaries().input, input) {
        (Some(_), None) => {
            return Err(VerifyError::Chain("a private input without its commitment"));
        }
        (None, Some(_)) => {
            return Err(VerifyError::Chain("an input commitment for a public input"));
        }
        _ => {}
    }
    let commitment = |i: usize| {
        slices[i]
            .zk
            .private_commitment(&proofs[i])
            .ok_or(VerifyError::Chain("a slice without a private commitment"))
    };
    let side = |j: usize| -> Result<Side<'_>, VerifyError> {
        let s = slices
            .get(j)
            .ok_or(VerifyError::Chain("a slice beyond the chain"))?;
        Ok(Side {
            zk: s.zk,
            context: s.statement.context,
            commitment: commitment(j)?,
        })
    };
    for i in 0..slices.len() {
        let b = slices[i].zk.boundaries();
        let previous = match (b.input, i.checked_sub(1)) {
            (Some(_), Some(j)) => Some(side(j)?),
            _ => None,
        };
        let next = match b.output {
            Some(_) => Some(side(i + 1)?),
            None => None,
        };
        let neighbours = Neighbours {
            previous,
            next,
            input: input.filter(|_| i == 0).map(|o| &o.commitment),
        };
        verify_linked(&slices[i], &proofs[i], neighbours)?;
    }
    if let Some(o) = input {
        let first = side(0)?;
        let value = verify_input(o, first)?;
        if proofs[0].links.first() != Some(&value) {
            return Err(VerifyError::InputLink);
        }
    }
    // A public boundary is linked by the statements themselves.
    for (i, pair) in slices.windows(2).enumerate() {
        if pair[0].zk.boundaries().output.is_none()
            && pair[0].statement.outputs != pair[1].statement.public
        {
            return Err(VerifyError::BoundaryLink { slice: i });
        }
    }
    check_links(slices.iter().map(|s| s.zk), proofs)
}

/// Each private boundary's two sides state one value: slice `i`'s last link is slice
/// `i + 1`'s first.
pub fn check_links<'a>(
    forms: impl ExactSizeIterator<Item = &'a ZkCircuit> + Clone,
    proofs: &[ZkProof],
) -> Result<(), VerifyError> {
    if forms.len() != proofs.len() {
        return Err(VerifyError::Chain("one proof per slice"));
    }
    // The two sides of every private boundary have one length (so one sub-cube shape).
    if let Some(why) = misfit(forms.clone()) {
        return Err(VerifyError::Chain(why));
    }
    for (i, zk) in forms.enumerate() {
        if zk.boundaries().output.is_none() {
            continue;
        }
        let (Some(a), Some(b)) = (proofs.get(i), proofs.get(i + 1)) else {
            return Err(VerifyError::Chain("one proof per slice"));
        };
        if a.links.is_empty() || a.links.last() != b.links.first() {
            return Err(VerifyError::BoundaryLink { slice: i });
        }
    }
    Ok(())
}
