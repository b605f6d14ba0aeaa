//! The structured sumchecks (matmul, fused convolution, aggregation) against brute force on
//! small random shapes, in both challenge fields, and a tamper catalogue in which every
//! test asserts its specific error.
//!
//! The meaning of a block is what its sumcheck proves over the padded index ranges
//! (`circuits::Conv2dOp` / `circuits::MatMulOp` docs): the shapes are drawn with zero
//! padding and, separately, with junk in every padding slot of the operand and the
//! weights, where the reference, `evaluate_field` and the proof must still agree and the
//! zero-padded meaning must be rejected.

use circuits::random::Rng;
use circuits::{Conv2dOp, ConvSpec, MatMulOp, Residue, TensorRef, WeightRef};
use prover::gkr::structured::{
    self, BlockClaims, BlockProof, Claim, Stage, Structured, StructuredError, labels,
};
use prover::mle;
use prover::sumcheck::{SumcheckError, Table};
use prover::transcript::Transcript;
use prover::{ExtensionField, Field, Goldilocks, GoldilocksExt2, GoldilocksExt3};

type F = Goldilocks;

fn rand_e<E: Field>(rng: &mut Rng) -> E {
    let b: Vec<u8> = (0..E::UNIFORM_BYTES)
        .map(|_| rng.next_u64() as u8)
        .collect();
    E::from_uniform_bytes(&b)
}

fn rand_point<E: Field>(rng: &mut Rng, n: usize) -> Vec<E> {
    (0..n).map(|_| rand_e(rng)).collect()
}

fn lift(v: &[Residue]) -> Vec<F> {
    v.iter().map(|r| F::from_u64(r.value())).collect()
}

/// A random padded tensor: random residues at valid positions, zero in the padding, or
/// random there too with `junk`.
fn tensor(rng: &mut Rng, t: &TensorRef, junk: bool) -> Vec<Residue> {
    let [pc, ph, pw] = t.padded().unwrap();
    let mut v: Vec<Residue> = (0..pc * ph * pw)
        .map(|_| {
            if junk {
                Residue::new(rng.next_u64())
            } else {
                Residue::ZERO
            }
        })
        .collect();
    for c in 0..t.dims[0] {
        for y in 0..t.dims[1] {
            for x in 0..t.dims[2] {
                v[t.index(c, y, x).unwrap() as usize] = Residue::new(rng.next_u64());
            }
        }
    }
    v
}

/// A weights region of junk with `slots` (offset, rows, cols, padded rows, padded cols)
/// holding random matrices, zero-padded (random in the padding too with `junk`).
fn region(
    rng: &mut Rng,
    len: usize,
    slots: &[(usize, u32, u32, u32, u32)],
    junk: bool,
) -> Vec<Residue> {
    let mut w: Vec<Residue> = (0..len).map(|_| Residue::new(rng.next_u64())).collect();
    for &(off, rows, cols, prow, pcol) in slots {
        for r in 0..prow {
            for c in 0..pcol {
                let v = if junk || (r < rows && c < cols) {
                    Residue::new(rng.next_u64())
                } else {
                    Residue::ZERO
                };
                w[off + (r * pcol + c) as usize] = v;
            }
        }
    }
    w
}

/// One random case: the op, its padded operand and its weights region (residues).
struct Case<S> {
    op: S,
    operand: Vec<Residue>,
    weights: Vec<Residue>,
}

fn random_conv(rng: &mut Rng, junk: bool) -> Case<Conv2dOp> {
    loop {
        let b = |rng: &mut Rng, lo: u32, n: u64| lo + rng.below(n) as u32;
        let cin = b(rng, 1, 4);
        let depthwise = rng.chance(25);
        let cout = if depthwise { cin } else { b(rng, 1, 4) };
        let spec = ConvSpec {
            kernel: [b(rng, 1, 3), b(rng, 1, 3)],
            stride: [b(rng, 1, 3), b(rng, 1, 3)],
            dilation: [b(rng, 1, 2), b(rng, 1, 2)],
            pads: [b(rng, 0, 3), b(rng, 0, 3), b(rng, 0, 3), b(rng, 0, 3)],
            depthwise,
        };
        let input = TensorRef {
            offset: 0,
            dims: [cin, b(rng, 1, 8), b(rng, 1, 8)],
        };
        let mut op = Conv2dOp {
            input,
            cout,
            spec,
            slabs: b(rng, 0, 8),
            bias: None,
        };
        if op.axes().is_none() {
            continue;
        }
        let taps = op.taps().unwrap();
        let end = op.slab_offset(taps).unwrap() as usize;
        let co_pad = cout.next_power_of_two();
        let ci_pad = cin.next_power_of_two();
        let mut slots: Vec<_> = (0..taps)
            .map(|kk| {
                let off = op.slab_offset(kk).unwrap() as usize;
                if depthwise {
                    (off, 1, cout, 1, co_pad)
                } else {
                    (off, cout, cin, co_pad, ci_pad)
                }
            })
            .collect();
        let mut len = end + b(rng, 0, 4) as usize;
        if rng.chance(60) {
            op.bias = Some(len as u32);
            slots.push((len, 1, cout, 1, co_pad));
            len += co_pad as usize;
        }
        let tail = b(rng, 0, 4) as usize;
        let weights = region(rng, len + tail, &slots, junk);
        let operand = tensor(rng, &input, junk);
        return Case {
            op,
            operand,
            weights,
        };
    }
}

