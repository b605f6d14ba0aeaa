//! Tensors in the compiler: grouped inputs land padded, aligned and channel-major in their
//! region, copies stand in for what cannot be placed, and the placed programs still solve,
//! prove and verify.

use circuits::compiler::{Builder, CompileError, Label, Program, SolvedWitness, Var};
use circuits::random::Rng;
use circuits::{Circuit, RegionKind, Residue};
use prover::{Field, Goldilocks, Statement, Witness};

type F = Goldilocks;

fn f(v: &[Residue]) -> Vec<F> {
    v.iter().map(|r| F::from_u64(r.value())).collect()
}

fn prove_and_verify(c: &Circuit, w: &SolvedWitness) -> Result<Vec<F>, String> {
    let (public, weights, private) = (f(&w.public), f(&w.weights), f(&w.private));
    let (proof, outputs) = prover::prove_transparent(
        c,
        &Witness {
            public: &public,
            weights: &weights,
            private: &private,
        },
        b"",
    )
    .map_err(|e| e.to_string())?;
    let commitment = prover::transparent_weights_commitment(c, &weights);
    prover::verify_transparent(
        c,
        &Statement {
            public: &public,
            outputs: &outputs,
            context: b"",
            weights_commitment: commitment.as_ref(),
        },
        &proof,
    )
    .map_err(|e| e.to_string())?;
    Ok(outputs)
}

const L: Label = Label::new("test", 0, 0);

/// `(c, y, x)` of element `k` of a `dims` tensor and its padded index.
fn padded_index(dims: [u32; 3], k: usize) -> usize {
    let [_, h, w] = dims.map(|d| d.next_power_of_two() as usize);
    let (hh, ww) = (dims[1] as usize, dims[2] as usize);
    let (c, y, x) = (k / (hh * ww), (k / ww) % hh, k % ww);
    (c * h + y) * w + x
}

struct Fixture {
    program: Program,
    hints: Vec<i64>,
    weights: Vec<i64>,
    public: Vec<i64>,
    act: circuits::compiler::Tensor,
    slabs: circuits::compiler::Tensor,
}

/// Hints interleaved with scalar hints, a 3×3×5 activation tensor, a stack of two
/// 3×2×1 weight slabs, and constraints that use all of them.
fn fixture(seed: u64) -> Fixture {
    let mut rng = Rng::new(seed);
    let mut b = Builder::new();
    let pi = b.public_input();
    let before = b.hints(3);
    let act_vars: Vec<Var> = b.hints(45);
    let after = b.hints(2);
    let w: Vec<Var> = b.weights(12);
    let scalar_w = b.weight();
    let act = b.tensor(&act_vars, [3, 3, 5]).unwrap();
    let slabs = b.stacked_tensor(&w, 2, [3, 2, 1]).unwrap();
    for (i, &h) in before.iter().chain(&act_vars).chain(&after).enumerate() {
        b.range_check(h, 8, Label::new("test", 1, i as u32));
    }
    let d = b.dot(&act_vars[..12], &w);
    let d = b.add(d, scalar_w);
    b.assert_equal(d, pi, L);
    b.output(d);
    let program = b.finish().unwrap();
    let hints: Vec<i64> = (0..50).map(|_| rng.below(256) as i64).collect();
    let weights: Vec<i64> = (0..13).map(|_| rng.below(100) as i64 - 50).collect();
    let acc: i64 = (0..12).map(|k| hints[3 + k] * weights[k]).sum::<i64>() + weights[12];
    Fixture {
        program,
        hints,
        weights,
        public: vec![acc],
        act,
        slabs,
    }
}

