//! Structured blocks in the GKR layer loop (design §3): round trips on random circuits
//! with convolutions and matrix products at every layer, the prover's field evaluation
//! against the circuit's reference, the v2 proof encoding, and the tamper catalogue of
//! the block parts (each attack asserts its specific rejection).

use crate::common;

use circuits::DecodeError;
use circuits::random::{self, BlockKind, Spec};
use circuits::{Circuit, RegionKind};
use common::{CONTEXT, Case, Data, F, block};
use prover::gkr::structured::{Stage, StructuredError};
use prover::gkr::{self, LayerValues};
use prover::proof::{PROOF_FORMAT_VERSION, PROOF_FORMAT_VERSION_STRUCTURED};
use prover::{
    Field, GoldilocksExt2, PrimeField64, ProveError, Statement, TransparentProof, VerifyError,
};

/// Shapes with blocks: the shared ones, then blocks above blocks with public inputs and
/// constants, and a circuit with in-circuit challenges.
fn specs() -> Vec<(&'static str, Spec)> {
    use BlockKind::{Conv2d, MatMul};
    let mut specs = common::block_specs();
    specs.extend([
        (
            "blocks above blocks, public inputs, constants",
            Spec {
                fan_in: 2,
                ..common::blocks_above_blocks()
            },
        ),
        (
            "with in-circuit challenges",
            Spec {
                log_widths: vec![4, 4, 4, 3],
                mul_percent: 30,
                num_challenges: 2,
                blocks: vec![block(Conv2d, 1), block(MatMul, 2)],
                ..Spec::default()
            },
        ),
    ]);
    specs
}

fn residues(v: &[F]) -> Vec<circuits::Residue> {
    v.iter()
        .map(|x| circuits::Residue::new(x.as_u64()))
        .collect()
}

/// The prover's field evaluation (blocks by their ops) equals the circuit's reference
/// evaluation on every slot of every layer, on random data (padding slots included).
#[test]
fn field_evaluation_matches_reference() {
    for (name, spec) in specs().into_iter().filter(|(_, s)| s.num_challenges == 0) {
        for seed in 0..6 {
            let c = random::circuit(&spec, seed);
            let d = Data::random(&c, seed);
            let input = c
                .input_layer(
                    &residues(&d.public),
                    &residues(&d.weights),
                    &residues(&d.private),
                )
                .unwrap();
            let reference = c
                .evaluate(&residues(&d.public), input.clone(), &[])
                .unwrap();
            let field: Vec<F> = input.iter().map(|r| F::from_u64(r.value())).collect();
            let ours = gkr::evaluate::<F, GoldilocksExt2>(&c, &d.public, field, &[]).unwrap();
            for (k, (a, b)) in reference.iter().zip(&ours).enumerate() {
                let LayerValues::Base(b) = b else {
                    panic!("{name}: layer {k} lifted without challenges")
                };
                assert_eq!(a, &residues(b), "{name}, seed {seed}, layer {k}");
            }
        }
    }
}

#[test]
fn round_trip_transparent() {
    for (name, spec) in specs() {
        for seed in 0..5 {
            let case = Case::new(&spec, seed);
            assert!(case.circuit.num_blocks() > 0, "{name}");
            case.verify(&case.proof)
                .unwrap_or_else(|e| panic!("{name}, seed {seed}: {e}"));
            let bytes = case.proof.to_bytes();
            assert_eq!(
                u32::from_le_bytes(bytes[4..8].try_into().unwrap()),
                PROOF_FORMAT_VERSION_STRUCTURED
            );
            let back = TransparentProof::from_bytes(&bytes).unwrap();
            assert_eq!(back, case.proof);
            prover::verify_transparent_bytes(&case.circuit, &case.statement(), &bytes).unwrap();
            // Deterministic: the same witness gives the same bytes.
            let again = Case::new(&spec, seed);
            assert_eq!(again.proof.to_bytes(), bytes, "{name}, seed {seed}");
        }
    }
}

