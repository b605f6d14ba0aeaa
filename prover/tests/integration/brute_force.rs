//! Every sumcheck instance against brute-force hypercube sums on small random cases, and
//! the GKR layer identity against brute force over the wiring.

use circuits::random::{self, Rng, Spec};
use prover::gkr::{self, LayerValues};
use prover::mle;
use prover::sumcheck::{self, ProductSumcheck, RoundProver, Table};
use prover::transcript::Transcript;
use prover::{Field, Goldilocks, GoldilocksExt2};

type F = Goldilocks;
type E = GoldilocksExt2;

fn rand_e(rng: &mut Rng) -> E {
    let b: Vec<u8> = (0..32).map(|_| rng.next_u64() as u8).collect();
    E::from_uniform_bytes(&b)
}

fn rand_f(rng: &mut Rng) -> F {
    F::from_u64(rng.next_u64())
}

#[test]
fn product_sumcheck_matches_brute_force() {
    let mut rng = Rng::new(1);
    for n in 0..=8usize {
        for base in [true, false] {
            let fb: Vec<F> = (0..1 << n).map(|_| rand_f(&mut rng)).collect();
            let fe: Vec<E> = (0..1 << n).map(|_| rand_e(&mut rng)).collect();
            let h: Vec<E> = (0..1 << n).map(|_| rand_e(&mut rng)).collect();
            let f_ext: Vec<E> = if base {
                fb.iter().map(|&x| E::from(x)).collect()
            } else {
                fe.clone()
            };
            let sum: E = f_ext.iter().zip(&h).map(|(&a, &b)| a * b).sum();

            let table = if base {
                Table::Base(&fb)
            } else {
                Table::Ext(fe.as_slice().into())
            };
            let mut inst = ProductSumcheck::new(table, h.clone());
            // Each round polynomial, at 0, 1, 2, against the brute-force partial sums.
            let mut t = Transcript::new(b"test");
            let mut claim = sum;
            let mut point = Vec::new();
            for round in 0..n {
                let evals = inst.round_evals();
                assert_eq!(evals[0] + evals[1], claim, "n={n} round {round}");
                for (z, &ev) in evals.iter().enumerate() {
                    let zz = E::from_u64(z as u64);
                    // Σ over the remaining variables of f(point, z, rest)·h(point, z, rest).
                    let rest = n - round - 1;
                    let mut s = E::ZERO;
                    for x in 0..1usize << rest {
                        let mut p = point.clone();
                        p.push(zz);
                        p.extend((0..rest).map(|i| E::from_u64(((x >> i) & 1) as u64)));
                        s += mle::evaluate_ext(&f_ext, &p) * mle::evaluate_ext(&h, &p);
                    }
                    assert_eq!(ev, s, "n={n} round {round} at {z}");
                }
                let r: E = t.challenge(b"r");
                claim = sumcheck::LagrangeNodes::new(2).interpolate(&evals, r);
                inst.bind(r);
                point.push(r);
            }
            assert_eq!(claim, inst.final_f() * inst.final_h());
            assert_eq!(inst.final_f(), mle::evaluate_ext(&f_ext, &point));
            assert_eq!(inst.final_h(), mle::evaluate_ext(&h, &point));
        }
    }
}

#[test]
fn sumcheck_driver_and_verifier_agree_with_brute_force() {
    let mut rng = Rng::new(2);
    for n in 1..=10usize {
        let f: Vec<E> = (0..1 << n).map(|_| rand_e(&mut rng)).collect();
        let h: Vec<E> = (0..1 << n).map(|_| rand_e(&mut rng)).collect();
        let sum: E = f.iter().zip(&h).map(|(&a, &b)| a * b).sum();
        let mut inst = ProductSumcheck::<F, E>::new(Table::Ext(f.as_slice().into()), h.clone());
        let mut tp = Transcript::new(b"t");
        let (rounds, point) = sumcheck::prove(&mut inst, &mut tp);
        let mut tv = Transcript::new(b"t");
        let sub = sumcheck::verify(sum, n, 2, &rounds, &mut tv).unwrap();
        assert_eq!(sub.point, point);
        assert_eq!(
            sub.value,
            mle::evaluate_ext(&f, &point) * mle::evaluate_ext(&h, &point)
        );
        // A wrong claimed sum is caught in round 0.
        let mut tv = Transcript::new(b"t");
        let bad = sumcheck::verify(sum + E::ONE, n, 2, &rounds, &mut tv);
        assert_eq!(bad, Err(sumcheck::SumcheckError::Sum { round: 0 }));
    }
}

