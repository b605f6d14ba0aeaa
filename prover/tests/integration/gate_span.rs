//! The gate span (design §2.2, §3.4, §5.3; `InputLayout::gate_log_width`): layer 1's gate
//! part runs over `g` variables, its claims on the input layer are padded with zeros
//! above them. Round trips on random circuits (transparent and WHIR, with and without
//! blocks), the padding identity by brute force, the soundness accounting, attacks with
//! their specific rejections, and a compiled program whose circuit gets a span.

use crate::common;

use circuits::ConvSpec;
use circuits::compiler::{Builder, Label, Program, SolvedWitness};
use circuits::random::{self, BlockKind, Rng, Spec};
use circuits::{Circuit, RegionKind, Residue};
use common::{CONTEXT, Case, Data, F, block};
use prover::commit::CommitmentScheme;
use prover::gkr::{self, GkrSoundness};
use prover::sumcheck::SumcheckError;
use prover::{Field, GoldilocksExt2, PrimeField64, Statement, VerifyError, Witness};

type E = GoldilocksExt2;

/// Random shapes with a gate span: gates only, gates with mul and public inputs, blocks
/// at layer 1 and above, and in-circuit challenges.
fn specs() -> Vec<(&'static str, Spec)> {
    use BlockKind::{Conv2d, MatMul};
    let base = Spec {
        log_widths: vec![4, 4, 3],
        gate_span: true,
        ..Spec::default()
    };
    vec![
        ("gates only", base.clone()),
        (
            "gates only, deeper, public inputs, constants",
            Spec {
                log_widths: vec![6, 5, 5, 4, 3],
                fan_in: 3,
                mul_percent: 50,
                const_percent: 30,
                num_public: 6,
                alternate_add_only: true,
                zero_outputs: 2,
                ..base.clone()
            },
        ),
        (
            "add-only first layer",
            Spec {
                mul_percent: 0,
                ..base.clone()
            },
        ),
        (
            "conv at layer 1",
            Spec {
                blocks: vec![block(Conv2d, 1)],
                ..base.clone()
            },
        ),
        (
            "matmul at layer 1",
            Spec {
                blocks: vec![block(MatMul, 1)],
                ..base.clone()
            },
        ),
        (
            "blocks above blocks, public inputs",
            Spec {
                log_widths: vec![5, 4, 4, 4, 3],
                mul_percent: 40,
                const_percent: 30,
                num_public: 3,
                blocks: vec![block(Conv2d, 1), block(Conv2d, 2), block(MatMul, 3)],
                ..base.clone()
            },
        ),
        (
            "with in-circuit challenges",
            Spec {
                log_widths: vec![4, 4, 4, 3],
                mul_percent: 30,
                num_challenges: 2,
                blocks: vec![block(Conv2d, 1), block(MatMul, 2)],
                ..base
            },
        ),
    ]
}

fn span(c: &Circuit) -> usize {
    usize::from(c.input.gate_log_width.expect("a gate span"))
}

/// Layer 1's proof is the last of the proof's layers (output first).
fn layer1<P>(layers: &[P]) -> &P {
    layers.last().unwrap()
}

#[test]
fn round_trip_transparent() {
    for (name, spec) in specs() {
        for seed in 0..5 {
            let case = Case::new(&spec, seed);
            let c = &case.circuit;
            let g = span(c);
            assert!(g < usize::from(c.input.log_width), "{name}");
            case.verify(&case.proof)
                .unwrap_or_else(|e| panic!("{name}, seed {seed}: {e}"));
            // Layer 1's gate part runs over the span, the other layers over their widths.
            let l1 = layer1(&case.proof.layers);
            assert_eq!(l1.phase1.len(), g, "{name}");
            if let Some(p2) = &l1.phase2 {
                assert_eq!(p2.rounds.len(), g, "{name}");
            }
            for (s, lp) in case.proof.layers.iter().enumerate() {
                let k = c.depth() - s;
                if k > 1 {
                    assert_eq!(lp.phase1.len(), usize::from(c.log_width(k - 1)));
                }
            }
            let bytes = case.proof.to_bytes();
            prover::verify_transparent_bytes(c, &case.statement(), &bytes).unwrap();
            let again = Case::new(&spec, seed);
            assert_eq!(again.proof.to_bytes(), bytes, "{name}, seed {seed}");
        }
    }
}