fn random_matmul(rng: &mut Rng, junk: bool) -> Case<MatMulOp> {
    let b = |rng: &mut Rng, lo: u32, n: u64| lo + rng.below(n) as u32;
    let (i, k, j) = (b(rng, 1, 9), b(rng, 1, 9), b(rng, 1, 4));
    let j = if rng.chance(50) { 1 } else { j };
    let (ip, kp) = (i.next_power_of_two(), k.next_power_of_two());
    let off = b(rng, 0, 8) as usize;
    let mut len = off + (ip * kp) as usize + b(rng, 0, 4) as usize;
    let mut slots = vec![(off, i, k, ip, kp)];
    let bias = if rng.chance(60) {
        slots.push((len, 1, i, 1, ip));
        len += ip as usize;
        Some((len - ip as usize) as u32)
    } else {
        None
    };
    let input = TensorRef {
        offset: 0,
        dims: [k, 1, j],
    };
    let op = MatMulOp {
        input,
        weight: WeightRef {
            offset: off as u32,
            rows: i,
            cols: k,
        },
        bias,
    };
    let tail = b(rng, 0, 4) as usize;
    Case {
        op,
        operand: tensor(rng, &input, junk),
        weights: region(rng, len + tail, &slots, junk),
    }
}

/// The reference output of a case, and the meaning blocks had before it was aligned with
/// the sumcheck: the plain operation on the logical index ranges, zero in every padded
/// output slot (what a prover could otherwise have claimed against junk padding).
trait Reference {
    fn reference(&self, operand: &[Residue], weights: &[Residue]) -> Vec<Residue>;
    fn zero_padded_meaning(&self, operand: &[Residue], weights: &[Residue]) -> Vec<Residue>;
    /// Logical output sizes `[c, h, w]`.
    fn out(&self) -> [u32; 3];
}
impl Reference for Conv2dOp {
    fn reference(&self, operand: &[Residue], weights: &[Residue]) -> Vec<Residue> {
        self.evaluate(operand, weights).unwrap()
    }
    fn zero_padded_meaning(&self, a: &[Residue], w: &[Residue]) -> Vec<Residue> {
        let (ay, ax) = self.axes().unwrap();
        let out = TensorRef {
            offset: 0,
            dims: self.out(),
        };
        let [pco, poh, pow] = out.padded().unwrap();
        let ci_pad = self.input.padded().unwrap()[0] as usize;
        let [cin, h, wd] = self.input.dims.map(i64::from);
        let mut y = vec![Residue::ZERO; (pco * poh * pow) as usize];
        for co in 0..self.cout {
            for oy in 0..ay.output {
                for ox in 0..ax.output {
                    let mut acc = self.bias.map_or(Residue::ZERO, |b| w[(b + co) as usize]);
                    for ki in 0..ay.kernel {
                        for kj in 0..ax.kernel {
                            let iy =
                                i64::from(oy * ay.stride + ki * ay.dilation) - i64::from(ay.pad);
                            let ix =
                                i64::from(ox * ax.stride + kj * ax.dilation) - i64::from(ax.pad);
                            if !(0..h).contains(&iy) || !(0..wd).contains(&ix) {
                                continue;
                            }
                            let base = self.slab_offset(ki * ax.kernel + kj).unwrap() as usize;
                            for ci in 0..cin as u32 {
                                if self.spec.depthwise && ci != co {
                                    continue;
                                }
                                let wv = if self.spec.depthwise {
                                    w[base + co as usize]
                                } else {
                                    w[base + co as usize * ci_pad + ci as usize]
                                };
                                let at = self.input.index(ci, iy as u32, ix as u32).unwrap();
                                acc = acc + wv * a[at as usize];
                            }
                        }
                    }
                    y[out.index(co, oy, ox).unwrap() as usize] = acc;
                }
            }
        }
        y
    }
    fn out(&self) -> [u32; 3] {
        self.out_dims().unwrap()
    }
}
impl Reference for MatMulOp {
    fn reference(&self, operand: &[Residue], weights: &[Residue]) -> Vec<Residue> {
        self.evaluate(operand, weights).unwrap()
    }
    fn zero_padded_meaning(&self, x: &[Residue], w: &[Residue]) -> Vec<Residue> {
        let out = TensorRef {
            offset: 0,
            dims: self.out(),
        };
        let [pi, _, pj] = out.padded().unwrap();
        let kp = self.weight.cols.next_power_of_two();
        let mut y = vec![Residue::ZERO; (pi * pj) as usize];
        for i in 0..self.weight.rows {
            for j in 0..self.input.dims[2] {
                let mut acc = self.bias.map_or(Residue::ZERO, |b| w[(b + i) as usize]);
                for k in 0..self.weight.cols {
                    let wv = w[(self.weight.offset + i * kp + k) as usize];
                    acc = acc + wv * x[self.input.index(k, 0, j).unwrap() as usize];
                }
                y[out.index(i, 0, j).unwrap() as usize] = acc;
            }
        }
        y
    }
    fn out(&self) -> [u32; 3] {
        self.out_dims()
    }
}

