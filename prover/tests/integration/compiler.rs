//! The compiler end to end: programs compiled, solved, proven and verified; compiled
//! circuits agree with a direct interpreter; constraint violations are named; range
//! checks are two-sided; compilation is deterministic.

use circuits::compiler::{Builder, Compiled, Label, Program, SolveError, SolvedWitness};
use circuits::{Circuit, Residue};
use prover::{Field, Goldilocks, Statement, TransparentProof, VerifyError, Witness};

type F = Goldilocks;

fn f(v: &[Residue]) -> Vec<F> {
    v.iter().map(|r| F::from_u64(r.value())).collect()
}

fn prove(c: &Circuit, w: &SolvedWitness) -> Result<(TransparentProof, Vec<F>), prover::ProveError> {
    let (public, weights, private) = (f(&w.public), f(&w.weights), f(&w.private));
    prover::prove_transparent(
        c,
        &Witness {
            public: &public,
            weights: &weights,
            private: &private,
        },
        b"",
    )
}

/// Verifies against the real weights commitment (none when the circuit has no weights).
fn verify(
    c: &Circuit,
    public: &[Residue],
    weights: &[Residue],
    outputs: &[F],
    proof: &TransparentProof,
) -> Result<(), VerifyError> {
    let public = f(public);
    let commitment = prover::transparent_weights_commitment(c, &f(weights));
    prover::verify_transparent(
        c,
        &Statement {
            public: &public,
            outputs,
            context: b"",
            weights_commitment: commitment.as_ref(),
        },
        proof,
    )
}

/// Solve, prove, verify; returns the proven outputs.
fn round_trip(p: &Program, c: &Compiled, public: &[i64], weights: &[i64], hints: &[i64]) -> Vec<F> {
    let w = p.solve(public, weights, hints).unwrap();
    let (proof, outputs) = prove(&c.circuit, &w).unwrap();
    assert_eq!(outputs, f(&w.outputs), "proven outputs are the solver's");
    verify(&c.circuit, &w.public, &w.weights, &outputs, &proof).unwrap();
    outputs
}

const L: Label = Label::new("test", 0, 0);

#[test]
fn smoke_product_with_range_check() {
    let mut b = Builder::new();
    let pi = b.public_input();
    let [x, y] = [b.hint(), b.hint()];
    let z = b.mul(x, y);
    b.assert_equal(z, pi, L);
    b.range_check(x, 10, Label::new("test", 1, 0));
    b.output(z);
    let p = b.finish().unwrap();
    let c = p.compile().unwrap();
    let out = round_trip(&p, &c, &[42], &[], &[6, 7]);
    assert_eq!(out, vec![F::from_u64(42)]);
    // The solver names the failing constraint.
    assert_eq!(
        p.solve(&[41], &[], &[6, 7]),
        Err(SolveError::Constraint { label: L, value: 1 })
    );
    assert!(matches!(
        p.solve(&[42 * 1024], &[], &[1024, 42]),
        Err(SolveError::Range {
            bits: 10,
            value: 1024,
            ..
        })
    ));
}

// ---- random programs against a direct interpreter ----

use circuits::compiler::Var;
use circuits::random::Rng;

/// A random program, built alongside a direct interpretation of every value.
struct RandomProgram {
    program: Program,
    public: Vec<i64>,
    weights: Vec<i64>,
    hints: Vec<i64>,
    outputs: Vec<Residue>,
}