/// Committed regions given their whole span (WHIR refuses reads of committed padding).
fn whir_circuit(spec: &Spec, seed: u64) -> Circuit {
    let mut c = random::circuit(spec, seed);
    for r in &mut c.input.regions {
        if r.kind != RegionKind::Public {
            r.len = 1 << r.log_len;
        }
    }
    c
}

#[test]
fn round_trip_whir() {
    let scheme = prover::whir_scheme();
    for (name, spec) in specs() {
        for seed in 0..2 {
            let c = whir_circuit(&spec, seed);
            let d = Data::random(&c, seed);
            let (proof, outputs) = prover::prove_whir(&c, None, &d.witness(), CONTEXT)
                .unwrap_or_else(|e| panic!("{name}, seed {seed}: {e}"));
            assert_eq!(layer1(&proof.layers).phase1.len(), span(&c), "{name}");
            let regions = gkr::committed_regions(&c);
            let at = regions.iter().position(|r| r.kind == RegionKind::Weights);
            let statement = Statement {
                public: &d.public,
                outputs: &outputs,
                context: CONTEXT,
                weights_commitment: at.map(|i| &proof.commitments[i]),
            };
            prover::verify_whir(&c, &statement, &proof)
                .unwrap_or_else(|e| panic!("{name}, seed {seed}: {e}"));
            prover::verify_whir_bytes(&c, &statement, &proof.to_bytes()).unwrap();
            // A spanned circuit is protocol version 2: every region is opened at one
            // point (its batch's, or the zero point when nothing selects it), and each
            // batch states at most the points the accounting counts.
            for (r, o) in regions.iter().zip(&proof.openings) {
                let opened = scheme.claimed_evaluations(o).unwrap().len();
                assert_eq!(opened, 1, "{name}, seed {seed}, {:?}", r.kind);
            }
            assert!(proof.batches.len() <= regions.len());
            let most = regions
                .iter()
                .map(|r| gkr::region_opening_points(&c, r))
                .max()
                .unwrap_or(0);
            assert!(proof.batches.iter().all(|b| b.values.len() <= most));
            prover::whir_proof_security(&c).unwrap();
        }
    }
}

/// The claim the `g`-variable gate part leaves is the full multilinear extension of the
/// input layer at the point padded with zeros: `Ṽ_0^{<g}(r) = Ṽ_0(r ‖ 0)`, by brute force
/// on random inputs; and above the span the gates read nothing (so the padded point
/// gives the weights region weight 0, and the full sum equals the spanned one).
#[test]
fn padded_point_selects_the_span() {
    let mut rng = Rng::new(11);
    let ext = |rng: &mut Rng| -> E {
        let b: Vec<u8> = (0..32).map(|_| rng.next_u64() as u8).collect();
        E::from_uniform_bytes(&b)
    };
    for (name, spec) in specs() {
        for seed in 0..3 {
            let c = random::circuit(&spec, seed);
            let (a, g) = (usize::from(c.input.log_width), span(&c));
            let d = Data::random(&c, seed);
            let input = c
                .input_layer(
                    &residues(&d.public),
                    &residues(&d.weights),
                    &residues(&d.private),
                )
                .unwrap();
            let v0: Vec<F> = input.iter().map(|r| F::from_u64(r.value())).collect();
            let r: Vec<E> = (0..g).map(|_| ext(&mut rng)).collect();
            let mut padded = r.clone();
            padded.resize(a, E::ZERO);
            let low = prover::mle::evaluate_base::<F, E>(&v0[..1 << g], &r);
            let full = prover::mle::evaluate_base::<F, E>(&v0, &padded);
            assert_eq!(low, full, "{name}, seed {seed}");
            // Brute force over the hypercube: Σ_x eq(padded, x)·V_0(x) over all 2^a slots.
            let brute: E = (0..1usize << a)
                .map(|x| prover::mle::eq_at_index(&padded, x) * E::from(v0[x]))
                .sum();
            assert_eq!(brute, full, "{name}, seed {seed}");
            // Regions above the span get weight 0 from the padded point.
            for reg in &c.input.regions {
                let w = prover::mle::eq_at_index(
                    &padded[reg.log_len as usize..],
                    (reg.offset >> reg.log_len) as usize,
                );
                if u64::from(reg.offset) >= 1u64 << g {
                    assert_eq!(w, E::ZERO, "{name}: {:?}", reg.kind);
                } else {
                    assert_ne!(w, E::ZERO, "{name}: {:?}", reg.kind);
                }
            }
            // Layer 1's gates read only below the span.
            let l = &c.layers[0];
            assert!(
                l.mul
                    .iter()
                    .flat_map(|m| [m.in0, m.in1])
                    .chain(l.add.iter().map(|x| x.input))
                    .all(|s| (s as usize) < 1 << g)
            );
        }
    }
}

