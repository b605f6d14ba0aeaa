//! Zero-knowledge proofs of gate circuits (`prover::zk::{prove_zk, verify_zk}`: masked GKR
//! with hiding WHIR openings): round trips whose outputs agree with the plain prover,
//! fresh bytes per proof, equal sizes across witnesses, no private value in the proof
//! bytes (and the same scan finding them in a transparent proof, so the scan can fail),
//! the refusals, the security figure, "open once", and named attacks each asserting its
//! rejection.

use crate::common::{field_values, hits};
use circuits::random::{self, BlockKind, BlockSpec, Spec};
use circuits::{Circuit, RegionKind};
use prover::commit::{CommitError, CommitmentScheme, OpenOnce, ZkRng};
use prover::gkr::{self, PreparedCircuit, ZkArgs};
use prover::transcript::Transcript;
use prover::zk::inner_product::InnerProductError;
use prover::zk::{
    StockKey, StockUse, WeightsStock, ZkCircuit, ZkExt, ZkProof, ZkRefusal, hiding_scheme,
    prove_zk, verify_zk, verify_zk_bytes,
};
use prover::{
    Field, Goldilocks, PrimeField64, ProveError, Statement, Transparent, VerifyError, Witness,
};
use std::collections::HashSet;

type F = Goldilocks;
type E = ZkExt;
const CTX: &[u8] = b"zk-gates";

/// A random gate circuit without a weights region.
fn without_weights(c: Circuit) -> Circuit {
    random::without_weights(c, false)
}

fn specs() -> Vec<Spec> {
    vec![
        Spec {
            log_widths: vec![6, 5, 5, 4],
            mul_percent: 50,
            num_public: 3,
            ..Spec::default()
        },
        Spec {
            log_widths: vec![7, 6, 5, 5, 3],
            mul_percent: 70,
            alternate_add_only: true,
            zero_outputs: 2,
            ..Spec::default()
        },
    ]
}

/// One circuit, its zero-knowledge form, a witness and an honest proof.
struct Case {
    original: Circuit,
    zk: ZkCircuit,
    public: Vec<F>,
    private: Vec<F>,
    proof: ZkProof,
    outputs: Vec<F>,
}

impl Case {
    fn new(spec: &Spec, seed: u64, rng: &ZkRng) -> Case {
        let original = without_weights(random::circuit(spec, seed));
        let zk = ZkCircuit::new(&original).unwrap();
        Case::with(original, zk, seed, rng)
    }

    fn with(original: Circuit, zk: ZkCircuit, seed: u64, rng: &ZkRng) -> Case {
        let public = field_values(original.num_public as usize, seed ^ 1);
        let private = field_values(original.input.len_of(RegionKind::Private), seed ^ 3);
        let (proof, outputs) = prove_zk(&zk, &witness(&public, &private), CTX, rng, None).unwrap();
        Case {
            original,
            zk,
            public,
            private,
            proof,
            outputs,
        }
    }

    fn statement<'a>(&'a self, outputs: &'a [F]) -> Statement<'a, F> {
        Statement {
            public: &self.public,
            outputs,
            context: CTX,
            weights_commitment: None,
        }
    }

    fn verify(&self, proof: &ZkProof) -> Result<(), VerifyError> {
        verify_zk(&self.zk, &self.statement(&self.outputs), None, proof)
    }
}

fn witness<'a>(public: &'a [F], private: &'a [F]) -> Witness<'a, F> {
    Witness {
        public,
        weights: &[],
        private,
    }
}

fn base() -> Case {
    Case::new(&specs()[0], 11, &ZkRng::Seeded([4; 32]))
}

#[test]
fn zk_round_trip_and_outputs_agree_with_the_plain_prover() {
    for (i, spec) in specs().iter().enumerate() {
        for seed in [1u64, 2] {
            let case = Case::new(spec, seed, &ZkRng::Seeded([seed as u8; 32]));
            case.verify(&case.proof).unwrap();
            let bytes = case.proof.to_bytes();
            verify_zk_bytes(&case.zk, &case.statement(&case.outputs), None, &bytes).unwrap();
            assert_eq!(ZkProof::from_bytes(&bytes).unwrap(), case.proof);
            let (_, plain) = prover::prove_transparent(
                &case.original,
                &witness(&case.public, &case.private),
                CTX,
            )
            .unwrap();
            assert_eq!(case.outputs, plain, "spec {i}, seed {seed}");
        }
    }
}