#[test]
fn tensors_are_placed_padded_aligned_and_channel_major() {
    for seed in 0..4 {
        let fx = fixture(seed);
        let p = &fx.program;
        let c = p.compile().unwrap();
        let w = p.solve(&fx.public, &fx.weights, &fx.hints).unwrap();

        // Activation: 3×3×5 padded to 4×4×8 = 128, placed first (largest unit) at 0.
        let off = p.tensor_offset(&fx.act) as usize;
        assert_eq!(off % 128, 0);
        for k in 0..45 {
            let at = off + padded_index([3, 3, 5], k);
            assert_eq!(
                w.private[at],
                Residue::from_i64(fx.hints[3 + k]),
                "element {k}"
            );
        }
        let used: Vec<usize> = (0..45).map(|k| off + padded_index([3, 3, 5], k)).collect();
        for at in off..off + 128 {
            if !used.contains(&at) {
                assert_eq!(w.private[at], Residue::ZERO, "padding {at}");
            }
        }
        // Slabs: two 4×2×1 subcubes of 8, consecutive and aligned.
        let off = p.tensor_offset(&fx.slabs) as usize;
        assert_eq!(off % 8, 0);
        for s in 0..2 {
            for k in 0..6 {
                let at = off + 8 * s + padded_index([3, 2, 1], k);
                assert_eq!(w.weights[at], Residue::from_i64(fx.weights[6 * s + k]));
            }
        }
        assert_eq!(
            p.layout_weights(&fx.weights)
                .iter()
                .map(|&x| Residue::from_i64(x))
                .collect::<Vec<_>>(),
            w.weights,
            "the committed layout is the solver's"
        );
        // The weights region's length covers the padding and the scalar after it.
        let r = c.circuit.input.region(RegionKind::Weights).unwrap();
        assert_eq!(r.len as usize, w.weights.len());
        assert_eq!(w.weights.len(), 17);

        let out = prove_and_verify(&c.circuit, &w).unwrap();
        assert_eq!(out, vec![F::from_i64(fx.public[0])]);
    }
}

#[test]
fn moving_a_placed_value_breaks_the_proof() {
    let fx = fixture(7);
    let c = fx.program.compile().unwrap();
    let w = fx
        .program
        .solve(&fx.public, &fx.weights, &fx.hints)
        .unwrap();
    // Swap the first activation with a padding slot: the circuit reads the placed slot.
    let off = fx.program.tensor_offset(&fx.act) as usize;
    let mut bad = w.clone();
    bad.private.swap(off, off + 5);
    assert!(prove_and_verify(&c.circuit, &bad).is_err());
}

#[test]
fn expressions_and_unpadded_public_inputs_are_copied_and_constrained() {
    let mut b = Builder::new();
    // 2×3×3 public input: 3 is not a power of two, so the declaration order is not the
    // padded layout and the tensor becomes a private copy.
    let xs = b.public_inputs(18);
    let t = b.tensor(&xs, [2, 3, 3]).unwrap();
    assert_eq!(t.region, RegionKind::Private);
    // Expressions are copied too.
    let sums: Vec<Var> = xs.chunks(2).map(|p| b.add(p[0], p[1])).collect();
    let u = b.tensor(&sums, [1, 3, 3]).unwrap();
    assert_eq!(u.region, RegionKind::Private);
    let s = b.dot(t.vars(), &xs);
    let s2 = b.dot(u.vars(), &sums);
    b.output(s);
    b.output(s2);
    let p = b.finish().unwrap();
    let c = p.compile().unwrap();
    let public: Vec<i64> = (0..18).map(|i| i * 3 - 20).collect();
    let w = p.solve(&public, &[], &[]).unwrap();
    let off = p.tensor_offset(&t) as usize;
    for (k, &v) in public.iter().enumerate() {
        assert_eq!(
            w.private[off + padded_index([2, 3, 3], k)],
            Residue::from_i64(v)
        );
    }
    let out = prove_and_verify(&c.circuit, &w).unwrap();
    let want: i64 = public.iter().map(|x| x * x).sum();
    assert_eq!(out[0], F::from_i64(want));

    // A wrong copy is caught by its equality constraint.
    let mut bad = w.clone();
    let at = off + padded_index([2, 3, 3], 4);
    bad.private[at] = Residue::from_i64(public[4] + 1);
    assert!(prove_and_verify(&c.circuit, &bad).is_err());
}