fn absorb_claims<E: Field>(t: &mut Transcript, claims: &[Claim<E>]) {
    let v: Vec<E> = claims.iter().map(|c| c.value).collect();
    t.absorb_field(labels::BLOCK_Y, &v);
}

/// `C` random claims on `y`, their values the true MLE evaluations.
fn claims_on<E: ExtensionField<F>>(rng: &mut Rng, y: &[F], n: usize, c: usize) -> Vec<Claim<E>> {
    (0..c)
        .map(|_| {
            let point = rand_point::<E>(rng, n);
            Claim {
                value: mle::evaluate_base(y, &point),
                point,
            }
        })
        .collect()
}

/// Proves a block honestly on `y` and verifies it; returns both sides' claims and the
/// proof.
#[allow(clippy::type_complexity)]
fn prove_and_verify<S: Structured, E: ExtensionField<F>>(
    op: &S,
    claims: &[Claim<E>],
    y: &[F],
    operand: &[F],
    weights: &[F],
) -> (
    BlockProof<E>,
    BlockClaims<E>,
    Result<BlockClaims<E>, StructuredError>,
) {
    let mut t = Transcript::new(b"structured-test");
    absorb_claims(&mut t, claims);
    let (proof, ours) = structured::prove_block(op, claims, y, operand, weights, &mut t).unwrap();
    let next_p: E = t.challenge(b"after");
    let mut tv = Transcript::new(b"structured-test");
    absorb_claims(&mut tv, claims);
    let theirs = structured::verify_block(op, claims, &proof, &mut tv);
    if theirs.is_ok() {
        // Both sides absorbed the same bytes: the next challenge agrees.
        assert_eq!(next_p, tv.challenge::<E>(b"after"));
    }
    (proof, ours, theirs)
}

/// Every claim a block leaves equals the true MLE of the padded arrays.
fn assert_true_claims<E: ExtensionField<F>>(c: &BlockClaims<E>, operand: &[F], weights: &[F]) {
    assert_eq!(
        c.operand.value,
        mle::evaluate_base(operand, &c.operand.point)
    );
    for w in &c.weights {
        let start = w.slot.offset as usize;
        let slot = &weights[start..start + (1usize << w.slot.log_len)];
        assert_eq!(w.point.len(), w.slot.log_len as usize);
        assert_eq!(w.value, mle::evaluate_base(slot, &w.point));
    }
}

fn honest_case<S: Structured + Reference, E: ExtensionField<F>>(rng: &mut Rng, case: &Case<S>) {
    let geo = case.op.geometry().unwrap();
    let operand = lift(&case.operand);
    let weights = lift(&case.weights);
    let y = case.op.evaluate_field(&geo, &operand, &weights).unwrap();
    assert_eq!(y, lift(&case.op.reference(&case.operand, &case.weights)));
    for c in 1..=3 {
        let claims = claims_on::<E>(rng, &y, geo.out_vars, c);
        let (proof, ours, theirs) = prove_and_verify(&case.op, &claims, &y, &operand, &weights);
        let theirs = theirs.unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(
            ours.weights.len(),
            geo.slabs.len() + usize::from(geo.bias.is_some())
        );
        assert_true_claims(&ours, &operand, &weights);
        assert_eq!(BlockProof::from_bytes(&proof.to_bytes()).unwrap(), proof);
    }
}

fn run_honest<E: ExtensionField<F>>(seed: u64, junk: bool) {
    let mut rng = Rng::new(seed);
    // How many cases exercise each feature: depthwise, bias, stride > 1, dilation > 1,
    // padding, no op rounds.
    let mut seen = [0usize; 6];
    for _ in 0..120 {
        let case = random_conv(&mut rng, junk);
        let s = &case.op.spec;
        let flags = [
            s.depthwise,
            case.op.bias.is_some(),
            s.stride.iter().any(|&v| v > 1),
            s.dilation.iter().any(|&v| v > 1),
            s.pads.iter().any(|&v| v > 0),
            case.op.geometry().unwrap().rounds == 0,
        ];
        for (n, f) in seen.iter_mut().zip(flags) {
            *n += usize::from(f);
        }
        honest_case::<_, E>(&mut rng, &case);
    }
    assert!(seen[..5].iter().all(|&n| n >= 10), "coverage {seen:?}");
    for _ in 0..80 {
        let case = random_matmul(&mut rng, junk);
        honest_case::<_, E>(&mut rng, &case);
    }
}