#[test]
fn zk_two_proofs_of_one_statement_differ() {
    let spec = &specs()[0];
    let a = Case::new(spec, 3, &ZkRng::System);
    let b = Case::new(spec, 3, &ZkRng::System);
    a.verify(&a.proof).unwrap();
    b.verify(&b.proof).unwrap();
    assert_eq!(a.outputs, b.outputs);
    assert_ne!(a.proof.to_bytes(), b.proof.to_bytes());
    // The commitment and every revealed layer value are fresh.
    assert_ne!(a.proof.proof.commitments, b.proof.proof.commitments);
    for (la, lb) in a.proof.proof.layers.iter().zip(&b.proof.proof.layers) {
        assert_ne!(la.vx, lb.vx);
    }
    // A seed reproduces its bytes exactly; another seed does not.
    let c = Case::new(spec, 3, &ZkRng::Seeded([8; 32]));
    let d = Case::new(spec, 3, &ZkRng::Seeded([8; 32]));
    let e = Case::new(spec, 3, &ZkRng::Seeded([9; 32]));
    assert_eq!(c.proof.to_bytes(), d.proof.to_bytes());
    assert_ne!(c.proof.to_bytes(), e.proof.to_bytes());
}

/// Across witnesses of one circuit, the GKR part and the inner product have one length.
/// The hiding opening's length moves a little: its Merkle multiproofs are pruned, so
/// their size follows the query positions — public coins of the transcript, which a
/// simulator draws the same way for every witness, so the length says nothing about it.
#[test]
fn zk_proof_length_depends_only_on_the_circuit_and_public_coins() {
    let spec = &specs()[1];
    let original = without_weights(random::circuit(spec, 5));
    let zk = ZkCircuit::new(&original).unwrap();
    let parts: Vec<(usize, usize)> = (0..3u64)
        .map(|s| {
            let case = Case::with(original.clone(), zk.clone(), 100 + s, &ZkRng::System);
            case.verify(&case.proof).unwrap();
            let opening = case.proof.proof.openings[0].encoded_len();
            (case.proof.to_bytes().len() - opening, opening)
        })
        .collect();
    assert!(parts.windows(2).all(|w| w[0].0 == w[1].0), "{parts:?}");
    let (lo, hi) = parts
        .iter()
        .fold((usize::MAX, 0), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    assert!(hi - lo < lo / 20, "{parts:?}");
}

/// Every private value and every intermediate layer value of the original circuit of at
/// least 2^16, as a canonical u64.
fn secrets(case: &Case) -> HashSet<u64> {
    let mut input = vec![F::ZERO; 1 << case.original.input.log_width];
    for r in &case.original.input.regions {
        let src: &[F] = match r.kind {
            RegionKind::Private => &case.private,
            RegionKind::Public => &case.public,
            RegionKind::Weights => unreachable!(),
        };
        input[r.offset as usize..r.offset as usize + src.len()].copy_from_slice(src);
    }
    let layers = gkr::evaluate::<F, E>(&case.original, &case.public, input.clone(), &[]).unwrap();
    let mut out: HashSet<u64> = case.private.iter().map(|v| v.as_u64()).collect();
    for layer in &layers[..layers.len() - 1] {
        if let gkr::LayerValues::Base(v) = layer {
            out.extend(v.iter().map(|x| x.as_u64()));
        }
    }
    out.retain(|&v| v >= 1 << 16);
    out
}

#[test]
fn zk_no_private_value_in_the_proof_bytes() {
    let case = base();
    let secrets = secrets(&case);
    assert!(secrets.len() > 50, "{} secrets", secrets.len());
    assert_eq!(hits(&case.proof.to_bytes(), &secrets), 0);

    // The test of the test: the same masked prover with the transparent scheme puts the
    // private values in its opening, and the scan finds them.
    let mut private = case.private.clone();
    private.resize(case.zk.circuit().input.len_of(RegionKind::Private), F::ZERO);
    let prepared = PreparedCircuit::new(case.zk.circuit()).unwrap();
    let ((proof, _), _) = gkr::prove_masked::<F, E, Transparent>(
        &Transparent,
        &prepared,
        None,
        &witness(&case.public, &private),
        CTX,
        ZkArgs {
            layout: case.zk.layout(),
            seed: &[1; 32],
        },
    )
    .unwrap();
    assert!(hits(&proof.to_bytes(), &secrets) >= case.private.len() / 2);
}

#[test]
fn zk_refuses_blocks() {
    let blocks = Spec {
        log_widths: vec![5, 5, 4],
        blocks: vec![BlockSpec {
            kind: BlockKind::MatMul,
            layer: 2,
        }],
        ..Spec::default()
    };
    assert_eq!(
        ZkCircuit::new(&random::circuit(&blocks, 1)).err(),
        Some(ZkRefusal::Blocks { layer: 2 })
    );
}

#[test]
fn zk_security_figure_counts_the_masked_terms() {
    let case = base();
    let s = case.zk.security(None).unwrap();
    assert!(s.bits >= 100.0, "{} bits", s.bits);
    assert_eq!(s.regions, vec![RegionKind::Private]);
    // The private region is opened at GKR's points and the mask table's.
    assert_eq!(
        s.openings[0].num_points,
        gkr::region_opening_points(
            case.zk.circuit(),
            case.zk.circuit().input.region(RegionKind::Private).unwrap()
        ) + 1
    );
    let plain = gkr::GkrSoundness::new(case.zk.circuit(), s.gkr.field_bits);
    assert!(
        s.gkr.gkr_numerator > plain.gkr_numerator + 2 * u64::from(case.zk.layout().table_log_len)
    );
}

#[test]
fn zk_proofs_identical_across_thread_counts() {
    let prove_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| base().proof.to_bytes())
    };
    assert_eq!(prove_with(1), prove_with(2));
}