#[test]
fn round_trip_whir() {
    for (name, spec) in specs() {
        for seed in 0..2 {
            // Random circuits end their regions at the last value a block reads, and WHIR
            // refuses blocks reading committed padding: give the committed regions their
            // whole span (the refusal itself is tested below).
            let mut c = random::circuit(&spec, seed);
            for r in &mut c.input.regions {
                if r.kind != RegionKind::Public {
                    r.len = 1 << r.log_len;
                }
            }
            let d = Data::random(&c, seed);
            let (proof, outputs) = match prover::prove_whir(&c, None, &d.witness(), CONTEXT) {
                Ok(p) => p,
                // WHIR refuses circuits whose blocks read committed padding.
                Err(e) => panic!("{name}, seed {seed}: {e}"),
            };
            let at = gkr::committed_regions(&c)
                .iter()
                .position(|r| r.kind == RegionKind::Weights);
            let statement = Statement {
                public: &d.public,
                outputs: &outputs,
                context: CONTEXT,
                weights_commitment: at.map(|i| &proof.commitments[i]),
            };
            prover::verify_whir(&c, &statement, &proof)
                .unwrap_or_else(|e| panic!("{name}, seed {seed}: {e}"));
            prover::verify_whir_bytes(&c, &statement, &proof.to_bytes()).unwrap();
        }
    }
}

/// WHIR refuses a block reading committed padding (the weights past the region's
/// length), by name, on both sides.
#[test]
fn whir_refuses_blocks_reading_committed_padding() {
    let (_, spec) = specs().swap_remove(1);
    let c = (0..8)
        .map(|seed| random::circuit(&spec, seed))
        .find(|c| gkr::committed_padding_read(c).is_some())
        .expect("a random matmul whose weights end inside its last padded span");
    let d = Data::random(&c, 0);
    let e = prover::prove_whir(&c, None, &d.witness(), CONTEXT).unwrap_err();
    assert!(matches!(e, ProveError::ReadsCommittedPadding { .. }), "{e}");
}

/// Outputs of a block circuit are what the reference computes (the proof is of the
/// circuit's function, not some other one).
#[test]
fn proven_outputs_are_the_reference_outputs() {
    for (name, spec) in specs().into_iter().filter(|(_, s)| s.num_challenges == 0) {
        let case = Case::new(&spec, 3);
        let c = &case.circuit;
        let d = &case.data;
        let input = c
            .input_layer(
                &residues(&d.public),
                &residues(&d.weights),
                &residues(&d.private),
            )
            .unwrap();
        let reference = c.evaluate(&residues(&d.public), input, &[]).unwrap();
        let out = &reference[reference.len() - 1];
        let want: Vec<circuits::Residue> =
            c.public_outputs.iter().map(|&s| out[s as usize]).collect();
        assert_eq!(residues(&case.outputs), want, "{name}");
    }
}

/// Gate-only circuits keep the version-1 encoding and transcript.
#[test]
fn gate_only_proofs_stay_version_1() {
    let case = Case::new(&common::rich_spec(), 2);
    let bytes = case.proof.to_bytes();
    assert_eq!(
        u32::from_le_bytes(bytes[4..8].try_into().unwrap()),
        PROOF_FORMAT_VERSION
    );
}

// ---- the tamper catalogue -------------------------------------------------------------

fn layered_case() -> Case {
    let (_, spec) = specs().swap_remove(2);
    let case = Case::new(&spec, 4);
    case.verify(&case.proof).expect("the honest proof verifies");
    case
}

/// The proof's layer index (output first) of circuit layer `k`.
fn step(c: &Circuit, k: usize) -> usize {
    c.depth() - k
}

fn first_block_step(c: &Circuit) -> (usize, usize) {
    let k = (1..=c.depth())
        .rev()
        .find(|&k| !c.layers[k - 1].blocks.is_empty())
        .unwrap();
    (step(c, k), k)
}