#[test]
fn honest_blocks_verify_with_true_claims_ext2() {
    run_honest::<GoldilocksExt2>(11, false);
}

#[test]
fn honest_blocks_verify_with_true_claims_ext3() {
    run_honest::<GoldilocksExt3>(12, false);
}

/// Junk in every padding slot of the operand and the weights: the reference and
/// `evaluate_field` agree on every padded output slot, and the block proves and verifies
/// claims at random points on that `Y`, every claim it leaves true.
#[test]
fn junk_padding_blocks_verify_with_true_claims_ext2() {
    run_honest::<GoldilocksExt2>(13, true);
}

#[test]
fn junk_padding_blocks_verify_with_true_claims_ext3() {
    run_honest::<GoldilocksExt3>(14, true);
}

/// Whether output slot `slot` of a padded `dims` output is a padding slot.
fn is_padding(dims: [u32; 3], slot: usize) -> bool {
    let [_, ph, pw] = dims.map(|d| d.next_power_of_two() as usize);
    let (c, y, x) = (slot / (ph * pw), slot / pw % ph, slot % pw);
    c >= dims[0] as usize || y >= dims[1] as usize || x >= dims[2] as usize
}

/// With junk padding, the zero-padded meaning differs from the block's: a `Y` equal to the
/// true one except in one slot, where it holds the zero-padded meaning's value (a padded
/// output slot whenever one differs), is rejected, and so is the whole zero-padded `Y`, at
/// `C = 1` and `C = 2`. Returns whether the case had a differing slot, and whether the one
/// replaced was a padded output slot.
fn zero_padded_meaning_rejected<S: Structured + Reference, E: ExtensionField<F>>(
    rng: &mut Rng,
    case: &Case<S>,
) -> (bool, bool) {
    let geo = case.op.geometry().unwrap();
    let operand = lift(&case.operand);
    let weights = lift(&case.weights);
    let y = case.op.evaluate_field(&geo, &operand, &weights).unwrap();
    assert_eq!(y, lift(&case.op.reference(&case.operand, &case.weights)));
    let old = lift(&case.op.zero_padded_meaning(&case.operand, &case.weights));
    let diffs: Vec<usize> = (0..y.len()).filter(|&i| y[i] != old[i]).collect();
    if diffs.is_empty() {
        return (false, false);
    }
    let padded: Vec<usize> = diffs
        .iter()
        .copied()
        .filter(|&i| is_padding(case.op.out(), i))
        .collect();
    let pick = if padded.is_empty() { &diffs } else { &padded };
    let slot = pick[rng.below(pick.len() as u64) as usize];
    let mut one = y.clone();
    one[slot] = old[slot];
    for bad in [&one, &old] {
        for c in [1, 2] {
            let claims = claims_on::<E>(rng, bad, geo.out_vars, c);
            let (_, _, r) = prove_and_verify(&case.op, &claims, bad, &operand, &weights);
            assert!(
                matches!(
                    r,
                    Err(StructuredError::Sumcheck {
                        stage: Stage::Op,
                        ..
                    } | StructuredError::Final { stage: Stage::Op })
                ),
                "C = {c}: {r:?}"
            );
        }
    }
    (true, !padded.is_empty())
}

#[test]
fn zero_padded_meaning_is_rejected_with_junk_padding() {
    let mut rng = Rng::new(81);
    // [differing, with a padded output slot] for conv, then matmul.
    let mut seen = [[0usize; 2]; 2];
    for i in 0..240 {
        let r = if i % 2 == 0 {
            let case = random_conv(&mut rng, true);
            (
                0,
                zero_padded_meaning_rejected::<_, GoldilocksExt2>(&mut rng, &case),
            )
        } else {
            let case = random_matmul(&mut rng, true);
            (
                1,
                zero_padded_meaning_rejected::<_, GoldilocksExt3>(&mut rng, &case),
            )
        };
        let (k, (differs, padded)) = r;
        seen[k][0] += usize::from(differs);
        seen[k][1] += usize::from(padded);
    }
    // Conv channels are 1..=4, so about 7 shapes in 16 have a padded channel.
    let [conv, matmul] = seen;
    assert!(
        conv[0] >= 35 && conv[1] >= 15 && matmul[0] >= 60 && matmul[1] >= 45,
        "coverage {seen:?}"
    );
}

