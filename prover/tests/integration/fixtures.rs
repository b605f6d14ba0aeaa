//! Frozen formats: a committed circuit, statement and proof (testdata/engine) must keep
//! verifying, and the transcript's challenge bytes are pinned.
//!
//! Regenerate the fixture (only with a deliberate format or protocol version bump):
//! `cargo test -p prover --test integration -- --ignored fixtures::regenerate`

use circuits::Circuit;
use circuits::random::{self, Spec};
use prover::transcript::Transcript;
use prover::{
    Field, Goldilocks, GoldilocksExt2, PrimeField64, Statement, TransparentProof, Witness,
};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/engine")
}

fn read_u64s(name: &str) -> Vec<Goldilocks> {
    std::fs::read_to_string(dir().join(name))
        .unwrap()
        .split_whitespace()
        .map(|t| Goldilocks::from_canonical(t.parse().unwrap()).unwrap())
        .collect()
}

#[test]
fn committed_proof_verifies() {
    let circuit = Circuit::from_bytes(&std::fs::read(dir().join("circuit.bin")).unwrap()).unwrap();
    let proof = std::fs::read(dir().join("proof.bin")).unwrap();
    let public = read_u64s("public.txt");
    let outputs = read_u64s("outputs.txt");
    // The weights are not stored: `regenerate` draws them from seed 2, so the verifier's
    // expected commitment is recomputed the same way.
    let weights = fixture_weights(&circuit);
    let commitment = prover::transparent_weights_commitment(&circuit, &weights).unwrap();
    let st = Statement {
        public: &public,
        outputs: &outputs,
        context: b"fixture",
        weights_commitment: Some(&commitment),
    };
    prover::verify_transparent_bytes(&circuit, &st, &proof).unwrap();
    // Re-encoding the decoded proof gives the committed bytes.
    assert_eq!(
        TransparentProof::from_bytes(&proof).unwrap().to_bytes(),
        proof
    );
}

/// The fixture's weights, as `regenerate` draws them.
fn fixture_weights(circuit: &Circuit) -> Vec<Goldilocks> {
    random::values(circuit.input.len_of(circuits::RegionKind::Weights), 2)
        .into_iter()
        .map(Goldilocks::from_u64)
        .collect()
}

#[test]
fn transcript_golden_bytes() {
    let mut t = Transcript::new(b"lamina-gkr");
    t.absorb(b"label", b"data");
    let c: GoldilocksExt2 = t.challenge(b"c");
    let mut w = circuits::codec::Writer::new();
    c.encode(&mut w);
    let hex: String = w.into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let golden = std::fs::read_to_string(dir().join("transcript_challenge.hex")).unwrap();
    assert_eq!(
        hex,
        golden.trim(),
        "transcript encoding changed: bump PROTOCOL_VERSION"
    );
}

#[test]
#[ignore = "writes testdata/engine; run only for a deliberate format change"]
fn regenerate() {
    let spec = Spec {
        log_widths: vec![5, 5, 4, 3],
        num_public: 3,
        const_percent: 30,
        zero_outputs: 2,
        ..Spec::default()
    };
    let circuit = random::circuit(&spec, 2026);
    let f = |v: Vec<u64>| v.into_iter().map(Goldilocks::from_u64).collect::<Vec<_>>();
    let public = f(random::values(3, 1));
    let weights = fixture_weights(&circuit);
    let private = f(random::values(
        circuit.input.len_of(circuits::RegionKind::Private),
        3,
    ));
    let w = Witness {
        public: &public,
        weights: &weights,
        private: &private,
    };
    let (proof, outputs) = prover::prove_transparent(&circuit, &w, b"fixture").unwrap();
    let txt = |v: &[Goldilocks]| {
        v.iter()
            .map(|x| x.as_u64().to_string())
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    std::fs::create_dir_all(dir()).unwrap();
    std::fs::write(dir().join("circuit.bin"), circuit.to_bytes()).unwrap();
    std::fs::write(dir().join("proof.bin"), proof.to_bytes()).unwrap();
    std::fs::write(dir().join("public.txt"), txt(&public)).unwrap();
    std::fs::write(dir().join("outputs.txt"), txt(&outputs)).unwrap();
    let mut t = Transcript::new(b"lamina-gkr");
    t.absorb(b"label", b"data");
    let c: GoldilocksExt2 = t.challenge(b"c");
    let mut wr = circuits::codec::Writer::new();
    c.encode(&mut wr);
    let hex: String = wr.into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(dir().join("transcript_challenge.hex"), hex + "\n").unwrap();
}

/// A digest of `challenges_bulk`'s output across several fills (1024 elements each), in
/// both extension fields: how the XOF stream is read may change, the challenges may not.
#[test]
fn bulk_challenges_golden_digest() {
    let mut h = blake3::Hasher::new();
    for n in [1usize, 1023, 1024, 1025, 2500] {
        let mut t = Transcript::new(b"lamina-gkr");
        let v: Vec<GoldilocksExt2> = t.challenges_bulk(b"c", n);
        let w: Vec<prover::arith::GoldilocksExt3> = t.challenges_bulk(b"d", n);
        let mut wr = circuits::codec::Writer::new();
        for c in &v {
            c.encode(&mut wr);
        }
        for c in &w {
            c.encode(&mut wr);
        }
        h.update(&wr.into_bytes());
    }
    assert_eq!(
        h.finalize().to_hex().as_str(),
        "bc46efcd46e0c70c170570d77b6ae092d977fe0aae75e833ede7299ce4672e43",
        "the bulk challenges changed: bump PROTOCOL_VERSION"
    );
}