#[test]
fn hiding_data_opens_once_however_often_cloned() {
    let scheme = OpenOnce::new(hiding_scheme(), &ZkRng::Seeded([2; 32])).unwrap();
    let values = field_values(100, 9);
    let (_, data) = CommitmentScheme::<F, E>::commit(&scheme, &values, 7).unwrap();
    let again = data.clone();
    let point = vec![E::from_u64(3); 7];
    let mut t = Transcript::new(b"once");
    CommitmentScheme::<F, E>::open(&scheme, data, &[&point], &mut t).unwrap();
    assert!(!again.is_unopened());
    assert_eq!(
        CommitmentScheme::<F, E>::open(&scheme, again, &[&point], &mut t).err(),
        Some(CommitError::OpenedTwice)
    );
    // A verifier's adapter holds no generator and cannot commit.
    let verifier = OpenOnce::verifier(hiding_scheme());
    assert!(matches!(
        CommitmentScheme::<F, E>::commit(&verifier, &values, 7),
        Err(CommitError::Parameters(_))
    ));
}

#[test]
fn attack_false_output_rejected() {
    let case = base();
    let mut outputs = case.outputs.clone();
    outputs[0] += F::ONE;
    assert!(verify_zk(&case.zk, &case.statement(&outputs), None, &case.proof).is_err());
}

#[test]
fn attack_stated_private_evaluation_rejected_by_the_input_check() {
    let case = base();
    let mut p = case.proof.clone();
    p.proof.openings[0].proof.evals[0] += E::ONE;
    assert_eq!(case.verify(&p), Err(VerifyError::InputClaim { claim: 0 }));
}

#[test]
fn attack_stated_table_evaluation_rejected() {
    let case = base();
    let mut p = case.proof.clone();
    let last = p.proof.openings[0].proof.evals.len() - 1;
    p.proof.openings[0].proof.evals[last] += E::ONE;
    assert_eq!(case.verify(&p), Err(VerifyError::ZkTableValue));
}

#[test]
fn attack_inner_product_value_rejected() {
    let case = base();
    let mut p = case.proof.clone();
    p.inner.z_value += E::ONE;
    assert_eq!(
        case.verify(&p),
        Err(VerifyError::ZkInnerProduct(InnerProductError::Final))
    );
}