#[test]
fn padded_public_inputs_are_used_in_place() {
    let mut b = Builder::new();
    let xs = b.public_inputs(3 * 4 * 4);
    let t = b.tensor(&xs, [3, 4, 4]).unwrap();
    assert_eq!(t.region, RegionKind::Public);
    let again = b.tensor(&xs, [3, 4, 4]).unwrap();
    assert_eq!(again, t, "grouping again returns the same tensor");
    let s = b.dot(&xs, &xs);
    b.output(s);
    let p = b.finish().unwrap();
    assert_eq!(p.tensor_offset(&t), 0);
    assert_eq!(p.input_counts(), (48, 0, 0), "no copies");
    let c = p.compile().unwrap();
    // The region's span covers the padded tensor (64 slots) although it holds 48 inputs.
    let r = c.circuit.input.region(RegionKind::Public).unwrap();
    assert_eq!((r.len, r.log_len), (48, 6));
    let public: Vec<i64> = (0..48).collect();
    let w = p.solve(&public, &[], &[]).unwrap();
    prove_and_verify(&c.circuit, &w).unwrap();
}

#[test]
fn bad_tensors_are_refused() {
    let mut b = Builder::new();
    let w = b.weights(6);
    let h = b.hints(6);
    assert_eq!(
        b.tensor(&w, [2, 2, 2]),
        Err(CompileError::TensorShape {
            dims: [2, 2, 2],
            stack: 1,
            got: 6
        })
    );
    assert!(matches!(
        b.tensor(&h, [0, 6, 1]),
        Err(CompileError::TensorShape { .. })
    ));
    b.tensor(&w, [1, 2, 3]).unwrap();
    // The same weights in another shape would need a copy: refused.
    assert!(matches!(
        b.tensor(&w, [2, 3, 1]),
        Err(CompileError::WeightsRegrouped { .. })
    ));
    // Weights mixed with hints: refused.
    let mixed = [w[0], h[0]];
    assert!(matches!(
        b.tensor(&mixed, [1, 1, 2]),
        Err(CompileError::WeightsRegrouped { .. })
    ));
}

#[test]
fn programs_without_tensors_keep_declaration_order() {
    let mut b = Builder::new();
    let w = b.weights(5);
    let h = b.hints(5);
    let d = b.dot(&w, &h);
    b.output(d);
    let p = b.finish().unwrap();
    let weights = [5, -4, 3, -2, 1];
    assert_eq!(p.layout_weights(&weights), weights.to_vec());
    let sol = p.solve(&[], &weights, &[1, 2, 3, 4, 5]).unwrap();
    assert_eq!(
        sol.private,
        (1..=5).map(Residue::from_i64).collect::<Vec<_>>()
    );
}

// ---- structured operations: the solver computes their outputs directly ----

use circuits::ConvSpec;

/// Plain conv in i64 over ONNX-ordered weights `[co][ci][ki][kj]`.
#[allow(clippy::too_many_arguments)]
fn naive_conv(
    x: &[i64],
    [c, h, w]: [usize; 3],
    wt: &[i64],
    bias: &[i64],
    cout: usize,
    k: [usize; 2],
    s: [usize; 2],
    d: [usize; 2],
    p: [usize; 4],
    depthwise: bool,
) -> Vec<i64> {
    let oh = (h + p[0] + p[2] - d[0] * (k[0] - 1) - 1) / s[0] + 1;
    let ow = (w + p[1] + p[3] - d[1] * (k[1] - 1) - 1) / s[1] + 1;
    let cpg = if depthwise { 1 } else { c };
    let mut y = Vec::new();
    for co in 0..cout {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = bias[co];
                for cl in 0..cpg {
                    let ci = if depthwise { co } else { cl };
                    for ki in 0..k[0] {
                        for kj in 0..k[1] {
                            let iy = (oy * s[0] + ki * d[0]) as i64 - p[0] as i64;
                            let ix = (ox * s[1] + kj * d[1]) as i64 - p[1] as i64;
                            if iy < 0 || ix < 0 || iy >= h as i64 || ix >= w as i64 {
                                continue;
                            }
                            let xv = x[(ci * h + iy as usize) * w + ix as usize];
                            acc += xv * wt[((co * cpg + cl) * k[0] + ki) * k[1] + kj];
                        }
                    }
                }
                y.push(acc);
            }
        }
    }
    y
}

