//! Masked GKR on circuits with structured blocks (issue 10, design §3.6 items 1, 2, 4):
//! round trips on both schemes (convolutions and matrix products, blocks receiving one
//! claim and several), outputs preserved by the zero-knowledge form, fresh block masks
//! per seed, and named attacks each asserting its specific rejection.

use crate::common;

use circuits::random::{self, BlockKind, Spec};
use circuits::{Circuit, RegionKind};
use common::{Data, block};
use prover::commit::CommitmentScheme;
use prover::gkr::structured::{Stage, StructuredError};
use prover::gkr::{self, BlockFault, PreparedCircuit, ZkArgs, ZkLayout};
use prover::sumcheck::SumcheckError;
use prover::zk::inner_product::{InnerProductError, InnerProductProof};
use prover::{
    ExtensionField, Field, Goldilocks, GoldilocksExt2, Proof, Statement, Transparent, VerifyError,
    Witness,
};

type F = Goldilocks;
type E = GoldilocksExt2;
const CTX: &[u8] = b"masked-blocks";

/// A random circuit whose private region holds values in every slot (a layer-1 operand
/// then never reads its padding, which the transform refuses), and its zero-knowledge
/// form for extension degree `ext`.
fn zk_circuits(spec: &Spec, seed: u64, ext: usize) -> (Circuit, Circuit, ZkLayout) {
    let mut original = random::circuit(spec, seed);
    for r in &mut original.input.regions {
        if r.kind == RegionKind::Private {
            r.len = 1 << r.log_len;
        }
    }
    let (zk, layout) = circuits::zk::with_noise(&original, ext).unwrap();
    (original, zk, layout)
}

/// How to prove: honestly, without the satisfaction check, or with a wrong block output.
#[derive(Clone, Copy)]
enum Mode {
    Honest,
    Fault(BlockFault),
}

type Masked<E, C> = gkr::ProvenMasked<F, E, C>;

fn prove_with<E: ExtensionField<F>, C: CommitmentScheme<F, E>>(
    scheme: &C,
    circuit: &Circuit,
    witness: &Witness<'_, F>,
    layout: ZkLayout,
    seed: &[u8; 32],
    mode: Mode,
) -> Result<(Masked<E, C>, Option<prover::commit::Digest>), prover::ProveError> {
    let prepared = PreparedCircuit::new(circuit).unwrap();
    let cw = gkr::commit_weights::<F, E, C>(scheme, circuit, witness.weights).unwrap();
    let zk = ZkArgs { layout, seed };
    let proven = match mode {
        Mode::Honest => gkr::prove_masked(scheme, &prepared, cw.as_ref(), witness, CTX, zk)?,
        Mode::Fault(f) => {
            gkr::prove_masked_with_block_fault(scheme, &prepared, cw.as_ref(), witness, CTX, zk, f)?
        }
    };
    Ok((proven, cw.map(|c| *c.digest())))
}

#[allow(clippy::too_many_arguments)]
fn verify_with<E: ExtensionField<F>, C: CommitmentScheme<F, E>>(
    scheme: &C,
    circuit: &Circuit,
    data: &Data,
    outputs: &[F],
    weights: Option<&prover::commit::Digest>,
    proof: &Proof<E, C::Opening>,
    inner: &InnerProductProof<E>,
    layout: ZkLayout,
) -> Result<(), VerifyError> {
    let prepared = PreparedCircuit::new(circuit).unwrap();
    let statement = Statement {
        public: &data.public,
        outputs,
        context: CTX,
        weights_commitment: weights,
    };
    gkr::verify_masked(scheme, &prepared, &statement, proof, layout, inner)
}

/// A masked transparent proof of a block circuit, with what verifying it needs.
struct Run {
    original: Circuit,
    circuit: Circuit,
    layout: ZkLayout,
    data: Data,
    proof: Proof<E, prover::TransparentOpening<F>>,
    inner: InnerProductProof<E>,
    outputs: Vec<F>,
    weights: Option<prover::commit::Digest>,
}