fn random_program(seed: u64) -> RandomProgram {
    let mut rng = Rng::new(seed);
    let mut b = Builder::new();
    let small = |rng: &mut Rng| rng.below(2000) as i64 - 1000;
    let (np, nw, nh) = (
        rng.below(4) as usize,
        1 + rng.below(6) as usize,
        1 + rng.below(12) as usize,
    );
    let public: Vec<i64> = (0..np).map(|_| small(&mut rng)).collect();
    let weights: Vec<i64> = (0..nw).map(|_| small(&mut rng)).collect();
    let hints: Vec<i64> = (0..nh).map(|_| small(&mut rng)).collect();
    let mut vars: Vec<(Var, Residue)> = Vec::new();
    for &v in &public {
        vars.push((b.public_input(), Residue::from_i64(v)));
    }
    for &v in &weights {
        vars.push((b.weight(), Residue::from_i64(v)));
    }
    let hint_vars: Vec<Var> = hints.iter().map(|_| b.hint()).collect();
    for (&v, &h) in hint_vars.iter().zip(&hints) {
        vars.push((v, Residue::from_i64(h)));
    }
    let ops = 5 + rng.below(40);
    for _ in 0..ops {
        let pick =
            |rng: &mut Rng, vars: &Vec<(Var, Residue)>| vars[rng.below(vars.len() as u64) as usize];
        let (var, val) = match rng.below(6) {
            0 => {
                let n = 1 + rng.below(5) as usize;
                let terms: Vec<(i64, Var, Residue)> = (0..n)
                    .map(|_| {
                        let (v, x) = pick(&mut rng, &vars);
                        (small(&mut rng), v, x)
                    })
                    .collect();
                let k = small(&mut rng);
                let val = terms.iter().fold(Residue::from_i64(k), |acc, &(c, _, x)| {
                    acc + Residue::from_i64(c) * x
                });
                let t: Vec<(i64, Var)> = terms.iter().map(|&(c, v, _)| (c, v)).collect();
                (b.lin(&t, k), val)
            }
            1 | 2 => {
                let ((a, x), (c, y)) = (pick(&mut rng, &vars), pick(&mut rng, &vars));
                (b.mul(a, c), x * y)
            }
            3 => {
                let n = 1 + rng.below(8) as usize;
                let xs: Vec<(Var, Residue)> = (0..n).map(|_| pick(&mut rng, &vars)).collect();
                let ys: Vec<(Var, Residue)> = (0..n).map(|_| pick(&mut rng, &vars)).collect();
                let val = xs
                    .iter()
                    .zip(&ys)
                    .fold(Residue::ZERO, |acc, (x, y)| acc + x.1 * y.1);
                let (xv, yv): (Vec<Var>, Vec<Var>) = (
                    xs.iter().map(|x| x.0).collect(),
                    ys.iter().map(|y| y.0).collect(),
                );
                (b.dot(&xv, &yv), val)
            }
            4 => {
                let k = small(&mut rng);
                (b.constant(k), Residue::from_i64(k))
            }
            _ => {
                let ((a, x), (c, y)) = (pick(&mut rng, &vars), pick(&mut rng, &vars));
                (b.sub(a, c), x + Residue::from_i64(-1) * y)
            }
        };
        vars.push((var, val));
    }
    // Constraints that hold: v − value = 0 for random values; every hint pinned once.
    for (i, &(v, x)) in vars.iter().enumerate() {
        if rng.chance(30) || hint_vars.contains(&v) {
            let c = b.lin(&[(1, v)], -x.to_i64());
            b.assert_zero(c, Label::new("pin", 0, i as u32));
        }
        if x.value() < 1 << 40 && rng.chance(20) {
            let bits = (64 - x.value().leading_zeros()) + rng.below(5) as u32;
            b.range_check(v, bits.max(1), Label::new("range", 0, i as u32));
        }
    }
    // A challenge-weighted constraint that holds: ρ·(v − v) = 0.
    if rng.chance(50) {
        let r = b.challenge();
        let (v, _) = vars[rng.below(vars.len() as u64) as usize];
        let z = b.sub(v, v);
        let t = b.mul(r, z);
        b.assert_zero(t, Label::new("challenge", 0, 0));
    }
    let mut outputs = Vec::new();
    let mut used = std::collections::HashSet::new();
    for _ in 0..1 + rng.below(4) {
        let (v, x) = vars[rng.below(vars.len() as u64) as usize];
        if used.insert(v) {
            b.output(v);
            outputs.push(x);
        }
    }
    RandomProgram {
        program: b.finish().unwrap(),
        public,
        weights,
        hints,
        outputs,
    }
}