#[test]
fn solver_computes_conv_and_matmul_outputs() {
    let mut rng = Rng::new(11);
    for case in 0..24 {
        let depthwise = case % 4 == 3;
        let c = 1 + rng.below(3) as usize;
        let cout = if depthwise {
            c
        } else {
            1 + rng.below(3) as usize
        };
        let (h, w) = (2 + rng.below(5) as usize, 2 + rng.below(5) as usize);
        let k = [1 + rng.below(3) as usize, 1 + rng.below(2) as usize];
        let s = [1 + rng.below(2) as usize, 1 + rng.below(2) as usize];
        let d = [1 + rng.below(2) as usize, 1];
        let p = [
            rng.below(2) as usize,
            rng.below(2) as usize,
            rng.below(2) as usize,
            0,
        ];
        if h + p[0] + p[2] < d[0] * (k[0] - 1) + 1 || w + p[1] + p[3] < k[1] {
            continue;
        }
        let cpg = if depthwise { 1 } else { c };
        let x: Vec<i64> = (0..c * h * w).map(|_| rng.below(19) as i64 - 9).collect();
        let wt: Vec<i64> = (0..cout * cpg * k[0] * k[1])
            .map(|_| rng.below(15) as i64 - 7)
            .collect();
        let bias: Vec<i64> = (0..cout).map(|_| rng.below(99) as i64 - 49).collect();
        let want = naive_conv(&x, [c, h, w], &wt, &bias, cout, k, s, d, p, depthwise);

        let dims = |a: [usize; 3]| a.map(|v| v as u32);
        let spec = ConvSpec {
            kernel: [k[0] as u32, k[1] as u32],
            stride: [s[0] as u32, s[1] as u32],
            dilation: [d[0] as u32, d[1] as u32],
            pads: p.map(|v| v as u32),
            depthwise,
        };
        let weights: Vec<i64> = wt.iter().chain(&bias).copied().collect();
        // Slab order: tap-major, then (co, ci) — the ONNX weights regrouped by variable.
        let mut b2 = Builder::new();
        let xs = b2.hints(x.len());
        let ws = b2.weights(wt.len());
        let bs = b2.weights(cout);
        let slab_vars: Vec<Var> = {
            let mut v = Vec::new();
            for ki in 0..k[0] {
                for kj in 0..k[1] {
                    for co in 0..cout {
                        for cl in 0..cpg {
                            v.push(ws[((co * cpg + cl) * k[0] + ki) * k[1] + kj]);
                        }
                    }
                }
            }
            v
        };
        let xt = b2.tensor(&xs, dims([c, h, w])).unwrap();
        let slabs = b2
            .stacked_tensor(&slab_vars, (k[0] * k[1]) as u32, dims([cout, cpg, 1]))
            .unwrap();
        let bt = b2.tensor(&bs, dims([cout, 1, 1])).unwrap();
        let ys = b2
            .conv2d(&xt, &slabs, Some(&bt), cout as u32, spec)
            .unwrap();
        for &y in &ys {
            b2.output(y);
        }
        let prog = b2.finish().unwrap();
        let sol = prog.solve(&[], &weights, &x).unwrap();
        let got: Vec<i64> = sol.outputs.iter().map(|r| r.to_i64()).collect();
        assert_eq!(got, want, "case {case}");
        // The operation refuses weights that are not its slab stack (one flat tensor
        // where there are several taps).
        if k[0] * k[1] == 1 {
            continue;
        }
        let mut b3 = Builder::new();
        let xs = b3.hints(x.len());
        let ws = b3.weights(wt.len());
        let xt = b3.tensor(&xs, dims([c, h, w])).unwrap();
        let flat = b3.tensor(&ws, [wt.len() as u32, 1, 1]).unwrap();
        assert!(matches!(
            b3.conv2d(&xt, &flat, None, cout as u32, spec),
            Err(CompileError::Operation { .. })
        ));
    }

    // Matmul: Y = W·X + b with X [K, 1, J].
    for case in 0..8 {
        let (i_n, k_n, j_n) = (
            1 + rng.below(5) as usize,
            1 + rng.below(6) as usize,
            1 + rng.below(3) as usize,
        );
        let x: Vec<i64> = (0..k_n * j_n).map(|_| rng.below(21) as i64 - 10).collect();
        let wt: Vec<i64> = (0..i_n * k_n).map(|_| rng.below(21) as i64 - 10).collect();
        let bias: Vec<i64> = (0..i_n).map(|_| rng.below(21) as i64 - 10).collect();
        let mut b = Builder::new();
        let xs = b.hints(x.len());
        let ws = b.weights(wt.len());
        let bs = b.weights(i_n);
        let xt = b.tensor(&xs, [k_n as u32, 1, j_n as u32]).unwrap();
        let wtn = b.tensor(&ws, [i_n as u32, k_n as u32, 1]).unwrap();
        let bt = b.tensor(&bs, [i_n as u32, 1, 1]).unwrap();
        let ys = b.matmul(&xt, &wtn, Some(&bt)).unwrap();
        for &y in &ys {
            b.output(y);
        }
        let prog = b.finish().unwrap();
        let weights: Vec<i64> = wt.iter().chain(&bias).copied().collect();
        let sol = prog.solve(&[], &weights, &x).unwrap();
        let got: Vec<i64> = sol.outputs.iter().map(|r| r.to_i64()).collect();
        let want: Vec<i64> = (0..i_n)
            .flat_map(|i| {
                let (x, wt, bias) = (&x, &wt, &bias);
                (0..j_n).map(move |j| {
                    bias[i]
                        + (0..k_n)
                            .map(|k| wt[i * k_n + k] * x[k * j_n + j])
                            .sum::<i64>()
                })
            })
            .collect();
        assert_eq!(got, want, "matmul case {case}");
    }
}

