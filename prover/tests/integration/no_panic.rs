//! The verifier and the decoders never panic, whatever the bytes (the in-CI companion of
//! the cargo-fuzz targets in `prover/fuzz`).

use crate::common;

use common::{Case, rich_spec};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_proofs_are_rejected_without_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..6)
    ) {
        let case = Case::new(&rich_spec(), 3);
        let honest = case.proof.to_bytes();
        let mut bytes = honest.clone();
        for (at, byte, kind) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] ^= byte.max(1),
                1 => bytes.insert(i, byte),
                2 => { bytes.remove(i); }
                _ => bytes.truncate(i),
            }
        }
        let res = prover::verify_transparent_bytes(&case.circuit, &case.statement(), &bytes);
        if bytes == honest { prop_assert!(res.is_ok()); } else { prop_assert!(res.is_err()); }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let case = Case::new(&rich_spec(), 3);
        prop_assert!(prover::verify_transparent_bytes(&case.circuit, &case.statement(), &bytes).is_err());
        let mut with_header = b"LAMP\x01\x00\x00\x00".to_vec();
        with_header.extend_from_slice(&bytes);
        prop_assert!(prover::verify_transparent_bytes(&case.circuit, &case.statement(), &with_header).is_err());
        if let Ok(c) = circuits::Circuit::from_bytes(&bytes) {
            prop_assert_eq!(c.to_bytes(), bytes.clone());
        }
        let mut circuit_header = b"LAMC\x01\x00\x00\x00".to_vec();
        circuit_header.extend_from_slice(&bytes);
        if let Ok(c) = circuits::Circuit::from_bytes(&circuit_header) {
            prop_assert_eq!(c.to_bytes(), circuit_header);
        }
    }
}