fn bump<E: Field>(v: &mut E) {
    *v += E::ONE;
}

fn assert_block(e: VerifyError, layer: usize, want: impl Fn(&StructuredError) -> bool) {
    match &e {
        VerifyError::Block {
            layer: l, source, ..
        } if *l == layer && want(source) => {}
        _ => panic!("unexpected rejection: {e:?}"),
    }
}

#[test]
fn attack_block_output_value() {
    let case = layered_case();
    let (s, k) = first_block_step(&case.circuit);
    let mut p = case.proof.clone();
    bump(&mut p.layers[s].blocks[0].y[0]);
    let e = case.verify(&p).unwrap_err();
    assert!(
        matches!(e, VerifyError::Sumcheck { layer, phase: 1, .. } if layer == k),
        "{e:?}"
    );
}

#[test]
fn attack_block_part_missing() {
    let case = layered_case();
    let (s, k) = first_block_step(&case.circuit);
    let mut p = case.proof.clone();
    p.layers[s].blocks.pop();
    let e = case.verify(&p).unwrap_err();
    assert!(
        matches!(e, VerifyError::BlockCount { layer, expected: 1, got: 0 } if layer == k),
        "{e:?}"
    );
}

#[test]
fn attack_block_output_count() {
    let case = layered_case();
    let (s, k) = first_block_step(&case.circuit);
    let mut p = case.proof.clone();
    p.layers[s].blocks[0].y.pop();
    let e = case.verify(&p).unwrap_err();
    assert!(
        matches!(e, VerifyError::BlockOutputs { layer, .. } if layer == k),
        "{e:?}"
    );
}

#[test]
fn attack_block_op_round() {
    let case = layered_case();
    let (s, k) = first_block_step(&case.circuit);
    let mut p = case.proof.clone();
    bump(&mut p.layers[s].blocks[0].proof.op.rounds[0].0[0]);
    let e = case.verify(&p).unwrap_err();
    assert_block(e, k, |s| {
        matches!(
            s,
            StructuredError::Sumcheck {
                stage: Stage::Op,
                ..
            }
        )
    });
}

#[test]
fn attack_block_operand_value() {
    let case = layered_case();
    let (s, k) = first_block_step(&case.circuit);
    let mut p = case.proof.clone();
    bump(&mut p.layers[s].blocks[0].proof.op.operand);
    let e = case.verify(&p).unwrap_err();
    assert_block(e, k, |s| {
        matches!(s, StructuredError::Final { stage: Stage::Op })
    });
}

#[test]
fn attack_block_slab_value() {
    let case = layered_case();
    let (s, k) = first_block_step(&case.circuit);
    let mut p = case.proof.clone();
    bump(&mut p.layers[s].blocks[0].proof.op.slabs[0]);
    let e = case.verify(&p).unwrap_err();
    assert_block(e, k, |s| {
        matches!(s, StructuredError::Final { stage: Stage::Op })
    });
}

#[test]
fn attack_block_aggregation_value() {
    let case = layered_case();
    let c = &case.circuit;
    // A block at a layer below the top receives more than one claim.
    let k = (1..c.depth())
        .rev()
        .find(|&k| !c.layers[k - 1].blocks.is_empty())
        .unwrap();
    let mut p = case.proof.clone();
    let part = &mut p.layers[step(c, k)].blocks[0];
    let agg = part.proof.aggregate.as_mut().expect("aggregated");
    bump(&mut agg.y_at);
    let e = case.verify(&p).unwrap_err();
    assert_block(e, k, |s| {
        matches!(
            s,
            StructuredError::Final {
                stage: Stage::Aggregate
            } | StructuredError::Sumcheck {
                stage: Stage::Op,
                ..
            }
        )
    });
}