/// GKR's soundness counts layer 1's rounds as `g`: the spanned circuit's numerator is the
/// unspanned one's less `2·(a − g)` per phase of layer 1.
#[test]
fn soundness_counts_the_span() {
    for (name, spec) in specs() {
        let c = random::circuit(&spec, 1);
        let mut plain = c.clone();
        plain.input.gate_log_width = None;
        let (a, g) = (u64::from(c.input.log_width), span(&c) as u64);
        let phases = 1 + u64::from(!c.layers[0].mul.is_empty());
        let spanned = GkrSoundness::new(&c, 127);
        let full = GkrSoundness::new(&plain, 127);
        // Protocol version 2 adds the opening batches' terms: `(C − 1) + 2·log_len` per
        // committed region (a spanned circuit always, the plain one with blocks).
        let batches = |c: &circuits::Circuit| -> u64 {
            if !c.has_structure() {
                return 0;
            }
            gkr::committed_regions(c)
                .iter()
                .map(|r| gkr::region_opening_points(c, r) as u64 - 1 + 2 * u64::from(r.log_len))
                .sum()
        };
        assert_eq!(
            (full.gkr_numerator - batches(&plain)) - (spanned.gkr_numerator - batches(&c)),
            2 * (a - g) * phases,
            "{name}"
        );
    }
}

fn residues(v: &[F]) -> Vec<Residue> {
    v.iter().map(|x| Residue::new(x.as_u64())).collect()
}

// ---- attacks ----------------------------------------------------------------------------

fn case_with_mul() -> Case {
    let (_, spec) = specs().swap_remove(5);
    let case = Case::new(&spec, 2);
    assert!(!case.circuit.layers[0].mul.is_empty());
    case.verify(&case.proof).expect("the honest proof verifies");
    case
}

fn statement_for<'a>(d: &'a Data, outputs: &'a [F], c: &Circuit) -> Statement<'a, F> {
    let _ = c;
    Statement {
        public: &d.public,
        outputs,
        context: CONTEXT,
        weights_commitment: None,
    }
}

/// Proves `prove_on`, verifies against `verify_on` (same regions and data).
fn cross(prove_on: &Circuit, verify_on: &Circuit, seed: u64) -> VerifyError {
    let d = Data::random(prove_on, seed);
    let (proof, outputs) = prover::prove_transparent(prove_on, &d.witness(), CONTEXT).unwrap();
    let commitment = prover::transparent_weights_commitment(prove_on, &d.weights);
    let statement = Statement {
        weights_commitment: commitment.as_ref(),
        ..statement_for(&d, &outputs, prove_on)
    };
    prover::verify_transparent(prove_on, &statement, &proof).unwrap();
    prover::verify_transparent(verify_on, &statement, &proof).unwrap_err()
}

/// A proof made for the circuit without the span does not verify against the circuit
/// with it, nor the reverse: the transcript binds the circuit's digest and its protocol
/// version, so the first sumcheck of the top layer fails; in a one-layer circuit, whose
/// top layer is layer 1, the round count (the span's `g` against the full `a`) is named.
#[test]
fn attack_proof_for_the_other_circuit() {
    for (name, spec) in specs().into_iter().take(6) {
        let spanned = random::circuit(&spec, 3);
        let mut plain = spanned.clone();
        plain.input.gate_log_width = None;
        let top = spanned.depth();
        for (from, to) in [(&plain, &spanned), (&spanned, &plain)] {
            let e = cross(from, to, 3);
            assert!(
                matches!(e, VerifyError::Sumcheck { layer, phase: 1, .. } if layer == top),
                "{name}: {e:?}"
            );
        }
    }
    let spec = Spec {
        log_widths: vec![4, 3],
        gate_span: true,
        ..Spec::default()
    };
    let spanned = random::circuit(&spec, 1);
    let mut plain = spanned.clone();
    plain.input.gate_log_width = None;
    let (a, g) = (usize::from(spanned.input.log_width), span(&spanned));
    let e = cross(&plain, &spanned, 1);
    assert!(
        matches!(
            e,
            VerifyError::Sumcheck {
                layer: 1,
                phase: 1,
                source: SumcheckError::RoundCount { expected, got }
            } if expected == g && got == a
        ),
        "{e:?}"
    );
    let e = cross(&spanned, &plain, 1);
    assert!(
        matches!(
            e,
            VerifyError::Sumcheck {
                layer: 1,
                phase: 1,
                source: SumcheckError::RoundCount { expected, got }
            } if expected == a && got == g
        ),
        "{e:?}"
    );
}