/// A conv and a matmul as blocks at layer 1, read by rescale-like constraints and a
/// ReLU-like product: the compiled circuit validates, keeps its MACs out of the gates, and
/// its reference evaluation is satisfied exactly when the witness is.
#[test]
fn operations_compile_to_blocks_and_evaluate() {
    let mut rng = Rng::new(5);
    let (c, h, w, cout) = (3usize, 5usize, 6usize, 4usize);
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
    // y = 2·q + r with q a hint and r in [0, 2): a rescale by 2.
    let qs = b.hints(ys.len());
    let rs = b.hints(ys.len());
    for (e, ((&y, &q), &r)) in ys.iter().zip(&qs).zip(&rs).enumerate() {
        let d = b.lin(&[(1, y), (-2, q), (-1, r)], 0);
        b.assert_zero(d, Label::new("rescale", 0, e as u32));
        b.assert_bool(r, Label::new("rbit", 0, e as u32));
    }
    // A matmul on the first 8 quotients, as a second block.
    let fc_w = b.weights(3 * 8);
    let qt = b.tensor(&qs[..8], [8, 1, 1]).unwrap();
    let fw = b.tensor(&fc_w, [3, 8, 1]).unwrap();
    let zs = b.matmul(&qt, &fw, None).unwrap();
    for &z in &zs {
        b.output(z);
    }
    let p = b.finish().unwrap();
    let compiled = p.compile().unwrap();
    let circuit = &compiled.circuit;
    circuit.validate().unwrap();
    assert!(circuit.has_structure());
    assert_eq!(compiled.stats.blocks, 2);
    let macs = (cout * 5 * 6 * c * 9) as u64; // upper bound incl. padding taps
    assert!(compiled.stats.structured_macs <= macs + 24);
    assert!(
        compiled.stats.mul_gates < ys.len() * 4,
        "no MAC is a gate: {} mul gates",
        compiled.stats.mul_gates
    );

    // Witness.
    let x: Vec<i64> = (0..c * h * w).map(|_| rng.below(9) as i64 - 4).collect();
    let wt: Vec<i64> = (0..cout * c * 9).map(|_| rng.below(7) as i64 - 3).collect();
    let bias: Vec<i64> = (0..cout).map(|_| rng.below(9) as i64 - 4).collect();
    let fcw: Vec<i64> = (0..24).map(|_| rng.below(7) as i64 - 3).collect();
    let y = naive_conv(
        &x,
        [c, h, w],
        &wt,
        &bias,
        cout,
        [3, 3],
        [1, 1],
        [1, 1],
        [1, 1, 1, 1],
        false,
    );
    let q: Vec<i64> = y.iter().map(|v| v.div_euclid(2)).collect();
    let r: Vec<i64> = y.iter().map(|v| v.rem_euclid(2)).collect();
    let hints: Vec<i64> = x.iter().chain(&q).chain(&r).copied().collect();
    let weights: Vec<i64> = wt.iter().chain(&bias).chain(&fcw).copied().collect();
    let sol = p.solve(&[], &weights, &hints).unwrap();
    let want: Vec<i64> = (0..3)
        .map(|i| (0..8).map(|k| fcw[i * 8 + k] * q[k]).sum())
        .collect();
    assert_eq!(
        sol.outputs.iter().map(|r| r.to_i64()).collect::<Vec<_>>(),
        want
    );

    let satisfied = |private: &[Residue]| {
        let input = circuit
            .input_layer(&sol.public, &sol.weights, private)
            .unwrap();
        let ch: Vec<Residue> = (0..circuit.num_challenges)
            .map(|i| Residue::new(1_000_003 + 7919 * u64::from(i)))
            .collect();
        let values = circuit.evaluate(&sol.public, input, &ch).unwrap();
        let out = values.last().unwrap();
        circuit
            .public_outputs
            .iter()
            .zip(&sol.outputs)
            .all(|(&s, v)| out[s as usize] == *v)
            && out
                .iter()
                .enumerate()
                .all(|(s, v)| circuit.public_outputs.contains(&(s as u32)) || *v == Residue::ZERO)
    };
    assert!(
        satisfied(&sol.private),
        "the honest witness satisfies the circuit"
    );
    // A wrong activation changes the conv outputs, so the rescale constraints fail.
    let off = p.tensor_offset(&xt) as usize;
    let mut bad = sol.private.clone();
    bad[off] = bad[off] + Residue::new(1);
    assert!(!satisfied(&bad), "a wrong operand breaks the circuit");

    // The layer loop proves the blocks: transparent and WHIR round trips give the
    // program's outputs, and a witness with a wrong activation does not verify.
    let out = prove_and_verify(circuit, &sol).unwrap();
    assert_eq!(out, f(&sol.outputs));
    let out = prove_and_verify_whir(circuit, &sol).unwrap();
    assert_eq!(out, f(&sol.outputs));
    let wrong = SolvedWitness {
        private: bad,
        ..sol.clone()
    };
    assert!(prove_and_verify(circuit, &wrong).is_err());
}