#[test]
fn attack_block_aggregation_dropped() {
    let case = layered_case();
    let c = &case.circuit;
    let k = (1..c.depth())
        .rev()
        .find(|&k| !c.layers[k - 1].blocks.is_empty())
        .unwrap();
    let mut p = case.proof.clone();
    p.layers[step(c, k)].blocks[0].proof.aggregate = None;
    let e = case.verify(&p).unwrap_err();
    assert_block(e, k, |s| matches!(s, StructuredError::Shape { .. }));
}

/// A wrong operand claim passes the block (its final check uses the sent value) only if
/// the claim is consistent; moved to the next layer it breaks that layer's sumcheck or
/// the input check.
#[test]
fn attack_operand_value_with_consistent_block_is_caught_below() {
    let case = layered_case();
    let c = &case.circuit;
    let (s, _) = first_block_step(c);
    let mut p = case.proof.clone();
    // Scale the operand value and the last round's evaluations consistently is not
    // possible without breaking the final check; instead drop the whole block part
    // from the top layer and from the layer below in turn: both are named.
    p.layers[s].blocks.clear();
    assert!(matches!(
        case.verify(&p).unwrap_err(),
        VerifyError::BlockCount { .. }
    ));
}

#[test]
fn attack_swapped_block_parts() {
    let (_, spec) = specs().swap_remove(3);
    let case = Case::new(&spec, 1);
    let (s, k) = first_block_step(&case.circuit);
    let mut p = case.proof.clone();
    assert!(p.layers[s].blocks.len() >= 2);
    p.layers[s].blocks.swap(0, 1);
    let e = case.verify(&p).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Block { layer, .. } | VerifyError::Sumcheck { layer, .. } if layer == k
        ),
        "{e:?}"
    );
}

#[test]
fn attack_other_weights() {
    // A proof made with other weights does not verify against the model's commitment.
    let case = layered_case();
    let mut d = Data::random(&case.circuit, 4);
    d.weights[0] += F::ONE;
    let (p, outputs) = prover::prove_transparent(&case.circuit, &d.witness(), CONTEXT).unwrap();
    let statement = Statement {
        outputs: &outputs,
        ..case.statement()
    };
    let e = prover::verify_transparent(&case.circuit, &statement, &p).unwrap_err();
    assert!(matches!(e, VerifyError::WeightsCommitment), "{e:?}");
}

#[test]
fn attack_wrong_output_claim() {
    let case = layered_case();
    let mut outputs = case.outputs.clone();
    outputs[0] += F::ONE;
    let statement = Statement {
        outputs: &outputs,
        ..case.statement()
    };
    let e = prover::verify_transparent(&case.circuit, &statement, &case.proof).unwrap_err();
    assert!(matches!(e, VerifyError::Sumcheck { .. }), "{e:?}");
}

/// A version-2 proof with no block part and no opening batch is not canonical (its
/// encoding is v1).
#[test]
fn v2_without_blocks_is_refused() {
    use prover::commit::Opening;
    let case = Case::new(&common::rich_spec(), 2);
    let p = &case.proof;
    let mut w = circuits::codec::Writer::new();
    w.bytes(b"LAMP");
    w.u32(PROOF_FORMAT_VERSION_STRUCTURED);
    w.length(p.commitments.len());
    for c in &p.commitments {
        w.bytes(c);
    }
    w.length(p.layers.len());
    let rounds = |w: &mut circuits::codec::Writer, r: &[prover::sumcheck::RoundPoly<_>]| {
        w.length(r.len());
        for poly in r {
            w.length(poly.0.len());
            for e in &poly.0 {
                Field::encode(e, w);
            }
        }
    };
    for l in &p.layers {
        rounds(&mut w, &l.phase1);
        l.vx.encode(&mut w);
        match &l.phase2 {
            None => w.u8(0),
            Some(p2) => {
                w.u8(1);
                rounds(&mut w, &p2.rounds);
                p2.vy.encode(&mut w);
            }
        }
        w.length(0);
    }
    w.length(0); // no opening batches either
    w.length(p.openings.len());
    for o in &p.openings {
        o.encode(&mut w);
    }
    let bytes = w.into_bytes();
    let e = TransparentProof::from_bytes(&bytes).unwrap_err();
    assert!(
        matches!(e, DecodeError::NonCanonical { offset: 4 }),
        "{e:?}"
    );
    // The same bytes with version 1 and without the zero counts are the honest proof.
    assert_eq!(TransparentProof::from_bytes(&p.to_bytes()).unwrap(), *p);
}