/// The opening of another proof of the same statement (another commitment, other masks):
/// its stated evaluations do not match this proof's claims (the table's is checked
/// first).
#[test]
fn attack_opening_from_another_proof_rejected() {
    let a = base();
    let b = Case::new(&specs()[0], 11, &ZkRng::Seeded([5; 32]));
    let mut p = a.proof.clone();
    p.proof.openings = b.proof.proof.openings.clone();
    assert_eq!(a.verify(&p), Err(VerifyError::ZkTableValue));
}

/// Another proof's commitment with this proof's messages: the transcript moves, so the
/// first check drawn from it fails.
#[test]
fn attack_commitment_from_another_proof_rejected() {
    let a = base();
    let b = Case::new(&specs()[0], 11, &ZkRng::Seeded([5; 32]));
    let mut p = a.proof.clone();
    p.proof.commitments = b.proof.proof.commitments.clone();
    assert!(a.verify(&p).is_err());
}

/// A witness that violates a constraint, proven anyway with hiding openings: the deferred
/// claims catch it.
#[test]
fn attack_unsatisfied_witness_rejected() {
    let spec = &specs()[1];
    let mut original = without_weights(random::circuit(spec, 21));
    let public = field_values(original.num_public as usize, 21 ^ 1);
    let private = field_values(original.input.len_of(RegionKind::Private), 21 ^ 3);
    let (_, outputs) =
        prover::prove_transparent(&original, &witness(&public, &private), CTX).unwrap();
    let i = outputs.iter().position(|v| *v != F::ZERO).unwrap();
    original.public_outputs.remove(i);
    let zk = ZkCircuit::new(&original).unwrap();
    assert!(matches!(
        prove_zk(
            &zk,
            &witness(&public, &private),
            CTX,
            &ZkRng::Seeded([1; 32]),
            None
        ),
        Err(ProveError::Unsatisfied { .. })
    ));
    let mut full = private.clone();
    full.resize(zk.circuit().input.len_of(RegionKind::Private), F::ZERO);
    let scheme = OpenOnce::new(hiding_scheme(), &ZkRng::Seeded([6; 32])).unwrap();
    let prepared = PreparedCircuit::new(zk.circuit()).unwrap();
    let ((proof, outputs), inner) = gkr::prove_masked_unchecked::<F, E, _>(
        &scheme,
        &prepared,
        None,
        &witness(&public, &full),
        CTX,
        ZkArgs {
            layout: zk.layout(),
            seed: &[6; 32],
        },
    )
    .unwrap();
    let statement = Statement {
        public: &public,
        outputs: &outputs,
        context: CTX,
        weights_commitment: None,
    };
    assert!(matches!(
        verify_zk(
            &zk,
            &statement,
            None,
            &ZkProof {
                proof,
                inner,
                stock: None,
                links: Vec::new(),
            }
        ),
        Err(VerifyError::ZkInnerProduct(_))
    ));
}

#[test]
fn zk_proof_bytes_refuse_damage() {
    let case = base();
    let bytes = case.proof.to_bytes();
    let statement = case.statement(&case.outputs);
    for cut in [0, 4, bytes.len() / 2, bytes.len() - 1] {
        assert!(matches!(
            verify_zk_bytes(&case.zk, &statement, None, &bytes[..cut]),
            Err(VerifyError::Decode(_))
        ));
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(
        verify_zk_bytes(&case.zk, &statement, None, &long),
        Err(VerifyError::Decode(_))
    ));
}

// ---- circuits with weights: the weights stock ----

/// A random circuit with weights, its zero-knowledge form, a stock of 4 entries, and
/// honest proofs with entries 0 and 1.
struct Weighted {
    original: Circuit,
    zk: ZkCircuit,
    public: Vec<F>,
    weights: Vec<F>,
    private: Vec<F>,
    stock: WeightsStock,
    proofs: Vec<(ZkProof, Vec<F>)>,
}