fn run(spec: &Spec, seed: u64, mask_seed: [u8; 32]) -> Run {
    let (original, circuit, layout) = zk_circuits(spec, seed, 2);
    let data = Data::random(&circuit, seed);
    let (((proof, outputs), inner), weights) = prove_with::<E, Transparent>(
        &Transparent,
        &circuit,
        &data.witness(),
        layout,
        &mask_seed,
        Mode::Honest,
    )
    .unwrap();
    Run {
        original,
        circuit,
        layout,
        data,
        proof,
        inner,
        outputs,
        weights,
    }
}

impl Run {
    fn verify(&self, proof: &Proof<E, prover::TransparentOpening<F>>) -> Result<(), VerifyError> {
        self.verify_inner(proof, &self.inner)
    }
    fn verify_inner(
        &self,
        proof: &Proof<E, prover::TransparentOpening<F>>,
        inner: &InnerProductProof<E>,
    ) -> Result<(), VerifyError> {
        verify_with(
            &Transparent,
            &self.circuit,
            &self.data,
            &self.outputs,
            self.weights.as_ref(),
            proof,
            inner,
            self.layout,
        )
    }
    /// The proof's index (output layer first) of the highest layer with a block of
    /// `claims` claims (more than one: `several`), and that layer.
    fn block_layer(&self, several: bool) -> (usize, usize) {
        let d = self.circuit.depth();
        let k = (1..=d)
            .rev()
            .find(|&k| {
                !self.circuit.layers[k - 1].blocks.is_empty()
                    && (circuits::zk::claims_on_layer(&self.circuit, k) > 1) == several
            })
            .expect("a block layer of that kind");
        (d - k, k)
    }
}

/// Block circuits: the shared ones, then blocks above blocks (several claims each) and
/// blocks in the output layer (one claim each).
fn specs() -> Vec<(&'static str, Spec)> {
    use BlockKind::{Conv2d, MatMul};
    let mut specs = common::block_specs();
    specs.extend([
        (
            "blocks above blocks, public inputs, constants",
            common::blocks_above_blocks(),
        ),
        (
            "blocks in the output layer",
            Spec {
                log_widths: vec![4, 4, 4],
                mul_percent: 30,
                blocks: vec![block(MatMul, 2), block(Conv2d, 2), block(Conv2d, 1)],
                ..Spec::default()
            },
        ),
    ]);
    specs
}

#[test]
fn masked_blocks_round_trip_transparent() {
    let (mut one, mut several) = (0, 0);
    for (name, spec) in specs() {
        for seed in 0..3u64 {
            let r = run(&spec, seed, [seed as u8 + 1; 32]);
            r.verify(&r.proof)
                .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
            // The original circuit, on the original private values, has these outputs.
            let n = r.original.input.len_of(RegionKind::Private);
            let w = Witness {
                private: &r.data.private[..n],
                ..r.data.witness()
            };
            let (_, want) = prover::prove_transparent(&r.original, &w, CTX).unwrap();
            assert_eq!(want, r.outputs, "{name} seed {seed}");
            for (step, lp) in r.proof.layers.iter().enumerate() {
                let k = r.circuit.depth() - step;
                for part in &lp.blocks {
                    let c = circuits::zk::claims_on_layer(&r.circuit, k);
                    assert_eq!(part.y.len(), c);
                    assert_eq!(part.proof.aggregate.is_some(), c > 1);
                    if c > 1 { several += 1 } else { one += 1 }
                }
            }
        }
    }
    assert!(
        one > 0 && several > 0,
        "blocks with one claim and with several"
    );
}

#[test]
fn masked_blocks_round_trip_whir() {
    use prover::WhirExt;
    let scheme = prover::whir_scheme();
    for (name, spec) in [&specs()[2], &specs()[5]] {
        let (_, circuit, layout) = zk_circuits(spec, 7, 3);
        let data = Data::random(&circuit, 7);
        let (((proof, outputs), inner), weights) = prove_with::<WhirExt, _>(
            scheme,
            &circuit,
            &data.witness(),
            layout,
            &[3; 32],
            Mode::Honest,
        )
        .unwrap();
        let verify = |inner: &InnerProductProof<WhirExt>| {
            verify_with(
                scheme,
                &circuit,
                &data,
                &outputs,
                weights.as_ref(),
                &proof,
                inner,
                layout,
            )
        };
        verify(&inner).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut bad = inner.clone();
        bad.z_value += WhirExt::ONE;
        assert_eq!(
            verify(&bad),
            Err(VerifyError::ZkInnerProduct(InnerProductError::Final)),
            "{name}"
        );
    }
}

