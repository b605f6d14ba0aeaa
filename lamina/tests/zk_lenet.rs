//! Zero-knowledge proofs of the bundled trained LeNet (whole model, K = 18), compiled with
//! gates for every multiply-accumulate: each proof opens its own weights stock entry,
//! verifies against the stock's key, computes the integer forward pass's outputs, and
//! holds no weight and no private value in its bytes — while a transparent proof of the
//! same circuit holds them (the scan's own check).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{first_input, lenet, verify_pinned};

use blueprints::{Model, QuantConfig, SlicePlan, pipeline, slice};
use circuits::compiler::Builder;
use prover::commit::ZkRng;
use prover::zk::{StockUse, WeightsStock, ZkCircuit, prove_zk, verify_zk};
use prover::{Field, FieldWitness, Goldilocks, PrimeField64, Statement, VerifyError};
use std::collections::HashSet;

fn hits(bytes: &[u8], values: &HashSet<u64>) -> usize {
    bytes
        .windows(8)
        .filter(|w| values.contains(&u64::from_le_bytes((*w).try_into().unwrap())))
        .count()
}

#[test]
fn lenet_zero_knowledge_round_trip_hides_weights_and_hints() {
    let m = Model::from_onnx(
        &std::fs::read(lenet().join("lenet.onnx")).unwrap(),
        QuantConfig::new(18, (-1.0, 1.0)).unwrap(),
    )
    .unwrap();
    let x = m.quant.quantize_input(&first_input(), "input").unwrap();
    let s = slice::plan(&m, &SlicePlan::Whole).unwrap().remove(0);
    let sp = pipeline::build_with(&m, &s, Builder::gates_only()).unwrap();
    let circuit = sp.program.compile().unwrap().circuit;
    assert_eq!(circuit.num_blocks(), 0);
    let weights = pipeline::weights(&m, &s);
    let (w, output) = pipeline::witness(&m, &s, &sp.program, &weights, &x).unwrap();
    let fw = FieldWitness::from_solved(&w);

    let zk = ZkCircuit::new(&circuit).unwrap();
    let stock = WeightsStock::build(&zk, &fw.weights, 2, &ZkRng::System).unwrap();
    assert!(zk.security(Some(2)).unwrap().bits >= 100.0);
    let expected: Vec<Goldilocks> = output.iter().map(|&v| Goldilocks::from_i64(v)).collect();

    let mut proofs = Vec::new();
    for index in 0..2 {
        let (proof, outputs) = prove_zk(
            &zk,
            &fw.witness(),
            b"lenet-zk",
            &ZkRng::System,
            Some(StockUse {
                stock: &stock,
                index,
            }),
        )
        .unwrap();
        assert_eq!(outputs, expected);
        let st = Statement {
            public: &fw.public,
            outputs: &outputs,
            context: b"lenet-zk",
            weights_commitment: None,
        };
        verify_zk(&zk, &st, Some(stock.key()), &proof).unwrap();
        // A wrong output is rejected.
        let mut wrong = outputs.clone();
        wrong[0] += Goldilocks::ONE;
        let st = Statement {
            outputs: &wrong,
            ..st
        };
        assert!(verify_zk(&zk, &st, Some(stock.key()), &proof).is_err());
        proofs.push(proof.to_bytes());
    }
    assert_ne!(proofs[0], proofs[1]);

    // Every weight and private value of at least 2^32 (the negative ones, near p, and the
    // large positive ones), scanned at every alignment. Smaller values are encoded with
    // four or more zero bytes, and a proof holds runs of zero bytes (counts, flags) next
    // to random bytes (digests): a value below 2^24 matches such a spot by chance about
    // once in a hundred LeNet proofs (measured: 5 hits in 700 proofs, each the tail of a
    // digest followed by zero counts), so the scan would test the encoding, not the
    // hiding.
    let secrets: HashSet<u64> = fw
        .weights
        .iter()
        .chain(&fw.private)
        .map(|v| v.as_u64())
        .filter(|&v| v >= 1 << 32)
        .collect();
    assert!(secrets.len() > 10_000, "{} secrets", secrets.len());
    for p in &proofs {
        assert_eq!(hits(p, &secrets), 0);
    }
    // The test of the test: a transparent proof of the same circuit opens them in the
    // clear, and the scan finds them.
    let (plain, _) = prover::prove_transparent(&circuit, &fw.witness(), b"lenet-zk").unwrap();
    assert!(hits(&plain.to_bytes(), &secrets) >= secrets.len() / 2);

    // The stock's key of another model (other weights) rejects these proofs.
    let mut other = fw.weights.clone();
    other[0] += Goldilocks::ONE;
    let other = WeightsStock::build(&zk, &other, 2, &ZkRng::System).unwrap();
    let proof = prover::zk::ZkProof::from_bytes(&proofs[0]).unwrap();
    let st = Statement {
        public: &fw.public,
        outputs: &expected,
        context: b"lenet-zk",
        weights_commitment: None,
    };
    assert_eq!(
        verify_zk(&zk, &st, Some(other.key()), &proof),
        Err(VerifyError::StockPath)
    );
}