#[test]
fn random_programs_match_the_interpreter_and_prove() {
    for seed in 0..60 {
        let rp = random_program(seed);
        let c = rp
            .program
            .compile()
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let w = rp
            .program
            .solve(&rp.public, &rp.weights, &rp.hints)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(w.outputs, rp.outputs, "seed {seed}: solver vs interpreter");
        let (proof, outputs) = prove(&c.circuit, &w).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(
            outputs,
            f(&rp.outputs),
            "seed {seed}: circuit vs interpreter"
        );
        verify(&c.circuit, &w.public, &w.weights, &outputs, &proof)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    }
}

#[test]
fn compilation_is_deterministic() {
    for seed in [3, 17] {
        let a = random_program(seed).program.compile().unwrap();
        let b = random_program(seed).program.compile().unwrap();
        assert_eq!(a.circuit.to_bytes(), b.circuit.to_bytes());
        assert_eq!(a.circuit.digest(), b.circuit.digest());
        assert_eq!(a.stats, b.stats);
    }
}

#[test]
fn violated_constraints_are_named_and_cannot_be_proven() {
    let mut b = Builder::new();
    let [x, y] = [b.hint(), b.hint()];
    let bit = b.hint();
    b.assert_bool(bit, Label::new("relu", 2, 7));
    let xy = b.mul(x, y);
    let lbl = Label::new("gemm", 3, 11);
    let d = b.lin(&[(1, xy)], -20);
    b.assert_zero(d, lbl);
    b.output(x);
    let p = b.finish().unwrap();
    let c = p.compile().unwrap();
    round_trip(&p, &c, &[], &[], &[4, 5, 1]);
    assert_eq!(
        p.solve(&[], &[], &[4, 6, 1]),
        Err(SolveError::Constraint {
            label: lbl,
            value: 4
        })
    );
    assert_eq!(
        p.solve(&[], &[], &[4, 5, 2]),
        Err(SolveError::Constraint {
            label: Label::new("relu", 2, 7),
            value: 2
        })
    );
    // A prover that ignores the solver is refused, and its forced proof is rejected.
    let mut w = p.solve(&[], &[], &[4, 5, 1]).unwrap();
    w.private[1] = Residue::from_i64(6);
    assert!(matches!(
        prove(&c.circuit, &w),
        Err(prover::ProveError::Unsatisfied { slot: 0 })
    ));
    let (public, weights, private) = (f(&w.public), f(&w.weights), f(&w.private));
    let (proof, outputs) = prover::gkr::prove_unchecked(
        &prover::Transparent,
        &c.circuit,
        &Witness {
            public: &public,
            weights: &weights,
            private: &private,
        },
        b"",
    )
    .unwrap();
    assert!(verify(&c.circuit, &w.public, &w.weights, &outputs, &proof).is_err());
}

#[test]
fn compile_errors() {
    use circuits::compiler::CompileError;
    let mut b = Builder::new();
    let x = b.hint();
    let _unused = b.hint();
    b.output(x);
    assert_eq!(
        b.finish().unwrap().compile().unwrap_err(),
        CompileError::UnconstrainedHint { index: 1 }
    );

    let mut b = Builder::new();
    let x = b.hint();
    let r = b.challenge();
    let y = b.mul(r, x);
    b.output(y);
    assert_eq!(
        b.finish().unwrap().compile().unwrap_err(),
        CompileError::OutputDependsOnChallenge { index: 0 }
    );

    let mut b = Builder::new();
    let x = b.hint();
    b.output(x);
    b.output(x);
    assert_eq!(
        b.finish().unwrap().compile().unwrap_err(),
        CompileError::DuplicateOutput { index: 1 }
    );

    let mut b = Builder::new();
    let x = b.hint();
    b.range_check(x, 63, L);
    assert!(matches!(
        b.finish(),
        Err(CompileError::RangeTooWide { bits: 63, .. })
    ));

    assert_eq!(
        Builder::new().finish().unwrap().compile().unwrap_err(),
        CompileError::NothingToProve
    );
}

// ---- range checks: two-sided, off-by-one, negative values, wrong multiplicities ----