// ---- the opening batch (protocol version 2) -------------------------------------------

/// Every committed region with claims has a batch; the weights' batch states one value
/// per gate point and per deferred weights claim.
#[test]
fn batches_cover_every_committed_region() {
    let case = layered_case();
    let regions = gkr::committed_regions(&case.circuit);
    assert_eq!(case.proof.batches.len(), regions.len());
    for (r, b) in regions.iter().zip(&case.proof.batches) {
        assert_eq!(b.rounds.len(), r.log_len as usize);
        assert!(!b.values.is_empty());
    }
}

#[test]
fn attack_batch_stated_value() {
    let case = layered_case();
    for i in 0..case.proof.batches.len() {
        let mut p = case.proof.clone();
        bump(&mut p.batches[i].values[0]);
        let e = case.verify(&p).unwrap_err();
        assert!(
            matches!(
                e,
                VerifyError::InputClaim { .. } | VerifyError::WeightsClaim { .. }
            ),
            "batch {i}: {e:?}"
        );
    }
}

#[test]
fn attack_batch_dropped_or_added() {
    let case = layered_case();
    let n = case.proof.batches.len();
    let mut p = case.proof.clone();
    p.batches.pop();
    let e = case.verify(&p).unwrap_err();
    assert!(
        matches!(e, VerifyError::BatchCount { expected, got } if expected == n && got == n - 1),
        "{e:?}"
    );
    let mut p = case.proof.clone();
    p.batches.push(p.batches[0].clone());
    let e = case.verify(&p).unwrap_err();
    assert!(matches!(e, VerifyError::BatchCount { .. }), "{e:?}");
}

#[test]
fn attack_batch_value_count() {
    let case = layered_case();
    let mut p = case.proof.clone();
    let v = p.batches[0].values[0];
    p.batches[0].values.push(v);
    let e = case.verify(&p).unwrap_err();
    assert!(matches!(e, VerifyError::BatchValues { .. }), "{e:?}");
}

#[test]
fn attack_batch_round() {
    let case = layered_case();
    let mut p = case.proof.clone();
    bump(&mut p.batches[0].rounds[0].0[0]);
    let e = case.verify(&p).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Batch {
                source: prover::sumcheck::SumcheckError::Sum { round: 0 },
                ..
            }
        ),
        "{e:?}"
    );
    // The last round's evaluation at 2 leaves every sum intact and moves the final
    // claim: the last batch fails its final check; an earlier one changes the transcript,
    // so the next batch's claim no longer matches its first round.
    let n = p.batches.len();
    for i in 0..n {
        let mut p = case.proof.clone();
        let last = p.batches[i].rounds.len() - 1;
        bump(&mut p.batches[i].rounds[last].0[2]);
        let e = case.verify(&p).unwrap_err();
        if i + 1 == n {
            assert!(matches!(e, VerifyError::BatchFinal { .. }), "{e:?}");
        } else {
            assert!(
                matches!(
                    e,
                    VerifyError::Batch {
                        source: prover::sumcheck::SumcheckError::Sum { round: 0 },
                        ..
                    }
                ),
                "{e:?}"
            );
        }
    }
}

/// The batches and openings of one proof swapped between regions are refused.
#[test]
fn attack_batches_swapped() {
    let case = layered_case();
    let mut p = case.proof.clone();
    p.batches.swap(0, 1);
    assert!(case.verify(&p).is_err());
}