#[test]
fn attack_tampered_layer1_round() {
    let case = case_with_mul();
    let last = case.proof.layers.len() - 1;
    let mut p = case.proof.clone();
    p.layers[last].phase1[0].0[0] += E::ONE;
    let e = case.verify(&p).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Sumcheck {
                layer: 1,
                phase: 1,
                source: SumcheckError::Sum { round: 0 }
            }
        ),
        "{e:?}"
    );
    let mut p = case.proof.clone();
    let p2 = p.layers[last].phase2.as_mut().unwrap();
    let n = p2.rounds.len();
    p2.rounds[n - 1].0[1] += E::ONE;
    let e = case.verify(&p).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Sumcheck {
                layer: 1,
                phase: 2,
                ..
            } | VerifyError::LayerFinal { layer: 1, phase: 2 }
        ),
        "{e:?}"
    );
    // A wrong vx is caught below layer 1: at the input-layer check.
    let mut p = case.proof.clone();
    p.layers[last].vx += E::ONE;
    let e = case.verify(&p).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Sumcheck { layer: 1, .. } | VerifyError::LayerFinal { layer: 1, .. }
        ),
        "{e:?}"
    );
}

#[test]
fn attack_wrong_number_of_layer1_rounds() {
    let case = case_with_mul();
    let g = span(&case.circuit);
    let a = usize::from(case.circuit.input.log_width);
    let last = case.proof.layers.len() - 1;
    let round_count = |p: &prover::TransparentProof, phase: u8, want_got: usize| {
        let e = case.verify(p).unwrap_err();
        assert!(
            matches!(
                e,
                VerifyError::Sumcheck {
                    layer: 1,
                    phase: ph,
                    source: SumcheckError::RoundCount { expected, got }
                } if ph == phase && expected == g && got == want_got
            ),
            "{e:?}"
        );
    };
    // One round too many, one too few, and the full width's count.
    let mut p = case.proof.clone();
    let extra = p.layers[last].phase1[0].clone();
    p.layers[last].phase1.push(extra);
    round_count(&p, 1, g + 1);
    let mut p = case.proof.clone();
    p.layers[last].phase1.pop();
    round_count(&p, 1, g - 1);
    let mut p = case.proof.clone();
    let extra = p.layers[last].phase1[0].clone();
    p.layers[last].phase1.resize(a, extra);
    round_count(&p, 1, a);
    let mut p = case.proof.clone();
    p.layers[last].phase2.as_mut().unwrap().rounds.pop();
    round_count(&p, 2, g - 1);
}

// ---- a compiled program -------------------------------------------------------------------

fn f(v: &[Residue]) -> Vec<F> {
    v.iter().map(|r| F::from_u64(r.value())).collect()
}

/// A conv (weights and bias in the op) whose outputs are rescaled by 2, then a matmul on
/// some quotients; with `gate_weight`, a constraint also reads a weight through a gate.
fn program(gate_weight: bool) -> (Program, SolvedWitness) {
    program_of([2, 4, 4, 4], gate_weight)
}