const GP: u64 = circuits::GOLDILOCKS_P;

/// `x` range-checked to `n` bits; `x` is the only given hint.
fn range_program(n: u32) -> (Program, Compiled) {
    let mut b = Builder::new();
    let x = b.hint();
    b.range_check(x, n, Label::new("rescale", 1, 0));
    let p = b.finish().unwrap();
    let c = p.compile().unwrap();
    (p, c)
}

/// A private vector for `x` with the given digits, and multiplicities counted honestly
/// over those digits' queries that match a table row (a digit outside its table cannot be
/// counted: that is what LogUp catches).
fn forge(p: &Program, n: u32, x: Residue, digits: &[Residue]) -> Vec<Residue> {
    let c = p.chunk_bits();
    let rows = p.lookup_table();
    let mut m = vec![0i64; rows.len()];
    for (i, d) in digits.iter().enumerate() {
        let tag = if i + 1 == digits.len() && !n.is_multiple_of(c) {
            n % c
        } else {
            0
        };
        if let Some(pos) = rows
            .iter()
            .position(|&(t, v)| t == tag && u64::from(v) == d.value())
        {
            m[pos] += 1;
        }
    }
    let mut private = vec![x];
    private.extend_from_slice(digits);
    private.extend(m.into_iter().map(Residue::from_i64));
    private
}

/// The digits `x = Σ d_i·2^{ic}` with `d_1.. = honest digits of low` and `d_0` absorbing
/// the rest modulo p (so recomposition holds in the field for any x).
fn digits_for(p: &Program, n: u32, x: Residue, high: &[u64]) -> Vec<Residue> {
    let c = p.chunk_bits();
    let k = n.div_ceil(c) as usize;
    let mut d = vec![Residue::ZERO; k];
    let mut rest = x;
    for (i, di) in d.iter_mut().enumerate().skip(1) {
        *di = Residue::new(high.get(i - 1).copied().unwrap_or(0));
        rest = rest + Residue::from_i64(-1) * *di * Residue::new(1u64 << (i as u32 * c));
    }
    d[0] = rest;
    d
}

fn rejected(p: &Program, c: &Compiled, private: Vec<Residue>) {
    let w = SolvedWitness {
        public: vec![],
        weights: vec![],
        private,
        outputs: vec![],
    };
    assert!(
        matches!(
            prove(&c.circuit, &w),
            Err(prover::ProveError::Unsatisfied { .. })
        ),
        "honest prover must refuse"
    );
    let private = f(&w.private);
    let (proof, outputs) = prover::gkr::prove_unchecked(
        &prover::Transparent,
        &c.circuit,
        &Witness {
            public: &[],
            weights: &[],
            private: &private,
        },
        b"",
    )
    .unwrap();
    assert!(
        verify(&c.circuit, &[], &[], &outputs, &proof).is_err(),
        "forged range check accepted"
    );
    let _ = p;
}

fn accepted(p: &Program, c: &Compiled, x: i64) {
    let w = p.solve(&[], &[], &[x]).unwrap();
    let (proof, outputs) = prove(&c.circuit, &w).unwrap();
    verify(&c.circuit, &[], &[], &outputs, &proof).unwrap();
}

#[test]
fn range_check_accepts_both_ends() {
    for n in [1u32, 7, 12, 18, 30, 45, 62] {
        let (p, c) = range_program(n);
        accepted(&p, &c, 0);
        accepted(&p, &c, ((1u64 << n) - 1) as i64);
    }
}

#[test]
fn range_check_solver_refuses_out_of_range() {
    for n in [7u32, 18, 30] {
        let (p, _) = range_program(n);
        for x in [-1i64, 1 << n, -(1 << n)] {
            assert!(
                matches!(p.solve(&[], &[], &[x]), Err(SolveError::Range { .. })),
                "n={n} x={x}"
            );
        }
    }
}