impl Weighted {
    fn new(seed: u64, weights_seed: u64) -> Weighted {
        let original = random::circuit(&specs()[0], seed);
        let zk = ZkCircuit::new(&original).unwrap();
        let public = field_values(original.num_public as usize, seed ^ 1);
        let weights = field_values(original.input.len_of(RegionKind::Weights), weights_seed);
        let private = field_values(original.input.len_of(RegionKind::Private), seed ^ 3);
        let stock = WeightsStock::build(&zk, &weights, 4, &ZkRng::Seeded([weights_seed as u8; 32]))
            .unwrap();
        let mut w = Weighted {
            original,
            zk,
            public,
            weights,
            private,
            stock,
            proofs: Vec::new(),
        };
        for index in 0..2 {
            let p = w.prove(index).unwrap();
            w.proofs.push(p);
        }
        w
    }

    fn prove(&self, index: u32) -> Result<(ZkProof, Vec<F>), ProveError> {
        let witness = Witness {
            public: &self.public,
            weights: &self.weights,
            private: &self.private,
        };
        prove_zk(
            &self.zk,
            &witness,
            CTX,
            &ZkRng::System,
            Some(StockUse {
                stock: &self.stock,
                index,
            }),
        )
    }

    fn verify_with(
        &self,
        key: Option<&StockKey>,
        proof: &ZkProof,
        outputs: &[F],
    ) -> Result<(), VerifyError> {
        let statement = Statement {
            public: &self.public,
            outputs,
            context: CTX,
            weights_commitment: None,
        };
        verify_zk(&self.zk, &statement, key, proof)
    }

    fn verify(&self, proof: &ZkProof) -> Result<(), VerifyError> {
        self.verify_with(Some(self.stock.key()), proof, &self.proofs[0].1)
    }
}

#[test]
fn zk_weights_round_trip_outputs_agree_and_entries_differ() {
    let w = Weighted::new(31, 7);
    let plain = Witness {
        public: &w.public,
        weights: &w.weights,
        private: &w.private,
    };
    let (_, outputs) = prover::prove_transparent(&w.original, &plain, CTX).unwrap();
    for (proof, out) in &w.proofs {
        assert_eq!(out, &outputs);
        w.verify(proof).unwrap();
        let bytes = proof.to_bytes();
        assert_eq!(&ZkProof::from_bytes(&bytes).unwrap(), proof);
    }
    // Each proof opens its own entry: another commitment, index and path.
    let (a, b) = (&w.proofs[0].0, &w.proofs[1].0);
    assert_ne!(a.proof.commitments[0], b.proof.commitments[0]);
    assert_eq!(a.stock.as_ref().unwrap().index, 0);
    assert_eq!(b.stock.as_ref().unwrap().index, 1);
    assert_eq!(w.stock.next_unused(), Some(2));
    let s = w.zk.security(Some(4)).unwrap();
    assert!(s.bits >= 100.0, "{} bits", s.bits);
    assert_eq!(s.regions, vec![RegionKind::Weights, RegionKind::Private]);
}

/// The owner's audit: the stock file recommitted from its secret and the weights gives
/// the key's stock; other weights give another root; a tampered entry is refused.
#[test]
fn stock_audit_with_the_owners_secret() {
    let w = Weighted::new(34, 10);
    let bytes = w.stock.to_bytes();
    assert_eq!(
        &WeightsStock::audit(&w.zk, &w.weights, &bytes).unwrap(),
        w.stock.key()
    );
    let mut other = w.weights.clone();
    other[0] += F::ONE;
    assert!(matches!(
        WeightsStock::audit(&w.zk, &other, &bytes),
        Err(ProveError::Stock(_))
    ));
    // An entry swapped in the file: its listed commitments are not the recomputed ones.
    let mut swapped = bytes.clone();
    let entry = 4 + 4 + 32 + 4; // magic, version, master, size
    swapped[entry] ^= 1;
    assert!(WeightsStock::audit(&w.zk, &w.weights, &swapped).is_err());
}

#[test]
fn stock_entry_opened_once() {
    let w = Weighted::new(32, 8);
    assert!(matches!(w.prove(0), Err(ProveError::Stock(_))));
    assert!(matches!(w.prove(4), Err(ProveError::Stock(_))));
    w.prove(2).unwrap();
}