/// The op identity `Ỹ(ρ) − b̃(ρ_co)·M(ρ) = Σ_a f(a)·h(a)` by brute force, the verifier's
/// `final_factor` against the MLE of the prover's `h` table at a random point, and the
/// slab values against the slabs' MLEs.
fn tables_case<S: Structured + Reference, E: ExtensionField<F>>(rng: &mut Rng, case: &Case<S>) {
    let geo = case.op.geometry().unwrap();
    let operand = lift(&case.operand);
    let weights = lift(&case.weights);
    let y = case.op.evaluate_field(&geo, &operand, &weights).unwrap();
    let rho = rand_point::<E>(rng, geo.out_vars);
    let tables = case.op.tables(&geo, &rho, &operand, &weights).unwrap();
    let f: Vec<E> = match &tables.f {
        Table::Base(v) => v.iter().map(|&x| E::from(x)).collect(),
        Table::Ext(v) => v.to_vec(),
    };
    assert_eq!(f.len(), tables.h.len());
    assert_eq!(f.len(), 1 << geo.rounds);
    let sum: E = f.iter().zip(&tables.h).map(|(&a, &b)| a * b).sum();
    let bias = geo.bias.map_or(E::ZERO, |s| {
        let v = &weights[s.offset as usize..][..1 << s.log_len];
        mle::evaluate_base(v, &rho[geo.out_vars - geo.channel_vars..])
    });
    let lhs = mle::evaluate_base(&y, &rho) - bias * case.op.bias_mask(&geo, &rho);
    assert_eq!(lhs, sum, "op identity");

    let e = rand_point::<E>(rng, geo.rounds);
    let g_at = mle::evaluate_ext(&tables.h, &e);
    let point = case.op.slab_point(&geo, &rho, &e).unwrap();
    let omega = case
        .op
        .slab_values(&geo, &tables.aux, &point, &e, g_at, &weights)
        .unwrap();
    for (slot, &w) in geo.slabs.iter().zip(&omega) {
        let v = &weights[slot.offset as usize..][..1 << slot.log_len];
        assert_eq!(w, mle::evaluate_base(v, &point), "slab value");
    }
    assert_eq!(
        case.op.final_factor(&geo, &rho, &e, &omega),
        g_at,
        "G~(e) {:?}",
        geo
    );
    let a_point = case.op.operand_point(&geo, &rho, &e);
    assert_eq!(
        mle::evaluate_ext(&f, &e),
        mle::evaluate_base(&operand, &a_point),
        "operand point"
    );
}

#[test]
fn final_factor_equals_mle_of_prover_tables() {
    let mut rng = Rng::new(21);
    for i in 0..200 {
        let case = random_conv(&mut rng, i % 2 == 1);
        tables_case::<_, GoldilocksExt2>(&mut rng, &case);
        tables_case::<_, GoldilocksExt3>(&mut rng, &case);
    }
    for i in 0..100 {
        let case = random_matmul(&mut rng, i % 2 == 1);
        tables_case::<_, GoldilocksExt2>(&mut rng, &case);
        tables_case::<_, GoldilocksExt3>(&mut rng, &case);
    }
}

/// The 1-D wiring the verifier evaluates, against the explicit 0/1 table of one conv
/// through a 1-channel, 1-tap-per-axis identity kernel: `final_factor` with `ω = 1` for
/// one tap and 0 elsewhere is `P̃^y_ki·P̃^x_kj`.
#[test]
fn wiring_predicate_matches_explicit_table() {
    type E = GoldilocksExt2;
    let mut rng = Rng::new(31);
    for _ in 0..150 {
        let case = random_conv(&mut rng, false);
        let op = case.op;
        let geo = op.geometry().unwrap();
        let (ay, ax) = op.axes().unwrap();
        let rho = rand_point::<E>(&mut rng, geo.out_vars);
        let e = rand_point::<E>(&mut rng, geo.rounds);
        let (ki, kj) = (
            rng.below(u64::from(ay.kernel)) as u32,
            rng.below(u64::from(ax.kernel)) as u32,
        );
        let mut omega = vec![E::ZERO; geo.slabs.len()];
        omega[(ki * ax.kernel + kj) as usize] = E::ONE;
        // Explicit tables T[oy][y] over the padded axes, evaluated as MLEs.
        let axis_mle = |axis: &circuits::Axis, t: u32, r_o: &[E], r_i: &[E]| {
            let (po, pi) = (1usize << r_o.len(), 1usize << r_i.len());
            let mut table = vec![E::ZERO; po * pi];
            for o in 0..axis.output {
                let s = i64::from(o * axis.stride + t * axis.dilation) - i64::from(axis.pad);
                if (0..i64::from(axis.input)).contains(&s) {
                    table[s as usize + pi * o as usize] = E::ONE;
                }
            }
            mle::evaluate_ext(&table, &[r_i, r_o].concat())
        };
        let [_, loh, low] = geo.detail.out_logs;
        let [_, lh, lw] = geo.detail.in_logs;
        let py = axis_mle(&ay, ki, &rho[low..low + loh], &e[lw..lw + lh]);
        let px = axis_mle(&ax, kj, &rho[..low], &e[..lw]);
        let mut want = py * px;
        if op.spec.depthwise {
            let n = geo.channel_vars;
            want *= mle::eq_eval(&rho[geo.out_vars - n..], &e[geo.rounds - n..]);
        }
        assert_eq!(op.final_factor(&geo, &rho, &e, &omega), want);
    }
}