/// [`program`] with `[cin, h, w, cout]` (the matmul reads 8 quotients).
fn program_of(dims: [usize; 4], gate_weight: bool) -> (Program, SolvedWitness) {
    let mut rng = Rng::new(9);
    let [c, h, w, cout] = dims;
    let mut b = Builder::new();
    let xs = b.hints(c * h * w);
    let ws = b.weights(cout * c * 9);
    let bs = b.weights(cout);
    let xt = b.tensor(&xs, [c as u32, h as u32, w as u32]).unwrap();
    let mut slab_vars = Vec::new();
    for kk in 0..9 {
        for co in 0..cout {
            for ci in 0..c {
                slab_vars.push(ws[(co * c + ci) * 9 + kk]);
            }
        }
    }
    let slabs = b
        .stacked_tensor(&slab_vars, 9, [cout as u32, c as u32, 1])
        .unwrap();
    let bt = b.tensor(&bs, [cout as u32, 1, 1]).unwrap();
    let spec = ConvSpec {
        kernel: [3, 3],
        stride: [1, 1],
        dilation: [1, 1],
        pads: [1, 1, 1, 1],
        depthwise: false,
    };
    let ys = b.conv2d(&xt, &slabs, Some(&bt), cout as u32, spec).unwrap();
    let qs = b.hints(ys.len());
    let rs = b.hints(ys.len());
    for (e, ((&y, &q), &r)) in ys.iter().zip(&qs).zip(&rs).enumerate() {
        let d = b.lin(&[(1, y), (-2, q), (-1, r)], 0);
        b.assert_zero(d, Label::new("rescale", 0, e as u32));
        b.assert_bool(r, Label::new("rbit", 0, e as u32));
    }
    let fc_w = b.weights(3 * 8);
    let qt = b.tensor(&qs[..8], [8, 1, 1]).unwrap();
    let fw = b.tensor(&fc_w, [3, 8, 1]).unwrap();
    let zs = b.matmul(&qt, &fw, None).unwrap();
    for &z in &zs {
        b.output(z);
    }
    let extra = gate_weight.then(|| {
        let sw = b.weight();
        let s = b.add(qs[0], sw);
        b.output(s);
    });
    let p = b.finish().unwrap();

    let x: Vec<i64> = (0..c * h * w).map(|_| rng.below(9) as i64 - 4).collect();
    let wt: Vec<i64> = (0..cout * c * 9).map(|_| rng.below(7) as i64 - 3).collect();
    let bias: Vec<i64> = (0..cout).map(|_| rng.below(9) as i64 - 4).collect();
    let fcw: Vec<i64> = (0..24).map(|_| rng.below(7) as i64 - 3).collect();
    // Y by the solver's own reference: solve once with any q, r to read Y? Compute it here.
    let (oh, ow) = (h, w);
    let mut y = vec![0i64; cout * oh * ow];
    for co in 0..cout {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = bias[co];
                for ci in 0..c {
                    for ki in 0..3 {
                        for kj in 0..3 {
                            let (iy, ix) = (oy as i64 + ki as i64 - 1, ox as i64 + kj as i64 - 1);
                            if iy < 0 || ix < 0 || iy >= h as i64 || ix >= w as i64 {
                                continue;
                            }
                            let xv = x[(ci * h + iy as usize) * w + ix as usize];
                            acc += wt[(co * c + ci) * 9 + ki * 3 + kj] * xv;
                        }
                    }
                }
                y[(co * oh + oy) * ow + ox] = acc;
            }
        }
    }
    let q: Vec<i64> = y.iter().map(|v| v.div_euclid(2)).collect();
    let r: Vec<i64> = y.iter().map(|v| v.rem_euclid(2)).collect();
    let hints: Vec<i64> = x.iter().chain(&q).chain(&r).copied().collect();
    let mut weights: Vec<i64> = wt.iter().chain(&bias).chain(&fcw).copied().collect();
    if extra.is_some() {
        weights.push(5);
    }
    let sol = p.solve(&[], &weights, &hints).unwrap();
    (p, sol)
}

fn prove_both(c: &Circuit, sol: &SolvedWitness) -> (prover::TransparentProof, prover::WhirProof) {
    let (public, weights, private) = (f(&sol.public), f(&sol.weights), f(&sol.private));
    let witness = Witness {
        public: &public,
        weights: &weights,
        private: &private,
    };
    let (tp, outputs) = prover::prove_transparent(c, &witness, b"").unwrap();
    assert_eq!(outputs, f(&sol.outputs));
    let commitment = prover::transparent_weights_commitment(c, &weights);
    prover::verify_transparent(
        c,
        &Statement {
            public: &public,
            outputs: &outputs,
            context: b"",
            weights_commitment: commitment.as_ref(),
        },
        &tp,
    )
    .unwrap();
    let (wp, outputs) = prover::prove_whir(c, None, &witness, b"").unwrap();
    assert_eq!(outputs, f(&sol.outputs));
    let at = gkr::committed_regions(c)
        .iter()
        .position(|r| r.kind == RegionKind::Weights);
    prover::verify_whir(
        c,
        &Statement {
            public: &public,
            outputs: &outputs,
            context: b"",
            weights_commitment: at.map(|i| &wp.commitments[i]),
        },
        &wp,
    )
    .unwrap();
    (tp, wp)
}