#[test]
fn lagrange_interpolation_matches_polynomials() {
    let mut rng = Rng::new(3);
    for d in 1..=5usize {
        let coeffs: Vec<E> = (0..=d).map(|_| rand_e(&mut rng)).collect();
        let p = |x: E| coeffs.iter().rev().fold(E::ZERO, |acc, &c| acc * x + c);
        let evals: Vec<E> = (0..=d).map(|i| p(E::from_u64(i as u64))).collect();
        let nodes = sumcheck::LagrangeNodes::new(d);
        for _ in 0..5 {
            let r = rand_e(&mut rng);
            assert_eq!(nodes.interpolate(&evals, r), p(r));
        }
        // At every node the value itself (no division by zero on the way).
        for (i, v) in evals.iter().enumerate() {
            assert_eq!(
                nodes.interpolate(&evals, E::from_u64(i as u64)),
                *v,
                "d {d}, node {i}"
            );
        }
    }
}

/// The GKR layer identity: `Ṽ_k(r) − cst~ = Σ_{x,y} Ṽ_{k−1}(x)·(add~(r,x) + mul~(r,x,y)·Ṽ_{k−1}(y))`,
/// checked by brute force over the wiring, i.e. every gate kind reaches the sumcheck.
#[test]
fn gkr_layer_identity_matches_brute_force() {
    for seed in 0..8u64 {
        let spec = Spec {
            log_widths: vec![4, 3, 3],
            num_public: 2,
            const_percent: 50,
            ..Spec::default()
        };
        let c = random::circuit(&spec, seed);
        let mut rng = Rng::new(seed);
        let public: Vec<F> = (0..2).map(|_| rand_f(&mut rng)).collect();
        let input: Vec<F> = (0..16).map(|_| rand_f(&mut rng)).collect();
        let values = gkr::evaluate::<F, E>(&c, &public, input, &[]).unwrap();
        for k in 1..=c.depth() {
            let layer = &c.layers[k - 1];
            let (LayerValues::Base(prev), LayerValues::Base(cur)) = (&values[k - 1], &values[k])
            else {
                panic!()
            };
            let r: Vec<E> = (0..layer.log_width).map(|_| rand_e(&mut rng)).collect();
            let lhs = mle::evaluate_base(cur, &r);
            let eq = mle::eq_table(&r);
            let lower = |c: circuits::Coeff| match c {
                circuits::Coeff::Int(v) => F::from_i64(v),
                circuits::Coeff::Challenge(_) | circuits::Coeff::ChallengeTimes(..) => {
                    unreachable!()
                }
            };
            let mut cst = E::ZERO;
            for g in &layer.constant {
                let s = match g.source {
                    circuits::ConstSource::One => F::ONE,
                    circuits::ConstSource::Public(i) => public[i as usize],
                };
                cst += eq[g.out as usize] * (lower(g.coeff) * s);
            }
            // Brute force over all (x, y), with the wiring as dense predicates.
            let w = prev.len();
            let mut rhs = E::ZERO;
            for x in 0..w {
                let mut h = E::ZERO;
                for g in layer.add.iter().filter(|g| g.input as usize == x) {
                    h += eq[g.out as usize] * lower(g.coeff);
                }
                for (y, &vy) in prev.iter().enumerate() {
                    for g in layer
                        .mul
                        .iter()
                        .filter(|g| g.in0 as usize == x && g.in1 as usize == y)
                    {
                        h += eq[g.out as usize] * (lower(g.coeff) * vy);
                    }
                }
                rhs += h * prev[x];
            }
            assert_eq!(lhs - cst, rhs, "seed {seed} layer {k}");
        }
    }
}