/// Weights and private values never appear in the proof bytes. The twin: the same masked
/// prover with the transparent scheme, on the same zero-knowledge circuit, puts the
/// weights in its weights opening, and the scan finds them.
#[test]
fn zk_weights_not_in_the_proof_bytes() {
    let w = Weighted::new(33, 9);
    let secrets: HashSet<u64> = w
        .weights
        .iter()
        .chain(&w.private)
        .map(|v| v.as_u64())
        .filter(|&v| v >= 1 << 16)
        .collect();
    assert!(secrets.len() > 20);
    for (proof, _) in &w.proofs {
        assert_eq!(hits(&proof.to_bytes(), &secrets), 0);
    }
    let c = w.zk.circuit();
    let mut weights = w.weights.clone();
    weights.resize(c.input.len_of(RegionKind::Weights), F::ZERO);
    let mut private = w.private.clone();
    private.resize(c.input.len_of(RegionKind::Private), F::ZERO);
    let prepared = PreparedCircuit::new(c).unwrap();
    let cw = gkr::commit_weights::<F, E, Transparent>(&Transparent, c, &weights).unwrap();
    let ((proof, _), _) = gkr::prove_masked::<F, E, Transparent>(
        &Transparent,
        &prepared,
        cw.as_ref(),
        &Witness {
            public: &w.public,
            weights: &weights,
            private: &private,
        },
        CTX,
        ZkArgs {
            layout: w.zk.layout(),
            seed: &[1; 32],
        },
    )
    .unwrap();
    let in_weights = w
        .weights
        .iter()
        .filter(|v| secrets.contains(&v.as_u64()))
        .count();
    assert!(hits(&proof.to_bytes(), &secrets) >= in_weights);
}

/// Two models (other weights, same circuit): each proof verifies only against its own
/// key.
#[test]
fn attack_proof_against_another_models_key_rejected() {
    let a = Weighted::new(34, 10);
    let b = Weighted::new(34, 11);
    assert_ne!(a.proofs[0].1, b.proofs[0].1);
    b.verify(&b.proofs[0].0).unwrap();
    assert_eq!(
        a.verify_with(Some(a.stock.key()), &b.proofs[0].0, &b.proofs[0].1),
        Err(VerifyError::StockPath)
    );
    // The same lengths for both models, up to the opening's pruned paths.
    let len = |p: &ZkProof| {
        p.to_bytes().len()
            - p.proof
                .openings
                .iter()
                .map(|o| o.encoded_len())
                .sum::<usize>()
    };
    assert_eq!(len(&a.proofs[0].0), len(&b.proofs[0].0));
}

/// A key whose stock commits to other weights than its agreement value pins: the entries
/// are b's, the value a's. The agreement check catches it.
#[test]
fn attack_stock_entries_of_other_weights_rejected_by_the_agreement() {
    let a = Weighted::new(35, 12);
    let b = Weighted::new(35, 13);
    let key = StockKey {
        y_eq: a.stock.key().y_eq,
        ..b.stock.key().clone()
    };
    assert_eq!(
        b.verify_with(Some(&key), &b.proofs[0].0, &b.proofs[0].1),
        Err(VerifyError::WeightsAgreement)
    );
}

#[test]
fn attack_stated_agreement_value_rejected() {
    let w = Weighted::new(36, 14);
    let mut p = w.proofs[0].0.clone();
    let evals = &mut p.proof.openings[0].proof.evals;
    let last = evals.len() - 1;
    evals[last] += E::ONE;
    assert_eq!(w.verify(&p), Err(VerifyError::WeightsAgreement));
}

