//! Honest proofs verify, on random circuits of many shapes; the field evaluation agrees
//! with the plain reference; proofs survive encoding; thread count never changes bytes.

use crate::common;

use circuits::Residue;
use circuits::random::{Rng, Spec};
use common::{Case, F, rich_spec};
use prover::gkr::{self, LayerValues};
use prover::{Field, GoldilocksExt2, PrimeField64, TransparentProof};

fn check(spec: &Spec, seed: u64) {
    let case = Case::new(spec, seed);
    case.verify(&case.proof)
        .unwrap_or_else(|e| panic!("seed {seed}, spec {spec:?}: {e}"));
    let bytes = case.proof.to_bytes();
    let back = TransparentProof::from_bytes(&bytes).unwrap();
    assert_eq!(back, case.proof);
    prover::verify_transparent_bytes(&case.circuit, &case.statement(), &bytes).unwrap();
}

#[test]
fn single_layer_shapes() {
    for (s, log) in [1u8, 2, 3, 5, 8].into_iter().enumerate() {
        let spec = Spec {
            log_widths: vec![log.max(2), log],
            ..Spec::default()
        };
        check(&spec, s as u64);
    }
}

#[test]
fn depths_one_to_twenty() {
    let mut rng = Rng::new(7);
    for depth in 1..=20usize {
        let log_widths: Vec<u8> = (0..=depth).map(|_| 1 + rng.below(6) as u8).collect();
        let spec = Spec {
            log_widths,
            num_public: 3,
            const_percent: 20,
            ..Spec::default()
        };
        check(&spec, depth as u64);
    }
}

#[test]
fn widths_up_to_two_to_sixteen() {
    for log in [10u8, 13, 16] {
        let spec = Spec {
            log_widths: vec![log, log, log - 1],
            fan_in: 1,
            mul_percent: 30,
            ..Spec::default()
        };
        check(&spec, u64::from(log));
    }
}

#[test]
fn fan_in_from_one_to_hundreds() {
    for fan_in in [1u32, 4, 40, 300] {
        let spec = Spec {
            log_widths: vec![6, 4, 3],
            fan_in,
            ..Spec::default()
        };
        check(&spec, u64::from(fan_in));
    }
}

#[test]
fn add_only_and_mul_only_layers() {
    check(
        &Spec {
            log_widths: vec![5, 5, 4, 4],
            mul_percent: 0,
            ..Spec::default()
        },
        11,
    );
    check(
        &Spec {
            log_widths: vec![5, 5, 4, 4],
            mul_percent: 100,
            ..Spec::default()
        },
        12,
    );
    check(
        &Spec {
            log_widths: vec![5, 5, 4, 4, 3],
            alternate_add_only: true,
            ..Spec::default()
        },
        13,
    );
}

#[test]
fn constants_public_inputs_and_zero_slots() {
    check(&rich_spec(), 21);
    check(
        &Spec {
            log_widths: vec![4, 3],
            const_percent: 100,
            num_public: 9,
            ..Spec::default()
        },
        22,
    );
    check(
        &Spec {
            log_widths: vec![4, 4, 4],
            zero_outputs: 7,
            ..Spec::default()
        },
        23,
    );
}

#[test]
fn challenge_coefficients() {
    for seed in 0..4 {
        let spec = Spec {
            log_widths: vec![5, 5, 4, 3],
            num_challenges: 3,
            num_public: 2,
            ..Spec::default()
        };
        check(&spec, 30 + seed);
    }
}

#[test]
fn many_random_shapes() {
    let mut rng = Rng::new(99);
    for seed in 0..40 {
        let depth = 1 + rng.below(6) as usize;
        let log_widths = (0..=depth).map(|_| 1 + rng.below(9) as u8).collect();
        let spec = Spec {
            log_widths,
            fan_in: 1 + rng.below(5) as u32,
            mul_percent: rng.below(101),
            const_percent: rng.below(50),
            num_public: rng.below(5) as u32,
            alternate_add_only: rng.chance(30),
            num_challenges: if rng.chance(25) {
                1 + rng.below(3) as u32
            } else {
                0
            },
            zero_outputs: rng.below(3) as u32,
            blocks: Vec::new(),
            gate_span: false,
        };
        check(&spec, 1000 + seed);
    }
}

fn residues(v: &[F]) -> Vec<Residue> {
    v.iter().map(|x| Residue::new(x.as_u64())).collect()
}

#[test]
fn field_evaluation_matches_reference() {
    for seed in 0..10 {
        let spec = Spec {
            log_widths: vec![6, 5, 5, 4],
            num_public: 4,
            const_percent: 40,
            ..Spec::default()
        };
        let case = Case::new(&spec, 500 + seed);
        let c = &case.circuit;
        let input = c
            .input_layer(
                &residues(&case.data.public),
                &residues(&case.data.weights),
                &residues(&case.data.private),
            )
            .unwrap();
        let reference = c
            .evaluate(&residues(&case.data.public), input.clone(), &[])
            .unwrap();
        let field_input: Vec<F> = input.iter().map(|r| F::from_u64(r.value())).collect();
        let ours =
            gkr::evaluate::<F, GoldilocksExt2>(c, &case.data.public, field_input, &[]).unwrap();
        for (k, (a, b)) in reference.iter().zip(&ours).enumerate() {
            let LayerValues::Base(b) = b else {
                panic!("layer {k} lifted without challenges")
            };
            assert_eq!(a, &residues(b), "layer {k}");
        }
        // And the proven outputs are the reference's public slots.
        let last = &reference[reference.len() - 1];
        let expected: Vec<Residue> = c.public_outputs.iter().map(|&s| last[s as usize]).collect();
        assert_eq!(expected, residues(&case.outputs));
    }
}

#[test]
fn proofs_identical_across_thread_counts() {
    let spec = Spec {
        log_widths: vec![14, 14, 13],
        fan_in: 2,
        num_public: 3,
        ..Spec::default()
    };
    let prove_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| Case::new(&spec, 77).proof.to_bytes())
    };
    assert_eq!(prove_with(1), prove_with(2));
    assert_eq!(prove_with(1), prove_with(3));
}

#[test]
fn verifying_twice_gives_the_same_result() {
    let case = Case::new(&rich_spec(), 5);
    let circuit_before = case.circuit.clone();
    case.verify(&case.proof).unwrap();
    case.verify(&case.proof).unwrap();
    assert_eq!(circuit_before, case.circuit);
}

#[test]
fn prepared_circuits_prove_and_verify() {
    let case = Case::new(&rich_spec(), 6);
    let bytes = case.circuit.to_bytes();
    let from_bytes = gkr::PreparedCircuit::from_bytes(&bytes).unwrap();
    let fresh = gkr::PreparedCircuit::new(&case.circuit).unwrap();
    assert_eq!(from_bytes.digest(), fresh.digest());
    let (owned, owned_bytes) = gkr::PreparedCircuit::with_bytes(case.circuit.clone()).unwrap();
    assert_eq!((owned.digest(), &owned_bytes), (fresh.digest(), &bytes));
    assert_eq!(from_bytes.circuit(), &case.circuit);
    let scheme = prover::Transparent;
    let (proof, outputs) = gkr::prove_prepared::<F, GoldilocksExt2, _>(
        &scheme,
        &from_bytes,
        &case.data.witness(),
        common::CONTEXT,
    )
    .unwrap();
    assert_eq!(
        proof, case.proof,
        "prepared and plain proving agree byte for byte"
    );
    assert_eq!(outputs, case.outputs);
    gkr::verify_prepared(&scheme, &fresh, &case.statement(), &proof).unwrap();
}