/// `lamina run --commitment whir-zk` on the bundled LeNet, one slice per layer: every
/// slice verifies, the report says the proofs hide, and the outputs are the binding
/// run's.
#[test]
fn lamina_run_in_zero_knowledge() {
    use lamina::commands::{Settings, run};
    use lamina::engine::Scheme;
    use lamina::measure::Hooks;
    let x = first_input();
    let model = lenet().join("lenet.onnx");
    let zk = Settings::new(18, (-1.0, 1.0), "layers").unwrap();
    assert_eq!(zk.scheme, Scheme::WhirZk, "zero knowledge is the default");
    let binding = zk.clone().with_scheme(Scheme::Whir);
    let a = run(&model, &x, "input.json", &binding, false, Hooks::default()).unwrap();
    let b = run(&model, &x, "input.json", &zk, false, Hooks::default()).unwrap();
    assert_eq!(b["verified"], true);
    assert_eq!(b["outputs"], a["outputs"]);
    assert_eq!(b["commitment"]["hiding"], true);
    assert_eq!(b["commitment"]["scheme"], "whir-zk");
    assert!(b["commitment"]["security_bits"].as_f64().unwrap() >= 100.0);
    assert_eq!(a["commitment"]["hiding"], false);
}

/// Compile to a folder, prove twice, verify both against the pinned key: each proof takes
/// its own stock entry from the folder's ledger; a proof tampered in one byte, or checked
/// against another compile's key, is rejected; the audit recompiles and compares
/// everything but the stock, and says so.
#[test]
fn lamina_folders_in_zero_knowledge() {
    use lamina::commands::{Settings, compile, prove};
    use lamina::engine::Scheme;
    use lamina::measure::Hooks;
    use lamina::proof_folder::{Pin, verify};
    let tmp = std::env::temp_dir().join(format!("lamina-zk-folders-{}", std::process::id()));
    let model = lenet().join("lenet.onnx");
    let x = first_input();
    let settings = Settings::new(18, (-1.0, 1.0), "layers")
        .unwrap()
        .with_scheme(Scheme::WhirZk);
    let (_, pin, vk, _) = common::compiled_and_proven_twice(&tmp, &settings);
    // Every slice took two distinct entries of its stock of 64, one per proof.
    for i in 0..5 {
        let used = tmp.join(format!("m/weights_stock/used/slice_{i}"));
        let taken: Vec<u32> = std::fs::read_dir(&used)
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .file_name()
                    .into_string()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(taken.len(), 2, "slice {i}");
        assert_ne!(taken[0], taken[1]);
        assert!(taken.iter().all(|&t| t < 64));
    }
    let (a, b) = (
        std::fs::read(tmp.join("p1/slice_0.proof")).unwrap(),
        std::fs::read(tmp.join("p2/slice_0.proof")).unwrap(),
    );
    assert_ne!(a, b);
    // One flipped byte in the middle of a proof.
    let mut bad = a.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 1;
    std::fs::write(tmp.join("p1/slice_0.proof"), &bad).unwrap();
    let v = verify_pinned(&vk, &tmp.join("p1"), &pin);
    assert!(!v.verified);
    std::fs::write(tmp.join("p1/slice_0.proof"), &a).unwrap();
    // Exhausting a stock: a compile for one proof per slice proves once, then refuses.
    let one = settings.clone().with_zk_proofs(1).unwrap();
    compile(&model, &one, &tmp.join("m1"), Hooks::default()).unwrap();
    prove(
        &tmp.join("m1"),
        &x,
        "input.json",
        &tmp.join("q1"),
        Hooks::default(),
    )
    .unwrap();
    let err = prove(
        &tmp.join("m1"),
        &x,
        "input.json",
        &tmp.join("q2"),
        Hooks::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("every entry of the weights stock"),
        "{err}"
    );
    // Another compile of the same model (another stock): its key rejects these proofs
    // (their context binds the key digest, and the stocks differ).
    compile(&model, &settings, &tmp.join("m2"), Hooks::default()).unwrap();
    let other = verify(
        &tmp.join("m2/model.vk"),
        &tmp.join("p1"),
        Pin {
            vk_digest: None,
            model_digest: None,
        },
        Hooks::default(),
    );
    assert!(other.map_or(true, |v| !v.verified));
    // The audit: everything but the stock recompiles to the key.
    let key = lamina::key::load(&vk, Some(&pin)).unwrap();
    let audit = lamina::key::audit(&model, &key, Hooks::default()).unwrap();
    assert!(audit.matches, "{}", audit.doc);
    assert!(
        audit.doc["unchecked"][0]
            .as_str()
            .unwrap()
            .contains("weights stocks")
    );
    // With the owner's stock secrets, the stocks are audited too.
    let with = lamina::key::audit_with_stocks(&model, &key, Some(&tmp.join("m")), Hooks::default())
        .unwrap();
    assert!(with.matches, "{}", with.doc);
    assert_eq!(with.doc["stocks_checked"], true);
    assert_eq!(with.doc["unchecked"], serde_json::json!([]));
    // Another compile's stocks (other secrets, other roots) do not give this key's.
    let theirs = lamina::key::audit_with_stocks(
        &model,
        &key,
        Some(&tmp.join("m2").join("weights_stock")),
        Hooks::default(),
    )
    .unwrap();
    assert!(!theirs.matches);
    assert!(
        theirs.doc["differs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().ends_with("weights stock")),
        "{}",
        theirs.doc
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}
