//! Decode arbitrary bytes as a circuit: must never panic, and whatever decodes must
//! re-encode to the same bytes (the encoding is canonical).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = circuits::Circuit::from_bytes(data) {
        assert_eq!(c.to_bytes(), data);
    }
});