/// A depthwise slab point with a zero denominator is a typed error, not a wrong value.
#[test]
fn degenerate_depthwise_point_is_refused() {
    type E = GoldilocksExt2;
    let op = Conv2dOp {
        input: TensorRef {
            offset: 0,
            dims: [2, 2, 2],
        },
        cout: 2,
        spec: ConvSpec {
            kernel: [1, 1],
            stride: [1, 1],
            dilation: [1, 1],
            pads: [0; 4],
            depthwise: true,
        },
        slabs: 0,
        bias: None,
    };
    let geo = op.geometry().unwrap();
    // e = 2, ρ = 1/3: eρ + (1 − e)(1 − ρ) = 2/3 − 2/3 = 0.
    let third = E::from_u64(3).inverse().unwrap();
    let rho = [E::ZERO, E::ZERO, third];
    let e = [E::ZERO, E::ZERO, E::from_u64(2)];
    assert_eq!(
        op.slab_point(&geo, &rho, &e),
        Err(StructuredError::DegeneratePoint)
    );
}

/// The aggregation sumcheck alone, at several claim counts: verifies, and its end claim
/// is the true MLE.
#[test]
fn aggregation_ends_in_true_claim() {
    type E = GoldilocksExt3;
    let mut rng = Rng::new(41);
    for n in 0..8 {
        for c in 1..5 {
            let y: Vec<F> = (0..1 << n).map(|_| F::from_u64(rng.next_u64())).collect();
            let claims = claims_on::<E>(&mut rng, &y, n, c);
            let mut t = Transcript::new(b"agg");
            absorb_claims(&mut t, &claims);
            let (proof, at) = structured::prove_aggregate(&y, &claims, &mut t).unwrap();
            assert_eq!(at.value, mle::evaluate_base(&y, &at.point));
            let mut tv = Transcript::new(b"agg");
            absorb_claims(&mut tv, &claims);
            assert_eq!(
                structured::verify_aggregate(n, &claims, &proof, &mut tv),
                Ok(at)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Tamper catalogue.

/// A fixed conv with bias (stride 2, pad 1, non-power-of-two sizes) and two output claims.
struct Fixture {
    op: Conv2dOp,
    claims: Vec<Claim<GoldilocksExt2>>,
    y: Vec<F>,
    operand: Vec<F>,
    weights: Vec<F>,
    proof: BlockProof<GoldilocksExt2>,
}

fn fixture(c: usize) -> Fixture {
    let mut rng = Rng::new(51);
    let input = TensorRef {
        offset: 0,
        dims: [3, 7, 6],
    };
    let op = Conv2dOp {
        input,
        cout: 5,
        spec: ConvSpec {
            kernel: [3, 3],
            stride: [2, 1],
            dilation: [1, 1],
            pads: [1, 1, 1, 0],
            depthwise: false,
        },
        slabs: 0,
        bias: Some(9 * 32),
    };
    let slots: Vec<_> = (0..9)
        .map(|kk| (kk * 32, 5, 3, 8, 4))
        .chain([(9 * 32, 1, 5, 1, 8)])
        .collect();
    let weights = lift(&region(&mut rng, 9 * 32 + 8, &slots, false));
    let operand = lift(&tensor(&mut rng, &input, false));
    let geo = op.geometry().unwrap();
    let y = op.evaluate_field(&geo, &operand, &weights).unwrap();
    let claims = claims_on(&mut rng, &y, geo.out_vars, c);
    let (proof, _, ok) = prove_and_verify(&op, &claims, &y, &operand, &weights);
    let _ = ok.unwrap();
    Fixture {
        op,
        claims,
        y,
        operand,
        weights,
        proof,
    }
}

fn verify_with(
    fx: &Fixture,
    claims: &[Claim<GoldilocksExt2>],
    proof: &BlockProof<GoldilocksExt2>,
) -> Result<BlockClaims<GoldilocksExt2>, StructuredError> {
    let mut t = Transcript::new(b"structured-test");
    absorb_claims(&mut t, claims);
    structured::verify_block(&fx.op, claims, proof, &mut t)
}

fn tampered(
    c: usize,
    edit: impl FnOnce(&mut BlockProof<GoldilocksExt2>),
) -> Result<BlockClaims<GoldilocksExt2>, StructuredError> {
    let fx = fixture(c);
    let mut p = fx.proof.clone();
    edit(&mut p);
    verify_with(&fx, &fx.claims, &p)
}

fn op_sumcheck(source: SumcheckError) -> StructuredError {
    StructuredError::Sumcheck {
        stage: Stage::Op,
        source,
    }
}

fn agg_sumcheck(source: SumcheckError) -> StructuredError {
    StructuredError::Sumcheck {
        stage: Stage::Aggregate,
        source,
    }
}

const ONE: GoldilocksExt2 = GoldilocksExt2::ONE;

#[test]
fn tamper_y_at() {
    let r = tampered(2, |p| p.aggregate.as_mut().unwrap().y_at += ONE);
    assert_eq!(
        r,
        Err(StructuredError::Final {
            stage: Stage::Aggregate
        })
    );
}

#[test]
fn tamper_bias() {
    let r = tampered(2, |p| *p.op.bias.as_mut().unwrap() += ONE);
    assert_eq!(r, Err(op_sumcheck(SumcheckError::Sum { round: 0 })));
}

#[test]
fn tamper_round_values() {
    let r = tampered(2, |p| p.op.rounds[2].0[1] += ONE);
    assert_eq!(r, Err(op_sumcheck(SumcheckError::Sum { round: 2 })));
    let r = tampered(2, |p| p.aggregate.as_mut().unwrap().rounds[1].0[0] += ONE);
    assert_eq!(r, Err(agg_sumcheck(SumcheckError::Sum { round: 1 })));
    // The last round has no successor: its evaluation at 2 moves the final value.
    let r = tampered(2, |p| p.op.rounds.last_mut().unwrap().0[2] += ONE);
    assert_eq!(r, Err(StructuredError::Final { stage: Stage::Op }));
}

#[test]
fn tamper_round_count() {
    let fx = fixture(2);
    let n = fx.op.geometry().unwrap().rounds;
    let r = tampered(2, |p| {
        p.op.rounds.pop();
    });
    assert_eq!(
        r,
        Err(op_sumcheck(SumcheckError::RoundCount {
            expected: n,
            got: n - 1
        }))
    );
    let r = tampered(2, |p| {
        let extra = p.op.rounds[0].clone();
        p.op.rounds.push(extra);
    });
    assert_eq!(
        r,
        Err(op_sumcheck(SumcheckError::RoundCount {
            expected: n,
            got: n + 1
        }))
    );
    let r = tampered(2, |p| {
        p.aggregate.as_mut().unwrap().rounds.pop();
    });
    assert!(matches!(
        r,
        Err(StructuredError::Sumcheck {
            stage: Stage::Aggregate,
            source: SumcheckError::RoundCount { .. }
        })
    ));
}

#[test]
fn tamper_degree() {
    let r = tampered(2, |p| p.op.rounds[1].0.push(ONE));
    assert_eq!(
        r,
        Err(op_sumcheck(SumcheckError::Degree {
            round: 1,
            expected: 3,
            got: 4
        }))
    );
    let r = tampered(2, |p| {
        p.aggregate.as_mut().unwrap().rounds[0].0.pop();
    });
    assert_eq!(
        r,
        Err(agg_sumcheck(SumcheckError::Degree {
            round: 0,
            expected: 3,
            got: 2
        }))
    );
}

#[test]
fn tamper_operand_value() {
    let r = tampered(2, |p| p.op.operand += ONE);
    assert_eq!(r, Err(StructuredError::Final { stage: Stage::Op }));
}

#[test]
fn tamper_slab_value() {
    for kk in [0, 4, 8] {
        let r = tampered(2, |p| p.op.slabs[kk] += ONE);
        assert_eq!(
            r,
            Err(StructuredError::Final { stage: Stage::Op }),
            "slab {kk}"
        );
    }
    let r = tampered(2, |p| p.op.slabs.swap(0, 1));
    assert_eq!(r, Err(StructuredError::Final { stage: Stage::Op }));
}

#[test]
fn tamper_dropped_or_extra_slab() {
    let r = tampered(2, |p| {
        p.op.slabs.pop();
    });
    assert_eq!(
        r,
        Err(StructuredError::Shape {
            what: "slab values",
            expected: 9,
            got: 8
        })
    );
    let r = tampered(2, |p| p.op.slabs.push(ONE));
    assert!(matches!(
        r,
        Err(StructuredError::Shape {
            what: "slab values",
            ..
        })
    ));
}

#[test]
fn tamper_bias_presence_and_aggregation_presence() {
    let r = tampered(2, |p| p.op.bias = None);
    assert!(matches!(
        r,
        Err(StructuredError::Shape {
            what: "bias value",
            ..
        })
    ));
    let r = tampered(2, |p| p.aggregate = None);
    assert!(matches!(
        r,
        Err(StructuredError::Shape {
            what: "aggregation rounds present",
            ..
        })
    ));
    // C = 1 takes no aggregation; a proof carrying one is refused.
    let two = fixture(2);
    let one = fixture(1);
    let mut p = one.proof.clone();
    p.aggregate = two.proof.aggregate.clone();
    assert!(matches!(
        verify_with(&one, &one.claims, &p),
        Err(StructuredError::Shape {
            what: "aggregation rounds present",
            ..
        })
    ));
}

#[test]
fn wrong_claim_value_is_rejected() {
    // C = 1: the claim goes straight into the op sumcheck.
    let fx = fixture(1);
    let mut claims = fx.claims.clone();
    claims[0].value += ONE;
    assert_eq!(
        verify_with(&fx, &claims, &fx.proof),
        Err(op_sumcheck(SumcheckError::Sum { round: 0 }))
    );
    // C = 2: into the aggregation's first round.
    let fx = fixture(2);
    let mut claims = fx.claims.clone();
    claims[1].value += ONE;
    assert_eq!(
        verify_with(&fx, &claims, &fx.proof),
        Err(agg_sumcheck(SumcheckError::Sum { round: 0 }))
    );
    // A point of the wrong length is a shape error, not a panic.
    let mut claims = fx.claims.clone();
    claims[0].point.pop();
    assert!(matches!(
        verify_with(&fx, &claims, &fx.proof),
        Err(StructuredError::Shape { .. })
    ));
    assert!(matches!(
        verify_with(&fx, &[], &fx.proof),
        Err(StructuredError::Shape { .. })
    ));
}

/// A false statement: one output of `Y` changed. The honest prover, run on the wrong
/// table's claims, cannot make the op sumcheck agree with the operand and weights.
#[test]
fn false_statement_cannot_be_proven() {
    for c in [1, 2, 3] {
        let fx = fixture(1);
        let geo = fx.op.geometry().unwrap();
        let mut y = fx.y.clone();
        // Output (co 2, oy 1, ox 3) in the padded (8, 4, 8) layout.
        y[3 + 8 * (1 + 4 * 2)] += F::ONE;
        let mut rng = Rng::new(61 + c as u64);
        let claims = claims_on::<GoldilocksExt2>(&mut rng, &y, geo.out_vars, c);
        let (_, _, r) = prove_and_verify(&fx.op, &claims, &y, &fx.operand, &fx.weights);
        assert_eq!(
            r,
            Err(op_sumcheck(SumcheckError::Sum { round: 0 })),
            "C = {c}"
        );
    }
}

/// Matmul's single slab and operand value are each bound by the final check.
#[test]
fn matmul_tampers() {
    type E = GoldilocksExt3;
    let mut rng = Rng::new(71);
    let case = loop {
        let c = random_matmul(&mut rng, false);
        if c.op.bias.is_some() && c.op.weight.cols > 2 {
            break c;
        }
    };
    let geo = case.op.geometry().unwrap();
    let (operand, weights) = (lift(&case.operand), lift(&case.weights));
    let y = case.op.evaluate_field(&geo, &operand, &weights).unwrap();
    let claims = claims_on::<E>(&mut rng, &y, geo.out_vars, 2);
    let (proof, _, ok) = prove_and_verify(&case.op, &claims, &y, &operand, &weights);
    let _ = ok.unwrap();
    let check = |p: &BlockProof<E>| {
        let mut t = Transcript::new(b"structured-test");
        absorb_claims(&mut t, &claims);
        structured::verify_block(&case.op, &claims, p, &mut t)
    };
    let mut p = proof.clone();
    p.op.slabs[0] += E::ONE;
    assert_eq!(check(&p), Err(StructuredError::Final { stage: Stage::Op }));
    let mut p = proof.clone();
    p.op.operand += E::ONE;
    assert_eq!(check(&p), Err(StructuredError::Final { stage: Stage::Op }));
    let mut p = proof.clone();
    *p.op.bias.as_mut().unwrap() += E::ONE;
    assert_eq!(check(&p), Err(op_sumcheck(SumcheckError::Sum { round: 0 })));
}

/// Every single-byte change of an encoded block proof decodes to an error or to a proof
/// the verifier rejects — and nothing panics.
#[test]
fn byte_mutations_are_rejected_without_panics() {
    let fx = fixture(2);
    let bytes = fx.proof.to_bytes();
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= flip;
            if let Ok(p) = BlockProof::from_bytes(&b) {
                assert!(
                    verify_with(&fx, &fx.claims, &p).is_err(),
                    "byte {i} flip {flip}"
                );
            }
        }
    }
    for cut in 0..bytes.len() {
        assert!(BlockProof::<GoldilocksExt2>::from_bytes(&bytes[..cut]).is_err());
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(BlockProof::<GoldilocksExt2>::from_bytes(&long).is_err());
}

#[test]
fn invalid_ops_and_inputs_are_typed_errors() {
    let fx = fixture(1);
    let mut op = fx.op;
    op.spec.depthwise = true;
    assert!(matches!(op.geometry(), Err(StructuredError::Op { .. })));
    let mut op = fx.op;
    op.cout = 0;
    assert!(matches!(op.geometry(), Err(StructuredError::Op { .. })));
    let geo = fx.op.geometry().unwrap();
    assert!(matches!(
        fx.op.evaluate_field(&geo, &fx.operand[1..], &fx.weights),
        Err(StructuredError::Length {
            what: "operand",
            ..
        })
    ));
    assert!(matches!(
        fx.op.evaluate_field(&geo, &fx.operand, &fx.weights[..100]),
        Err(StructuredError::Length { .. })
    ));
    let mm = MatMulOp {
        input: TensorRef {
            offset: 0,
            dims: [4, 1, 1],
        },
        weight: WeightRef {
            offset: 0,
            rows: 3,
            cols: 5,
        },
        bias: None,
    };
    assert!(matches!(mm.geometry(), Err(StructuredError::Op { .. })));
}