#[test]
fn range_check_off_by_one_at_two_to_the_bits_rejected() {
    // x = 2^n with in-table digits wherever possible: the top digit is 2^(n mod c) — a row
    // of the full table, so only its own tag-(n mod c) table can reject it.
    for n in [7u32, 18, 30, 45] {
        let (p, c) = range_program(n);
        let ch = p.chunk_bits();
        let k = n.div_ceil(ch);
        let x = Residue::new(1u64 << n);
        let mut digits = vec![Residue::ZERO; k as usize];
        digits[k as usize - 1] = Residue::new(1u64 << (n - (k - 1) * ch));
        rejected(&p, &c, forge(&p, n, x, &digits));
    }
}

#[test]
fn range_check_negative_values_rejected() {
    // The incumbent's padding admits −1, −2^n and −(2^shift − 1)·2^n (protocol.md §9.3).
    for n in [7u32, 18, 30, 62] {
        let (p, c) = range_program(n);
        let ch = p.chunk_bits();
        let shift = (ch - n % ch) % ch;
        let negatives = [1i128, 1 << n, ((1i128 << shift) - 1).max(1) << n];
        for k in negatives {
            let x = Residue::new((i128::from(GP) - k).rem_euclid(i128::from(GP)) as u64);
            // Upper digits all-ones (in table), lowest digit absorbs the rest.
            let hi: Vec<u64> = (0..8).map(|_| (1u64 << ch) - 1).collect();
            rejected(&p, &c, forge(&p, n, x, &digits_for(&p, n, x, &hi)));
            rejected(&p, &c, forge(&p, n, x, &digits_for(&p, n, x, &[])));
        }
        // p − 1 as well.
        let x = Residue::new(GP - 1);
        rejected(&p, &c, forge(&p, n, x, &digits_for(&p, n, x, &[])));
    }
}

#[test]
fn range_check_wrong_multiplicity_rejected() {
    let (p, c) = range_program(18);
    let honest = p.solve(&[], &[], &[12345]).unwrap();
    // Layout: x, then its digits, then the multiplicities.
    let k = 18u32.div_ceil(p.chunk_bits()) as usize;
    let first = 1 + k;
    assert_eq!(honest.private.len(), first + p.lookup_table().len());
    // Move one count from a used row to an unused one: totals unchanged, multiset wrong.
    let mut private = honest.private.clone();
    let used = (first..private.len())
        .find(|&i| private[i] != Residue::ZERO)
        .unwrap();
    let unused = (first..private.len())
        .find(|&i| private[i] == Residue::ZERO)
        .unwrap();
    private[used] = private[used] + Residue::from_i64(-1);
    private[unused] = private[unused] + Residue::new(1);
    rejected(&p, &c, private);
    // And a plain extra count.
    let mut private = honest.private;
    private[unused] = private[unused] + Residue::new(1);
    rejected(&p, &c, private);
}

#[test]
fn bit_decomposition_strategy_is_two_sided() {
    use circuits::compiler::RangeStrategy;
    for n in [1u32, 9, 18] {
        let mut b = Builder::new();
        let x = b.hint();
        b.range_check(x, n, Label::new("rescale", 1, 0));
        let p = b.finish_with(RangeStrategy::Bits).unwrap();
        let c = p.compile().unwrap();
        accepted(&p, &c, 0);
        accepted(&p, &c, ((1u64 << n) - 1) as i64);
        assert!(matches!(
            p.solve(&[], &[], &[1 << n]),
            Err(SolveError::Range { .. })
        ));
        assert!(matches!(
            p.solve(&[], &[], &[-1]),
            Err(SolveError::Range { .. })
        ));
        // Forged: x = 2^n or −1 with the lowest bit absorbing the difference (not boolean).
        for x in [Residue::new(1 << n), Residue::from_i64(-1)] {
            let mut bits = vec![Residue::ZERO; n as usize];
            let mut rest = x;
            for (i, bit) in bits.iter_mut().enumerate().skip(1) {
                *bit = Residue::new(1);
                rest = rest + Residue::from_i64(-(1i64 << i));
            }
            bits[0] = rest;
            let mut private = vec![x];
            private.extend(bits);
            rejected(&p, &c, private);
        }
    }
}
