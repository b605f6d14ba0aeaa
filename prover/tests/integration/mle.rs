//! eq tables and multilinear evaluation against brute force, in the documented
//! LSB-first variable order.

use circuits::random::Rng;
use prover::mle;
use prover::{Field, Goldilocks, GoldilocksExt2};

type F = Goldilocks;
type E = GoldilocksExt2;

fn rand_e(rng: &mut Rng) -> E {
    let b: Vec<u8> = (0..32).map(|_| rng.next_u64() as u8).collect();
    E::from_uniform_bytes(&b)
}

/// `eq(r, x)` straight from the definition, bit i of x against r_i.
fn eq_brute(r: &[E], x: usize) -> E {
    let mut p = E::ONE;
    for (i, &ri) in r.iter().enumerate() {
        let xi = E::from_u64(((x >> i) & 1) as u64);
        p *= ri * xi + (E::ONE - ri) * (E::ONE - xi);
    }
    p
}

#[test]
fn eq_table_matches_definition() {
    let mut rng = Rng::new(1);
    for n in 0..=9 {
        let r: Vec<E> = (0..n).map(|_| rand_e(&mut rng)).collect();
        let s = rand_e(&mut rng);
        let t = mle::eq_table_scaled(&r, s);
        let tp = mle::eq_table_scaled_par(&r, s);
        assert_eq!(t, tp);
        assert_eq!(t.len(), 1 << n);
        for (x, &v) in t.iter().enumerate() {
            assert_eq!(v, s * eq_brute(&r, x), "n={n} x={x}");
            assert_eq!(mle::eq_at_index(&r, x), eq_brute(&r, x));
        }
        assert_eq!(t.iter().copied().sum::<E>(), s, "eq sums to its scale");
    }
}

#[test]
fn eq_table_parallel_path_matches_serial() {
    let mut rng = Rng::new(2);
    let r: Vec<E> = (0..15).map(|_| rand_e(&mut rng)).collect();
    assert_eq!(mle::eq_table(&r), mle::eq_table_scaled_par(&r, E::ONE));
}

#[test]
fn evaluation_matches_eq_sum_and_hypercube() {
    let mut rng = Rng::new(3);
    for n in 0..=8 {
        for len in [0usize, 1, (1 << n) / 2 + 1, 1 << n] {
            let len = len.min(1 << n);
            let v: Vec<F> = (0..len).map(|_| F::from_u64(rng.next_u64())).collect();
            let r: Vec<E> = (0..n).map(|_| rand_e(&mut rng)).collect();
            let brute: E = v
                .iter()
                .enumerate()
                .map(|(x, &a)| eq_brute(&r, x) * a)
                .sum();
            assert_eq!(mle::evaluate_base(&v, &r), brute, "n={n} len={len}");
            let ve: Vec<E> = v.iter().map(|&a| E::from(a)).collect();
            assert_eq!(mle::evaluate_ext(&ve, &r), brute);
            // On hypercube points the extension is the table.
            for (x, &a) in v.iter().enumerate() {
                let p: Vec<E> = (0..n).map(|i| E::from_u64(((x >> i) & 1) as u64)).collect();
                assert_eq!(mle::evaluate_base(&v, &p), E::from(a));
            }
        }
    }
}

#[test]
fn eq_eval_matches_product_formula() {
    let mut rng = Rng::new(4);
    let a: Vec<E> = (0..6).map(|_| rand_e(&mut rng)).collect();
    let t = mle::eq_table(&a);
    for (x, &v) in t.iter().enumerate() {
        let b: Vec<E> = (0..6).map(|i| E::from_u64(((x >> i) & 1) as u64)).collect();
        assert_eq!(mle::eq_eval(&a, &b), v);
    }
}

#[test]
fn streamed_evaluation_matches_brute_force_at_every_length() {
    // The verifier's evaluation folds the values as they stream past (no table): every
    // length exercises a different pattern of pending subtrees and zero padding.
    let mut rng = Rng::new(5);
    for n in 0..=6usize {
        let r: Vec<E> = (0..n).map(|_| rand_e(&mut rng)).collect();
        let all: Vec<F> = (0..(1 << n) + 3)
            .map(|_| F::from_u64(rng.next_u64()))
            .collect();
        for len in 0..=all.len() {
            let v = &all[..len];
            let brute: E = v
                .iter()
                .take(1 << n)
                .enumerate()
                .map(|(x, &a)| eq_brute(&r, x) * a)
                .sum();
            assert_eq!(mle::evaluate_base(v, &r), brute, "n={n} len={len}");
        }
    }
}