fn prove_and_verify_whir(c: &Circuit, w: &SolvedWitness) -> Result<Vec<F>, String> {
    let (public, weights, private) = (f(&w.public), f(&w.weights), f(&w.private));
    let (proof, outputs) = prover::prove_whir(
        c,
        None,
        &Witness {
            public: &public,
            weights: &weights,
            private: &private,
        },
        b"",
    )
    .map_err(|e| e.to_string())?;
    let at = prover::gkr::committed_regions(c)
        .iter()
        .position(|r| r.kind == RegionKind::Weights);
    prover::verify_whir(
        c,
        &Statement {
            public: &public,
            outputs: &outputs,
            context: b"",
            weights_commitment: at.map(|i| &proof.commitments[i]),
        },
        &proof,
    )
    .map_err(|e| e.to_string())?;
    Ok(outputs)
}

/// Reference evaluation of a compiled circuit: whether the public outputs are `outputs`
/// and every other output slot (the constraint accumulator) is zero, and the values.
fn reference_run(
    circuit: &Circuit,
    sol: &SolvedWitness,
    private: &[Residue],
) -> (bool, Vec<Vec<Residue>>) {
    let input = circuit
        .input_layer(&sol.public, &sol.weights, private)
        .unwrap();
    let ch: Vec<Residue> = (0..circuit.num_challenges)
        .map(|i| Residue::new(1_000_003 + 7919 * u64::from(i)))
        .collect();
    let values = circuit.evaluate(&sol.public, input, &ch).unwrap();
    let out = values.last().unwrap();
    let ok = circuit
        .public_outputs
        .iter()
        .zip(&sol.outputs)
        .all(|(&s, v)| out[s as usize] == *v)
        && out
            .iter()
            .enumerate()
            .all(|(s, v)| circuit.public_outputs.contains(&(s as u32)) || *v == Residue::ZERO);
    (ok, values)
}