/// Same seed: identical bytes. Another seed: every block's round messages, sent outputs
/// `t_b` and aggregated value `y'` differ.
#[test]
fn block_masks_fresh_per_seed_identical_for_same_seed() {
    let spec = &specs()[4].1;
    let (a, b, c) = (
        run(spec, 1, [1; 32]),
        run(spec, 1, [2; 32]),
        run(spec, 1, [1; 32]),
    );
    assert_eq!(a.proof.to_bytes(), c.proof.to_bytes());
    assert_eq!(a.inner, c.inner);
    let mut blocks = 0;
    for (la, lb) in a.proof.layers.iter().zip(&b.proof.layers) {
        for (pa, pb) in la.blocks.iter().zip(&lb.blocks) {
            blocks += 1;
            assert!(pa.y.iter().zip(&pb.y).all(|(x, y)| x != y), "t_b");
            let (oa, ob) = (&pa.proof.op, &pb.proof.op);
            assert!(!oa.rounds.is_empty());
            for (ra, rb) in oa.rounds.iter().zip(&ob.rounds) {
                assert!(ra.0.iter().zip(&rb.0).all(|(x, y)| x != y), "op round");
            }
            let (ga, gb) = (
                pa.proof.aggregate.as_ref().unwrap(),
                pb.proof.aggregate.as_ref().unwrap(),
            );
            assert_ne!(ga.y_at, gb.y_at);
            for (ra, rb) in ga.rounds.iter().zip(&gb.rounds) {
                assert!(
                    ra.0.iter().zip(&rb.0).all(|(x, y)| x != y),
                    "aggregation round"
                );
            }
        }
    }
    assert_eq!(blocks, 4);
}

fn base() -> Run {
    run(&specs()[4].1, 42, [9; 32])
}

fn assert_block(e: Result<(), VerifyError>, layer: usize, want: impl Fn(&StructuredError) -> bool) {
    match &e {
        Err(VerifyError::Block {
            layer: l, source, ..
        }) if *l == layer && want(source) => {}
        _ => panic!("unexpected: {e:?}"),
    }
}

/// A later op round is checked in the clear, inside the block.
#[test]
fn attack_block_op_round_rejected_in_the_clear() {
    let r = base();
    let (s, k) = r.block_layer(true);
    let mut p = r.proof.clone();
    let rounds = &mut p.layers[s].blocks[0].proof.op.rounds;
    assert!(rounds.len() >= 2);
    rounds[1].0[1] += E::ONE;
    assert_block(r.verify(&p), k, |e| {
        *e == StructuredError::Sumcheck {
            stage: Stage::Op,
            source: SumcheckError::Sum { round: 1 },
        }
    });
}

/// A later aggregation round, likewise.
#[test]
fn attack_block_aggregation_round_rejected_in_the_clear() {
    let r = base();
    let (s, k) = r.block_layer(true);
    let mut p = r.proof.clone();
    let agg = p.layers[s].blocks[0].proof.aggregate.as_mut().unwrap();
    assert!(agg.rounds.len() >= 2);
    agg.rounds[1].0[0] += E::ONE;
    assert_block(r.verify(&p), k, |e| {
        *e == StructuredError::Sumcheck {
            stage: Stage::Aggregate,
            source: SumcheckError::Sum { round: 1 },
        }
    });
}

/// Round 0 of the op sumcheck shifted so that its sum moves: round 0's sum is a deferred
/// claim (it involves the masks), and that claim fails in the inner product, or round 1
/// fails in the clear when the challenge's move breaks it.
#[test]
fn attack_block_op_round0_caught() {
    let r = base();
    let (s, k) = r.block_layer(true);
    let mut p = r.proof.clone();
    p.layers[s].blocks[0].proof.op.rounds[0].0[0] += E::from_u64(3);
    match r.verify(&p) {
        Err(VerifyError::Block {
            layer,
            source:
                StructuredError::Sumcheck {
                    stage: Stage::Op,
                    source: SumcheckError::Sum { round: 1 },
                },
            ..
        }) if layer == k => {}
        Err(VerifyError::ZkInnerProduct(_)) => {}
        other => panic!("unexpected {other:?}"),
    }
}

