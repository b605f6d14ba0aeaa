//! Field axioms (proptest), canonical encoding, signed embedding, sampling.

use circuits::codec::{Reader, Writer};
use circuits::{DecodeError, GOLDILOCKS_P};
use proptest::prelude::*;
use prover::{ExtensionField, Field, Goldilocks, GoldilocksExt2, GoldilocksExt3, PrimeField64};

type F = Goldilocks;
type E = GoldilocksExt2;
type E3 = GoldilocksExt3;

fn f() -> impl Strategy<Value = F> {
    any::<u64>().prop_map(F::from_u64)
}
fn e() -> impl Strategy<Value = E> {
    proptest::collection::vec(any::<u8>(), 32).prop_map(|b| E::from_uniform_bytes(&b))
}
fn e3() -> impl Strategy<Value = E3> {
    proptest::collection::vec(any::<u8>(), 48).prop_map(|b| E3::from_uniform_bytes(&b))
}

/// The ring and field axioms, instantiated per field like Plonky3's `test_field!`.
macro_rules! field_axioms {
    ($name:ident, $strat:expr, $ty:ty) => {
        mod $name {
            use super::*;
            proptest! {
                #[test]
                fn ring_laws(a in $strat, b in $strat, c in $strat) {
                    prop_assert_eq!(a + b, b + a);
                    prop_assert_eq!(a * b, b * a);
                    prop_assert_eq!((a + b) + c, a + (b + c));
                    prop_assert_eq!((a * b) * c, a * (b * c));
                    prop_assert_eq!(a * (b + c), a * b + a * c);
                    prop_assert_eq!(a + <$ty>::ZERO, a);
                    prop_assert_eq!(a * <$ty>::ONE, a);
                    prop_assert_eq!(a - a, <$ty>::ZERO);
                    prop_assert_eq!(a + (-a), <$ty>::ZERO);
                    prop_assert_eq!(a.double(), a + a);
                }
                #[test]
                fn inverses(a in $strat) {
                    match a.inverse() {
                        Some(i) => prop_assert_eq!(a * i, <$ty>::ONE),
                        None => prop_assert_eq!(a, <$ty>::ZERO),
                    }
                }
                #[test]
                fn encoding_round_trips(a in $strat) {
                    let mut w = Writer::new();
                    a.encode(&mut w);
                    let bytes = w.into_bytes();
                    prop_assert_eq!(bytes.len(), <$ty>::ENCODED_BYTES);
                    let mut r = Reader::new(&bytes);
                    prop_assert_eq!(<$ty>::decode(&mut r).unwrap(), a);
                    prop_assert!(r.finish().is_ok());
                }
            }
        }
    };
}

field_axioms!(goldilocks, f(), F);
field_axioms!(goldilocks_ext2, e(), E);
field_axioms!(goldilocks_ext3, e3(), E3);

proptest! {
    #[test]
    fn signed_embedding(v in any::<i64>()) {
        let x = F::from_i64(v);
        let expected = if v >= 0 { (v as u64) % GOLDILOCKS_P } else { GOLDILOCKS_P - v.unsigned_abs() % GOLDILOCKS_P };
        prop_assert_eq!(x.as_u64(), expected % GOLDILOCKS_P);
        prop_assert_eq!(F::from_i64(v) + F::from_i64(v.wrapping_neg()), if v == i64::MIN { F::from_i64(v).double() } else { F::ZERO });
    }

    #[test]
    fn non_canonical_base_rejected(v in GOLDILOCKS_P..=u64::MAX) {
        let bytes = v.to_le_bytes();
        prop_assert_eq!(F::decode(&mut Reader::new(&bytes)), Err(DecodeError::NonCanonical { offset: 0 }));
        prop_assert_eq!(F::from_canonical(v), None);
    }

    #[test]
    fn non_canonical_extension_coordinate_rejected(v in GOLDILOCKS_P..=u64::MAX, first in any::<bool>()) {
        let mut bytes = [0u8; 16];
        let at = if first { 0 } else { 8 };
        bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
        prop_assert_eq!(E::decode(&mut Reader::new(&bytes)), Err(DecodeError::NonCanonical { offset: at }));
    }

    #[test]
    fn non_canonical_cubic_coordinate_rejected(v in GOLDILOCKS_P..=u64::MAX, at in 0usize..3) {
        let mut bytes = [0u8; 24];
        bytes[8 * at..8 * at + 8].copy_from_slice(&v.to_le_bytes());
        prop_assert_eq!(E3::decode(&mut Reader::new(&bytes)), Err(DecodeError::NonCanonical { offset: 8 * at }));
    }

    #[test]
    fn cubic_extension_embeds_base(a in f(), b in f(), x in e3()) {
        prop_assert_eq!(E3::from(a) * E3::from(b), E3::from(a * b));
        prop_assert_eq!(x * a, x * E3::from(a));
        prop_assert_eq!(E3::from(a).as_base(), Some(a));
        prop_assert_eq!(E3::from(a).coeffs().len(), E3::DEGREE);
        prop_assert_eq!(x.coeffs().len(), 3);
    }

    #[test]
    fn extension_embeds_base(a in f(), b in f(), x in e()) {
        prop_assert_eq!(E::from(a) * E::from(b), E::from(a * b));
        prop_assert_eq!(x * a, x * E::from(a));
        prop_assert_eq!(E::from(a).as_base(), Some(a));
        prop_assert_eq!(E::from(a).coeffs().len(), E::DEGREE);
    }
}

#[test]
fn x_squared_is_seven() {
    // The extension is F[X]/(X^2 − 7): X·X = 7.
    let mut w = Writer::new();
    w.u64(0);
    w.u64(1);
    let bytes = w.into_bytes();
    let x = E::decode(&mut Reader::new(&bytes)).unwrap();
    assert_eq!(x * x, E::from_u64(7));
    assert_eq!(x.as_base(), None);
}

#[test]
fn x_cubed_is_x_plus_one() {
    // The cubic extension is F[X]/(X^3 − X − 1): X^3 = X + 1, and X is not in F.
    let mut w = Writer::new();
    for c in [0u64, 1, 0] {
        w.u64(c);
    }
    let bytes = w.into_bytes();
    let x = E3::decode(&mut Reader::new(&bytes)).unwrap();
    assert_eq!(x * x * x, x + E3::ONE);
    assert_eq!(x.as_base(), None);
    assert_eq!((x * x).coeffs(), vec![F::ZERO, F::ZERO, F::ONE]);
}

#[test]
fn cubic_sampling_uses_sixteen_bytes_per_coordinate() {
    let mut b = [0u8; 48];
    b[8] = 1; // coordinate 0: 2^64 mod p
    b[16] = 5; // coordinate 1: 5
    let x = E3::from_uniform_bytes(&b);
    assert_eq!(
        x.coeffs(),
        vec![F::from_u64((1u64 << 32) - 1), F::from_u64(5), F::ZERO]
    );
    assert_eq!(E3::UNIFORM_BYTES, 48);
    assert_eq!(E3::ENCODED_BYTES, 24);
}

#[test]
fn sampling_reduces_sixteen_bytes() {
    // 2^64 mod p = 2^32 − 1.
    let mut b = [0u8; 16];
    b[8] = 1;
    assert_eq!(F::from_uniform_bytes(&b).as_u64(), (1u64 << 32) - 1);
    assert_eq!(F::ORDER, GOLDILOCKS_P);
}