#[test]
fn attack_stock_path_tampered_rejected() {
    let w = Weighted::new(37, 15);
    let honest = &w.proofs[0].0;
    let mut index = honest.clone();
    index.stock.as_mut().unwrap().index = 1;
    assert_eq!(w.verify(&index), Err(VerifyError::StockPath));
    let mut beyond = honest.clone();
    beyond.stock.as_mut().unwrap().index = 4;
    assert_eq!(w.verify(&beyond), Err(VerifyError::StockPath));
    let mut sibling = honest.clone();
    sibling.stock.as_mut().unwrap().siblings[0][0] ^= 1;
    assert_eq!(w.verify(&sibling), Err(VerifyError::StockPath));
    let mut short = honest.clone();
    short.stock.as_mut().unwrap().siblings.pop();
    assert_eq!(w.verify(&short), Err(VerifyError::StockPath));
    // Another entry's commitment with this proof's path.
    let mut swapped = honest.clone();
    swapped.proof.commitments[0] = w.proofs[1].0.proof.commitments[0];
    assert_eq!(w.verify(&swapped), Err(VerifyError::StockPath));
}

#[test]
fn attack_missing_stock_rejected() {
    let w = Weighted::new(38, 16);
    let (proof, outputs) = &w.proofs[0];
    assert_eq!(
        w.verify_with(None, proof, outputs),
        Err(VerifyError::StockMissing)
    );
    let mut none = proof.clone();
    none.stock = None;
    assert_eq!(w.verify(&none), Err(VerifyError::StockMissing));
    // A weights-free circuit's proof verified with a stock key.
    let case = base();
    assert_eq!(
        verify_zk(
            &case.zk,
            &case.statement(&case.outputs),
            Some(w.stock.key()),
            &case.proof
        ),
        Err(VerifyError::StockMissing)
    );
    // A caller-supplied weights commitment is refused: the stock names it.
    let statement = Statement {
        public: &w.public,
        outputs,
        context: CTX,
        weights_commitment: Some(&proof.proof.commitments[0]),
    };
    assert_eq!(
        verify_zk(&w.zk, &statement, Some(w.stock.key()), proof),
        Err(VerifyError::UnexpectedWeightsCommitment)
    );
}

#[test]
fn stock_key_and_path_encodings_round_trip_and_refuse_damage() {
    use circuits::codec::{Reader, Writer};
    use prover::zk::StockPath;
    let w = Weighted::new(39, 17);
    let mut wr = Writer::new();
    w.stock.key().encode(&mut wr);
    let bytes = wr.into_bytes();
    let mut r = Reader::new(&bytes);
    assert_eq!(&StockKey::decode(&mut r).unwrap(), w.stock.key());
    r.finish().unwrap();
    let mut zero = bytes.clone();
    zero[32..36].copy_from_slice(&0u32.to_le_bytes());
    assert!(StockKey::decode(&mut Reader::new(&zero)).is_err());
    let path = w.proofs[0].0.stock.clone().unwrap();
    let mut wr = Writer::new();
    path.encode(&mut wr);
    let bytes = wr.into_bytes();
    assert_eq!(StockPath::decode(&mut Reader::new(&bytes)).unwrap(), path);
    let mut deep = bytes.clone();
    deep[4] = 21;
    assert!(StockPath::decode(&mut Reader::new(&deep)).is_err());
    for cut in 0..bytes.len() {
        assert!(StockPath::decode(&mut Reader::new(&bytes[..cut])).is_err());
    }
    // The proof's stock flag takes 0 or 1 only.
    let mut proof = w.proofs[0].0.to_bytes();
    let flag = proof.len() - bytes.len() - 1;
    proof[flag] = 2;
    assert!(matches!(
        ZkProof::from_bytes(&proof),
        Err(circuits::DecodeError::Tag { .. })
    ));
}

/// Entries are taken in a fresh random order: a permutation of the stock, different from
/// one draw to the next (two equal draws of 64 entries: probability 1/64!).
#[test]
fn stock_indices_are_shuffled() {
    let original = random::circuit(&specs()[0], 40);
    let zk = ZkCircuit::new(&original).unwrap();
    let weights = field_values(original.input.len_of(RegionKind::Weights), 40);
    let stock = WeightsStock::build(&zk, &weights, 64, &ZkRng::Seeded([3; 32])).unwrap();
    let a = stock.shuffled_indices().unwrap();
    let b = stock.shuffled_indices().unwrap();
    let mut sorted = a.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..64).collect::<Vec<u32>>());
    assert_ne!(a, b);
    let first = stock.random_unused().unwrap().unwrap();
    assert!(first < 64);
}