/// A tampered `t_b`: it is absorbed before the layer's gate sumcheck, whose round 1 then
/// fails in the clear (the structured unit tests show the deferred claim it breaks when
/// the transcript is left alone).
#[test]
fn attack_tampered_block_output_rejected() {
    let r = base();
    let (s, k) = r.block_layer(true);
    let mut p = r.proof.clone();
    p.layers[s].blocks[0].y[0] += E::ONE;
    assert_eq!(
        r.verify(&p),
        Err(VerifyError::Sumcheck {
            layer: k,
            phase: 1,
            source: SumcheckError::Sum { round: 1 }
        })
    );
}

/// A tampered op-sumcheck final value `a*`: absorbed, so the next layer's gate sumcheck
/// fails in the clear (the unit tests show the op's final deferred claim it breaks).
#[test]
fn attack_tampered_op_final_value_rejected() {
    let r = base();
    let (s, k) = r.block_layer(true);
    assert!(k >= 2);
    let mut p = r.proof.clone();
    p.layers[s].blocks[0].proof.op.operand += E::ONE;
    assert_eq!(
        r.verify(&p),
        Err(VerifyError::Sumcheck {
            layer: k - 1,
            phase: 1,
            source: SumcheckError::Sum { round: 1 }
        })
    );
}

/// An unsatisfied witness in a block layer, proven anyway: one block's `Y` is off by one
/// in one slot and every layer above follows it, so everything but the block's own
/// relation `Y = op(A, W)` holds. The op sumcheck's round-0 deferred claim is false, and
/// the inner product rejects it.
#[test]
fn attack_wrong_block_output_caught_by_the_deferred_claims() {
    for (i, (name, spec)) in specs().iter().enumerate() {
        let (_, circuit, layout) = zk_circuits(spec, 5, 2);
        let data = Data::random(&circuit, 5);
        let k = (1..=circuit.depth())
            .rev()
            .find(|&k| !circuit.layers[k - 1].blocks.is_empty())
            .unwrap();
        let fault = BlockFault {
            layer: k,
            block: 0,
            slot: i % 2,
        };
        let (((proof, outputs), inner), weights) = prove_with::<E, Transparent>(
            &Transparent,
            &circuit,
            &data.witness(),
            layout,
            &[4; 32],
            Mode::Fault(fault),
        )
        .unwrap();
        assert_eq!(
            verify_with(
                &Transparent,
                &circuit,
                &data,
                &outputs,
                weights.as_ref(),
                &proof,
                &inner,
                layout,
            ),
            Err(VerifyError::ZkInnerProduct(InnerProductError::Sumcheck(
                SumcheckError::Sum { round: 0 }
            ))),
            "{name}"
        );
    }
}

/// The plain verifier refuses a masked block proof, and the masked one a plain proof.
#[test]
fn plain_and_masked_block_proofs_do_not_cross() {
    let r = base();
    let statement = Statement {
        public: &r.data.public,
        outputs: &r.outputs,
        context: CTX,
        weights_commitment: r.weights.as_ref(),
    };
    assert!(prover::verify_transparent(&r.circuit, &statement, &r.proof).is_err());
    let (plain, _) = prover::prove_transparent(&r.circuit, &r.data.witness(), CTX).unwrap();
    assert!(r.verify(&plain).is_err());
}