/// Region-relative slots of a tensor's padding positions.
fn padding_slots(p: &Program, t: &circuits::compiler::Tensor) -> Vec<usize> {
    let off = p.tensor_offset(t) as usize;
    let [c, h, w] = t.dims;
    let [pc, ph, pw] = t.dims.map(|d| d.next_power_of_two());
    let mut v = Vec::new();
    for ci in 0..pc {
        for y in 0..ph {
            for x in 0..pw {
                if ci >= c || y >= h || x >= w {
                    v.push(off + ((ci * ph + y) * pw + x) as usize);
                }
            }
        }
    }
    v
}

/// A block reads its operand's whole padded subcube, so the compiler constrains every
/// padding slot of a private operand (here copies: public inputs not in padded order for
/// a conv, expressions for a matmul) to zero. A witness with a nonzero padding slot leaves
/// every valid block output unchanged (the weights' padding is zero) and every public
/// output right, yet the circuit's reference evaluation is unsatisfied: the
/// `tensor-padding` constraint fires.
#[test]
fn private_operand_padding_is_constrained_to_zero() {
    let mut rng = Rng::new(17);
    let (c, h, w, cout) = (3u32, 5u32, 6u32, 3u32);
    let n = (c * h * w) as usize;
    let mut b = Builder::new();
    let xs = b.public_inputs(n);
    let xt = b.tensor(&xs, [c, h, w]).unwrap();
    assert_eq!(xt.region, RegionKind::Private, "a copy");
    let ws = b.weights((cout * c * 4) as usize);
    let bs = b.weights(cout as usize);
    let slabs = b.stacked_tensor(&ws, 4, [cout, c, 1]).unwrap();
    let bt = b.tensor(&bs, [cout, 1, 1]).unwrap();
    let spec = ConvSpec {
        kernel: [2, 2],
        stride: [1, 1],
        dilation: [1, 1],
        pads: [0, 1, 1, 0],
        depthwise: false,
    };
    let ys = b.conv2d(&xt, &slabs, Some(&bt), cout, spec).unwrap();
    // The same operand read twice: its padding is constrained once.
    let ys2 = b.conv2d(&xt, &slabs, None, cout, spec).unwrap();
    // A matmul on five sums (expressions: copied into a [5, 1, 1] private tensor).
    let sums: Vec<Var> = (0..5).map(|i| b.add(xs[2 * i], xs[2 * i + 1])).collect();
    let st = b.tensor(&sums, [5, 1, 1]).unwrap();
    assert_eq!(st.region, RegionKind::Private, "a copy");
    let fw = b.weights(3 * 5);
    let ft = b.tensor(&fw, [3, 5, 1]).unwrap();
    let zs = b.matmul(&st, &ft, None).unwrap();
    for &v in ys.iter().chain(&ys2).chain(&zs) {
        b.output(v);
    }
    let p = b.finish().unwrap();
    let compiled = p.compile().unwrap();
    let circuit = &compiled.circuit;
    circuit.validate().unwrap();
    assert_eq!(compiled.stats.blocks, 3);

    let public: Vec<i64> = (0..n).map(|_| rng.below(41) as i64 - 20).collect();
    let nw = (cout * c * 4 + cout + 15) as usize;
    let weights: Vec<i64> = (0..nw).map(|_| rng.below(15) as i64 - 7).collect();
    let sol = p.solve(&public, &weights, &[]).unwrap();
    let (ok, honest) = reference_run(circuit, &sol, &sol.private);
    assert!(ok, "the honest witness satisfies the circuit");

    let pads_x = padding_slots(&p, &xt);
    let pads_s = padding_slots(&p, &st);
    // 3×5×6 padded to 4×8×8; 5×1×1 padded to 8×1×1.
    assert_eq!((pads_x.len(), pads_s.len()), (256 - 90, 3));
    for &s in pads_x.iter().chain(&pads_s) {
        assert_eq!(sol.private[s], Residue::ZERO, "the solver writes zeros");
    }
    // The block spans of layer 1: every valid output is the same with the junk.
    let valid: Vec<usize> = circuit.layers[0]
        .blocks
        .iter()
        .flat_map(|blk| {
            let dims = blk.op.out_dims().unwrap();
            let t = circuits::TensorRef { offset: 0, dims };
            let mut v = Vec::new();
            for ci in 0..dims[0] {
                for y in 0..dims[1] {
                    for x in 0..dims[2] {
                        v.push(blk.out_offset as usize + t.index(ci, y, x).unwrap() as usize);
                    }
                }
            }
            v
        })
        .collect();
    // A padded channel (read by the conv through the slabs' zero padding), a spatial pad
    // (never read), and the matmul's padded inner index.
    let picks = [pads_x[0], *pads_x.last().unwrap(), pads_s[1]];
    let private_at = circuit.input.region(RegionKind::Private).unwrap().offset as usize;
    for &s in &picks {
        let mut bad = sol.private.clone();
        bad[s] = Residue::from_i64(5);
        let (ok, values) = reference_run(circuit, &sol, &bad);
        assert_eq!(values[0][private_at + s], Residue::from_i64(5));
        for &v in &valid {
            assert_eq!(values[1][v], honest[1][v], "valid block output {v}");
        }
        let out = values.last().unwrap();
        assert!(
            circuit
                .public_outputs
                .iter()
                .zip(&sol.outputs)
                .all(|(&o, v)| out[o as usize] == *v),
            "the outputs are right"
        );
        assert!(!ok, "padding slot {s}: the zero constraint fires");
    }
}