/// Weights read only by the conv and the matmul: the compiled circuit places the
/// weights region last and spans layer 1's gates over the rest; it proves and verifies
/// on both schemes, layer 1's gate part over `g` variables. A weight read by a gate
/// keeps the span off.
#[test]
fn compiled_program_gets_a_span() {
    let (p, sol) = program(false);
    let compiled = p.compile().unwrap();
    let c = &compiled.circuit;
    c.validate().unwrap();
    assert_eq!(compiled.stats.blocks, 2);
    let g = span(c);
    let w = c.input.region(RegionKind::Weights).unwrap();
    assert!(u64::from(w.offset) >= 1u64 << g, "weights above the span");
    // Last: every other region ends at or below the weights' start, and inside the span.
    for r in c
        .input
        .regions
        .iter()
        .filter(|r| r.kind != RegionKind::Weights)
    {
        assert!(u64::from(r.offset) + (1u64 << r.log_len) <= 1u64 << g);
    }
    // The smallest such span: half of it would not hold the other regions.
    let end = c
        .input
        .regions
        .iter()
        .filter(|r| r.kind != RegionKind::Weights)
        .map(|r| u64::from(r.offset) + (1u64 << r.log_len))
        .max()
        .unwrap();
    assert!(g == 1 || end > 1u64 << (g - 1));
    assert!(g < usize::from(c.input.log_width));
    let (tp, wp) = prove_both(c, &sol);
    assert_eq!(layer1(&tp.layers).phase1.len(), g);
    assert_eq!(layer1(&wp.layers).phase1.len(), g);

    // The same circuit without the span is valid too and proves over the full width.
    let mut plain = c.clone();
    plain.input.gate_log_width = None;
    plain.validate().unwrap();
    let (tp, _) = prove_both(&plain, &sol);
    assert_eq!(
        layer1(&tp.layers).phase1.len(),
        usize::from(c.input.log_width)
    );

    // A gate reading a weight: no span, and still proven.
    let (p, sol) = program(true);
    let compiled = p.compile().unwrap();
    let c = &compiled.circuit;
    assert_eq!(c.input.gate_log_width, None);
    let w = c.input.region(RegionKind::Weights).unwrap();
    let last = c.input.regions.iter().map(|r| r.offset).max().unwrap();
    assert_eq!(w.offset, last, "the weights region is placed last");
    prove_both(c, &sol);
}

/// Prove time with and without the span on a larger compiled conv (release build:
/// `cargo test --release -p prover --test integration -- --ignored gate_span:: --nocapture`).
#[test]
#[ignore = "measurement"]
fn measure_prove_time_with_and_without_span() {
    for dims in [[16, 32, 32, 16], [32, 16, 16, 64]] {
        let (p, sol) = program_of(dims, false);
        let c = p.compile().unwrap().circuit;
        let mut plain = c.clone();
        plain.input.gate_log_width = None;
        let (public, weights, private) = (f(&sol.public), f(&sol.weights), f(&sol.private));
        let witness = Witness {
            public: &public,
            weights: &weights,
            private: &private,
        };
        let time = |circuit: &Circuit| {
            let mut best = f64::INFINITY;
            for _ in 0..5 {
                let t = std::time::Instant::now();
                prover::prove_transparent(circuit, &witness, b"").unwrap();
                best = best.min(t.elapsed().as_secs_f64());
            }
            best
        };
        let regions: Vec<_> = c
            .input
            .regions
            .iter()
            .map(|r| (r.kind, r.offset, r.log_len))
            .collect();
        println!(
            "conv {dims:?}: input 2^{}, span {:?}, regions {regions:?}: with span {:.1} ms, without {:.1} ms",
            c.input.log_width,
            c.input.gate_log_width,
            time(&c) * 1e3,
            time(&plain) * 1e3
        );
    }
}