/// The zero-knowledge form computes the original function on block circuits: over 40
/// random circuits (convolutions and matrix products at random layers, mul gates,
/// public inputs, gate spans), the masked prover's outputs on random noise equal the
/// original circuit's, and the masked proof verifies.
#[test]
fn zk_form_preserves_outputs_over_random_block_circuits() {
    use BlockKind::{Conv2d, MatMul};
    for seed in 0..40u64 {
        let kinds = [Conv2d, MatMul];
        let depth = 2 + (seed % 3) as usize;
        let mut log_widths = vec![4 + (seed % 2) as u8];
        log_widths.extend((0..depth).map(|i| 4 - (i == depth - 1) as u8));
        let blocks = (0..1 + seed % 3)
            .map(|j| {
                block(
                    kinds[((seed + j) % 2) as usize],
                    1 + ((seed / 2 + j) as usize % depth),
                )
            })
            .collect();
        let spec = Spec {
            log_widths,
            mul_percent: 25 * (seed % 3),
            num_public: (seed % 3) as u32,
            alternate_add_only: seed % 2 == 1,
            gate_span: seed % 4 == 3,
            blocks,
            ..Spec::default()
        };
        let (original, zk, layout) = zk_circuits(&spec, seed, 2);
        let data = Data::random(&original, seed);
        let (_, want) = prover::prove_transparent(&original, &data.witness(), CTX).unwrap();
        let mut private = data.private.clone();
        private.resize(zk.input.len_of(RegionKind::Private), F::from_u64(seed + 1));
        let w = Witness {
            private: &private,
            ..data.witness()
        };
        let (((proof, got), inner), weights) = prove_with::<E, Transparent>(
            &Transparent,
            &zk,
            &w,
            layout,
            &[seed as u8; 32],
            Mode::Honest,
        )
        .unwrap();
        assert_eq!(got, want, "seed {seed}");
        verify_with(
            &Transparent,
            &zk,
            &data,
            &got,
            weights.as_ref(),
            &proof,
            &inner,
            layout,
        )
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    }
}

/// A depth-1 circuit whose only block reads the private region (no relays, so no gate
/// reads it): a layout placing the table over the operand is refused by name.
#[test]
fn layout_over_a_block_operand_is_refused() {
    use circuits::structured::{Block, MatMulOp, StructuredOp, TensorRef, WeightRef};
    use circuits::{AddGate, Coeff, InputLayout, Layer, Region};
    let mut l1 = Layer::new(2);
    l1.blocks.push(Block {
        out_offset: 0,
        op: StructuredOp::MatMul(MatMulOp {
            input: TensorRef {
                offset: 4,
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
    l1.add.push(AddGate {
        out: 2,
        input: 1,
        coeff: Coeff::ONE,
    });
    let region = |kind, offset, log_len, len| Region {
        kind,
        offset,
        log_len,
        len,
    };
    let original = Circuit {
        input: InputLayout {
            log_width: 4,
            regions: vec![
                region(RegionKind::Public, 0, 2, 4),
                region(RegionKind::Private, 4, 2, 4),
                region(RegionKind::Weights, 8, 3, 8),
            ],
            gate_log_width: None,
        },
        layers: vec![l1],
        num_public: 4,
        num_challenges: 0,
        public_outputs: vec![0, 1, 2],
    };
    let (circuit, layout) = circuits::zk::with_noise(&original, 2).unwrap();
    let data = Data::random(&circuit, 1);
    let prove = |layout| {
        prove_with::<E, Transparent>(
            &Transparent,
            &circuit,
            &data.witness(),
            layout,
            &[1; 32],
            Mode::Honest,
        )
    };
    let (((proof, outputs), inner), weights) = prove(layout).unwrap();
    verify_with(
        &Transparent,
        &circuit,
        &data,
        &outputs,
        weights.as_ref(),
        &proof,
        &inner,
        layout,
    )
    .unwrap();
    let over = ZkLayout {
        noise_offset: 0,
        noise_len: 0,
        table_offset: 0,
        ..layout
    };
    assert!(matches!(
        prove(over),
        Err(prover::ProveError::ZkLayout(
            gkr::ZkLayoutError::ReadByBlock { block: 0 }
        ))
    ));
    assert_eq!(
        verify_with(
            &Transparent,
            &circuit,
            &data,
            &outputs,
            weights.as_ref(),
            &proof,
            &inner,
            over,
        ),
        Err(VerifyError::ZkLayout(gkr::ZkLayoutError::ReadByBlock {
            block: 0
        }))
    );
    // The noise moved over the operand instead of the table: the same refusal.
    let noise_over = ZkLayout {
        noise_offset: 0,
        ..layout
    };
    assert_ne!(layout.noise_offset, 0);
    assert!(matches!(
        prove(noise_over),
        Err(prover::ProveError::ZkLayout(
            gkr::ZkLayoutError::ReadByBlock { block: 0 }
        ))
    ));
    assert_eq!(
        verify_with(
            &Transparent,
            &circuit,
            &data,
            &outputs,
            weights.as_ref(),
            &proof,
            &inner,
            noise_over,
        ),
        Err(VerifyError::ZkLayout(gkr::ZkLayoutError::ReadByBlock {
            block: 0
        }))
    );
}