/// A public operand reads the statement's zero padding past its elements; a public input
/// declared after them would land in that padding, so compilation refuses it.
#[test]
fn public_operand_padding_must_be_past_the_public_inputs() {
    let build = |later: bool| {
        let mut b = Builder::new();
        let xs = b.public_inputs(3 * 4 * 4);
        let t = b.tensor(&xs, [3, 4, 4]).unwrap();
        assert_eq!(t.region, RegionKind::Public);
        let ws = b.weights(2 * 3);
        let slabs = b.stacked_tensor(&ws, 1, [2, 3, 1]).unwrap();
        let spec = ConvSpec {
            kernel: [1, 1],
            stride: [1, 1],
            dilation: [1, 1],
            pads: [0; 4],
            depthwise: false,
        };
        let ys = b.conv2d(&t, &slabs, None, 2, spec).unwrap();
        if later {
            let extra = b.public_input();
            b.output(extra);
        }
        for &y in &ys {
            b.output(y);
        }
        b.finish().unwrap()
    };
    let p = build(false);
    let compiled = p.compile().unwrap();
    // The public region spans the padded tensor; its slots past the inputs are zero.
    let r = compiled.circuit.input.region(RegionKind::Public).unwrap();
    assert_eq!((r.len, r.log_len), (48, 6));
    assert!(matches!(
        build(true).compile(),
        Err(CompileError::Operation { what: "conv2d", .. })
    ));
}
