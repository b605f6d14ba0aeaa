//! Every blueprint alone, on random shapes: a one-op ONNX model (built here with
//! onnx-rs's encoder) is imported, its float reference compared with the dequantized
//! integer semantics, the circuit solved with the integer hints (circuit == integer
//! reference, every constraint checked), then proven and verified. Plus import and
//! quantizer errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use blueprints::{BlueprintError, Model, QuantConfig, SlicePlan, pipeline, slice};
use circuits::random::Rng;
use common::*;
use onnx_rs::ast::*;
use prover::{Field, Goldilocks, Statement};

/// Import, compare float with integer, solve, prove, verify. Returns the layer kinds.
fn check(bytes: &[u8], rng: &mut Rng) -> Vec<&'static str> {
    let cfg = QuantConfig::new(16, (-1.0, 1.0)).unwrap();
    let m = Model::from_onnx(bytes, cfg).unwrap();
    let x: Vec<f64> = (0..m.input_len())
        .map(|_| rng.below(2001) as f64 / 1000.0 - 1.0)
        .collect();
    let xq = m.quant.quantize_input(&x, "first").unwrap();
    let s = &slice::plan(&m, &SlicePlan::Whole).unwrap()[0];
    let sp = pipeline::build(&m, s).unwrap();
    let compiled = sp.program.compile().unwrap();
    let weights = pipeline::weights(&m, s);
    let (w, out) = pipeline::witness(&m, s, &sp.program, &weights, &xq).unwrap();
    // Circuit == integer reference.
    assert_eq!(
        w.outputs.iter().map(|r| r.to_i64()).collect::<Vec<_>>(),
        out
    );
    // Integer ≈ float (a few LSBs per layer).
    let float = m.float_forward(&x);
    for (a, b) in out.iter().zip(&float) {
        let deq = *a as f64 / m.quant.alpha();
        assert!(
            (deq - b).abs() < 2e-3 * (1.0 + b.abs()),
            "integer {deq} vs float {b}"
        );
    }
    let fw = prover::FieldWitness::from_solved(&w);
    let public = fw.public.clone();
    let (proof, outputs) =
        prover::prove_transparent(&compiled.circuit, &fw.witness(), b"").unwrap();
    let expected =
        common::expected_weights(&compiled.circuit, &sp.program.layout_weights(&weights));
    let st = Statement {
        public: &public,
        outputs: &outputs,
        context: b"",
        weights_commitment: expected.as_ref(),
    };
    prover::verify_transparent(&compiled.circuit, &st, &proof).unwrap();
    // A wrong claimed output is rejected.
    let mut bad = outputs.clone();
    bad[0] += Goldilocks::ONE;
    let st = Statement {
        outputs: &bad,
        ..st
    };
    assert!(prover::verify_transparent(&compiled.circuit, &st, &proof).is_err());
    m.layers.iter().map(|l| l.bp.kind()).collect()
}

#[test]
fn conv2d_on_random_shapes() {
    let mut rng = Rng::new(1);
    for case in 0..8 {
        let (cin, h, w, cout) = (
            1 + rng.below(3) as i64,
            5 + rng.below(5) as i64,
            5 + rng.below(5) as i64,
            1 + rng.below(4) as i64,
        );
        let k = 1 + rng.below(3) as i64;
        let s = 1 + rng.below(2) as i64;
        let pads: Vec<i64> = (0..4).map(|_| rng.below(2) as i64).collect();
        let oh = (h + pads[0] + pads[2] - k) / s + 1;
        let ow = (w + pads[1] + pads[3] - k) / s + 1;
        let relu = case % 2 == 0;
        let wv = rand_vec(&mut rng, (cout * cin * k * k) as usize, 0.5);
        let bv = rand_vec(&mut rng, cout as usize, 0.2);
        let mut nodes = vec![node(
            OpType::Conv,
            "conv",
            vec!["x", "W", "B"],
            if relu { "c" } else { "y" },
            vec![
                attr_ints("kernel_shape", vec![k, k]),
                attr_ints("strides", vec![s, s]),
                attr_ints("pads", pads.clone()),
            ],
        )];
        if relu {
            nodes.push(node(OpType::Relu, "relu", vec!["c"], "y", vec![]));
        }
        let inits = vec![
            TensorProto::from_f32("W", vec![cout, cin, k, k], wv),
            TensorProto::from_f32("B", vec![cout], bv),
        ];
        let kinds = check(
            &onnx(nodes, inits, &[1, cin, h, w], &[1, cout, oh, ow]),
            &mut rng,
        );
        assert_eq!(kinds, vec!["conv2d"], "ReLU fused into the conv");
    }
}

#[test]
fn gemm_on_random_shapes_and_transposes() {
    let mut rng = Rng::new(2);
    for case in 0..8 {
        let (n_in, n_out) = (2 + rng.below(30) as i64, 1 + rng.below(12) as i64);
        let trans_b = case % 2 == 0;
        let wv = rand_vec(&mut rng, (n_in * n_out) as usize, 0.5);
        let dims = if trans_b {
            vec![n_out, n_in]
        } else {
            vec![n_in, n_out]
        };
        let bias_scalar = case % 3 == 0;
        let bv = rand_vec(&mut rng, if bias_scalar { 1 } else { n_out as usize }, 0.2);
        let relu = case % 4 < 2;
        let mut nodes = vec![node(
            OpType::Gemm,
            "fc",
            vec!["x", "W", "B"],
            if relu { "g" } else { "y" },
            vec![attr_int("transB", i64::from(trans_b))],
        )];
        if relu {
            nodes.push(node(OpType::Relu, "relu", vec!["g"], "y", vec![]));
        }
        let inits = vec![
            TensorProto::from_f32("W", dims, wv),
            TensorProto::from_f32("B", vec![if bias_scalar { 1 } else { n_out }], bv),
        ];
        check(&onnx(nodes, inits, &[1, n_in], &[1, n_out]), &mut rng);
    }
}

#[test]
fn maxpool_on_random_shapes() {
    let mut rng = Rng::new(3);
    for _ in 0..6 {
        let (c, h, w) = (
            1 + rng.below(3) as i64,
            4 + rng.below(5) as i64,
            4 + rng.below(5) as i64,
        );
        let k = 2 + rng.below(2) as i64;
        let s = 1 + rng.below(2) as i64;
        let p = rng.below(2) as i64;
        let oh = (h + 2 * p - k) / s + 1;
        let ow = (w + 2 * p - k) / s + 1;
        let nodes = vec![node(
            OpType::MaxPool,
            "pool",
            vec!["x"],
            "y",
            vec![
                attr_ints("kernel_shape", vec![k, k]),
                attr_ints("strides", vec![s, s]),
                attr_ints("pads", vec![p, p, p, p]),
            ],
        )];
        assert_eq!(
            check(
                &onnx(nodes, vec![], &[1, c, h, w], &[1, c, oh, ow]),
                &mut rng
            ),
            vec!["maxpool"]
        );
    }
}

#[test]
fn relu_add_flatten_reshape_in_a_small_graph() {
    // x → Relu (standalone) ─┐
    // x ─────────────────────┴→ Add → Add(const) → Flatten → Reshape → Gemm
    let mut rng = Rng::new(4);
    let (c, h, w) = (2i64, 3i64, 4i64);
    let n = c * h * w;
    let nodes = vec![
        node(OpType::Relu, "relu", vec!["x"], "r", vec![]),
        node(OpType::Add, "add", vec!["r", "x"], "a", vec![]),
        node(OpType::Add, "bias", vec!["a", "K"], "b", vec![]),
        node(
            OpType::Flatten,
            "flat",
            vec!["b"],
            "f",
            vec![attr_int("axis", 1)],
        ),
        node(OpType::Reshape, "reshape", vec!["f", "S"], "z", vec![]),
        node(
            OpType::Gemm,
            "fc",
            vec!["z", "W", "B"],
            "y",
            vec![attr_int("transB", 1)],
        ),
    ];
    let inits = vec![
        TensorProto::from_f32("K", vec![1, c, h, w], rand_vec(&mut rng, n as usize, 0.3)),
        TensorProto::from_i64("S", vec![2], vec![1, -1]),
        TensorProto::from_f32("W", vec![3, n], rand_vec(&mut rng, (3 * n) as usize, 0.4)),
        TensorProto::from_f32("B", vec![3], rand_vec(&mut rng, 3, 0.1)),
    ];
    let kinds = check(&onnx(nodes, inits, &[1, c, h, w], &[1, 3]), &mut rng);
    assert_eq!(
        kinds,
        vec!["relu", "add", "add", "reshape", "reshape", "gemm"]
    );
}

#[test]
fn unsupported_op_is_named_with_the_supported_list() {
    let nodes = vec![node(OpType::Sigmoid, "squash", vec!["x"], "y", vec![])];
    let err = Model::from_onnx(
        &onnx(nodes, vec![], &[1, 4], &[1, 4]),
        QuantConfig::new(18, (-1.0, 1.0)).unwrap(),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, BlueprintError::UnsupportedOp { .. }));
    assert!(
        msg.contains("Sigmoid")
            && msg.contains("squash")
            && msg.contains("Conv")
            && msg.contains("MaxPool"),
        "{msg}"
    );
}

#[test]
fn unsupported_attributes_and_forms_are_refused() {
    // Each: a node lamina cannot prove as written, and a word the error must contain.
    type Refused<'a> = (
        Vec<Node<'a>>,
        Vec<TensorProto<'a>>,
        Vec<i64>,
        Vec<i64>,
        &'a str,
    );
    let cases: Vec<Refused<'_>> = vec![
        (
            vec![node(OpType::Conv, "c3d", vec!["x", "W"], "y", vec![])],
            vec![TensorProto::from_f32(
                "W",
                vec![1, 1, 2, 2, 2],
                vec![0.1; 8],
            )],
            vec![1, 1, 3, 3, 3],
            vec![1, 1, 2, 2, 2],
            "1-D and 2-D",
        ),
        (
            vec![node(
                OpType::Pad,
                "pad",
                vec!["x", "P"],
                "y",
                vec![attr_str("mode", b"wrap")],
            )],
            vec![TensorProto::from_i64("P", vec![4], vec![0, 1, 0, 1])],
            vec![1, 4],
            vec![1, 6],
            "wrap",
        ),
        (
            vec![node(
                OpType::AveragePool,
                "avg",
                vec!["x"],
                "y",
                vec![
                    attr_ints("kernel_shape", vec![2, 2]),
                    attr_int("count_include_pad", 2),
                ],
            )],
            vec![],
            vec![1, 1, 5, 5],
            vec![1, 1, 4, 4],
            "count_include_pad",
        ),
        (
            vec![node(
                OpType::Cast,
                "to_int",
                vec!["x"],
                "y",
                vec![attr_int("to", 7)],
            )],
            vec![],
            vec![1, 4],
            vec![1, 4],
            "float32",
        ),
        (
            vec![node(OpType::Div, "div", vec!["x", "x"], "y", vec![])],
            vec![],
            vec![1, 4],
            vec![1, 4],
            "constant",
        ),
    ];
    for (nodes, inits, i, o, word) in cases {
        let msg = import_err(&onnx(nodes, inits, &i, &o));
        assert!(msg.contains(word), "{word}: {msg}");
    }
}

#[test]
fn scale_and_range_errors_name_the_problem() {
    assert!(matches!(
        QuantConfig::new(40, (-1.0, 1.0)),
        Err(BlueprintError::Scale { bits: 40, .. })
    ));
    assert!(QuantConfig::new(18, (1.0, -1.0)).is_err());
    // Weights too large for the scale: the layer is named.
    let nodes = vec![node(
        OpType::Gemm,
        "big_fc",
        vec!["x", "W"],
        "y",
        vec![attr_int("transB", 1)],
    )];
    let inits = vec![TensorProto::from_f32("W", vec![2, 2], vec![3.0e6; 4])];
    let err = Model::from_onnx(
        &onnx(nodes, inits, &[1, 2], &[1, 2]),
        QuantConfig::new(24, (-1.0, 1.0)).unwrap(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, BlueprintError::Overflow { layer, .. } if layer == "big_fc"),
        "{err}"
    );
    // An input outside the declared range.
    let cfg = QuantConfig::new(18, (-1.0, 1.0)).unwrap();
    let err = cfg.quantize_input(&[0.5, 1.5], "conv1").unwrap_err();
    assert!(
        matches!(err, BlueprintError::InputRange { index: 1, .. })
            && err.to_string().contains("conv1"),
        "{err}"
    );
}

#[test]
fn relu_add_flatten_reshape_each_alone() {
    let mut rng = Rng::new(5);
    let (c, h, w) = (2i64, 3i64, 3i64);
    let n = c * h * w;
    type Case<'a> = (Vec<Node<'a>>, Vec<TensorProto<'a>>, Vec<i64>, &'static str);
    let cases: Vec<Case<'_>> = vec![
        (
            vec![node(OpType::Relu, "relu", vec!["x"], "y", vec![])],
            vec![],
            vec![1, c, h, w],
            "relu",
        ),
        (
            vec![node(OpType::Add, "bias", vec!["x", "K"], "y", vec![])],
            vec![TensorProto::from_f32(
                "K",
                vec![1, c, h, w],
                rand_vec(&mut rng, n as usize, 0.4),
            )],
            vec![1, c, h, w],
            "add",
        ),
        (
            vec![node(OpType::Add, "twice", vec!["x", "x"], "y", vec![])],
            vec![],
            vec![1, c, h, w],
            "add",
        ),
        (
            vec![node(
                OpType::Flatten,
                "flat",
                vec!["x"],
                "y",
                vec![attr_int("axis", 1)],
            )],
            vec![],
            vec![1, n],
            "reshape",
        ),
        (
            vec![node(OpType::Reshape, "rs", vec!["x", "S"], "y", vec![])],
            vec![TensorProto::from_i64("S", vec![3], vec![1, c * h, -1])],
            vec![1, c * h, w],
            "reshape",
        ),
    ];
    for (nodes, inits, out, kind) in cases {
        assert_eq!(
            check(&onnx(nodes, inits, &[1, c, h, w], &out), &mut rng),
            vec![kind]
        );
    }
}

#[test]
fn explicit_cut_points_chain_like_whole() {
    let bytes = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/lenet/lenet.onnx"),
    )
    .unwrap();
    let m = Model::from_onnx(&bytes, QuantConfig::new(18, (-1.0, 1.0)).unwrap()).unwrap();
    let plan: SlicePlan = "2,5".parse().unwrap();
    let slices = slice::plan(&m, &plan).unwrap();
    assert_eq!(
        slices.iter().map(|s| s.layers.clone()).collect::<Vec<_>>(),
        vec![0..2, 2..5, 5..8]
    );
    let mut rng = Rng::new(9);
    let x: Vec<f64> = (0..m.input_len())
        .map(|_| rng.below(2001) as f64 / 1000.0 - 1.0)
        .collect();
    let xq = m.quant.quantize_input(&x, "conv1").unwrap();
    let run = |slices: &[blueprints::Slice]| {
        let mut act = xq.clone();
        for s in slices {
            act = pipeline::forward(&m, s, &act).unwrap().0;
        }
        act
    };
    assert_eq!(
        run(&slices),
        run(&slice::plan(&m, &SlicePlan::Whole).unwrap())
    );
    // Bad plans are named.
    for bad in ["5,2", "0,99", "x"] {
        let p = bad.parse::<SlicePlan>();
        assert!(p.is_err() || slice::plan(&m, &p.unwrap()).is_err(), "{bad}");
    }
}

fn import_err(bytes: &[u8]) -> String {
    Model::from_onnx(bytes, QuantConfig::new(16, (-1.0, 1.0)).unwrap())
        .unwrap_err()
        .to_string()
}

fn attr_str<'a>(name: &'a str, v: &'a [u8]) -> Attribute<'a> {
    Attribute {
        name,
        r#type: AttributeType::String,
        s: v,
        ..Default::default()
    }
}

#[test]
fn maxpool_auto_pad_same_gives_onnxruntime_shape_and_proves() {
    // onnxruntime gives 1×3×32×32 for a 2×2 SAME pool of 32×32; ignoring auto_pad gave
    // 31×31 (issue 8). The declared output shape is checked at import.
    let mut rng = Rng::new(11);
    for mode in [&b"SAME_UPPER"[..], b"SAME_LOWER"] {
        let nodes = vec![node(
            OpType::MaxPool,
            "pool",
            vec!["x"],
            "y",
            vec![
                attr_ints("kernel_shape", vec![2, 2]),
                attr_str("auto_pad", mode),
            ],
        )];
        let bytes = onnx(nodes, vec![], &[1, 3, 7, 7], &[1, 3, 7, 7]);
        assert_eq!(check(&bytes, &mut rng), vec!["maxpool"]);
        let nodes = vec![node(
            OpType::MaxPool,
            "pool",
            vec!["x"],
            "y",
            vec![
                attr_ints("kernel_shape", vec![2, 2]),
                attr_str("auto_pad", mode),
            ],
        )];
        // The old (wrong) 31×31 declaration is refused.
        let msg = import_err(&onnx(nodes, vec![], &[1, 3, 32, 32], &[1, 3, 31, 31]));
        assert!(msg.contains("declares"), "{msg}");
    }
}

#[test]
fn unknown_attributes_are_refused_naming_node_op_and_supported() {
    let nodes = vec![node(
        OpType::MaxPool,
        "pool",
        vec!["x"],
        "y",
        vec![
            attr_ints("kernel_shape", vec![2, 2]),
            attr_int("made_up", 1),
        ],
    )];
    let msg = import_err(&onnx(nodes, vec![], &[1, 1, 4, 4], &[1, 1, 3, 3]));
    assert!(
        msg.contains("pool")
            && msg.contains("MaxPool")
            && msg.contains("made_up")
            && msg.contains("kernel_shape"),
        "{msg}"
    );
    let nodes = vec![node(
        OpType::MaxPool,
        "pool",
        vec!["x"],
        "y",
        vec![
            attr_ints("kernel_shape", vec![2, 2]),
            attr_ints("dilations", vec![2, 2]),
        ],
    )];
    // Dilated pooling is supported: a 2×2 kernel dilated by 2 spans 3×3.
    let m = Model::from_onnx(
        &onnx(nodes, vec![], &[1, 1, 5, 5], &[1, 1, 3, 3]),
        QuantConfig::new(16, (-1.0, 1.0)).unwrap(),
    )
    .unwrap();
    assert_eq!(m.dims[m.output], vec![1, 1, 3, 3]);
}

#[test]
fn add_with_a_broadcasting_constant_is_never_elementwise_by_count() {
    // [1,3,1] + [1,1,3] is 9 values in numpy; [1,4,1,1] + [4] broadcasts on the last axis.
    let cases: Vec<(Vec<i64>, Vec<i64>, Vec<i64>)> = vec![
        (vec![1, 3, 1], vec![1, 1, 3], vec![1, 3, 3]),
        (vec![1, 4, 1, 1], vec![4], vec![1, 4, 1, 4]),
    ];
    for (xs, cs, out) in cases {
        let n = cs.iter().product::<i64>() as usize;
        let nodes = vec![node(OpType::Add, "add", vec!["x", "K"], "y", vec![])];
        let inits = vec![TensorProto::from_f32("K", cs.clone(), vec![0.25; n])];
        let r = Model::from_onnx(
            &onnx(nodes, inits, &xs, &out),
            QuantConfig::new(16, (-1.0, 1.0)).unwrap(),
        );
        match r {
            Err(e) => assert!(e.to_string().contains("add"), "{e}"),
            // Accepted only with numpy's output size.
            Ok(m) => assert_eq!(
                m.len_of(m.output),
                out.iter().product::<i64>() as usize,
                "{xs:?} + {cs:?}"
            ),
        }
    }
}

#[test]
fn inferred_shapes_must_match_the_declared_ones() {
    let nodes = vec![node(
        OpType::MaxPool,
        "pool",
        vec!["x"],
        "y",
        vec![attr_ints("kernel_shape", vec![2, 2])],
    )];
    // lamina infers 1×1×3×3; the graph declares 1×1×4×4.
    let msg = import_err(&onnx(nodes, vec![], &[1, 1, 4, 4], &[1, 1, 4, 4]));
    assert!(msg.contains("declares") && msg.contains("'y'"), "{msg}");
}

#[test]
fn foreign_domains_are_refused() {
    let mut n = node(OpType::Relu, "r", vec!["x"], "y", vec![]);
    n.domain = "com.microsoft";
    let msg = import_err(&onnx(vec![n], vec![], &[1, 4], &[1, 4]));
    assert!(msg.contains("domain"), "{msg}");
}

#[test]
fn folded_division_truncates_integers_only() {
    // Float constants 7 / 2 fold to 3.5 (numpy), integer ones to 3 (ONNX integer Div):
    // the folded shape [1, 3.5·2 = 7] vs [1, 3·2 = 6] decides whether Reshape fits.
    let mk = |int: bool| {
        let (a, b) = if int {
            (
                TensorProto::from_i64("A", vec![], vec![7]),
                TensorProto::from_i64("B", vec![], vec![2]),
            )
        } else {
            (
                TensorProto::from_f32("A", vec![], vec![7.0]),
                TensorProto::from_f32("B", vec![], vec![2.0]),
            )
        };
        let nodes = vec![
            node(OpType::Div, "d", vec!["A", "B"], "q", vec![]),
            node(OpType::Mul, "m", vec!["q", "x"], "y", vec![]),
        ];
        onnx(nodes, vec![a, b], &[1, 2], &[1, 2])
    };
    let cfg = QuantConfig::new(12, (-1.0, 1.0)).unwrap();
    for (int, want) in [(true, 3.0), (false, 3.5)] {
        let m = Model::from_onnx(&mk(int), cfg).unwrap();
        let y = m.float_forward(&[1.0, -0.5]);
        assert_eq!(y, vec![want, -0.5 * want], "int {int}");
    }
    // Concat without its axis is refused, never defaulted.
    let nodes = vec![node(OpType::Concat, "c", vec!["x", "x"], "y", vec![])];
    let msg = import_err(&onnx(nodes, vec![], &[1, 2], &[2, 2]));
    assert!(msg.contains("axis is required"), "{msg}");
}

#[test]
fn nan_and_infinite_inputs_are_named_as_such() {
    let cfg = QuantConfig::new(18, (-1.0, 1.0)).unwrap();
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let err = cfg.quantize_input(&[0.5, v], "conv1").unwrap_err();
        assert!(
            matches!(err, BlueprintError::NotFinite { index: 1, .. })
                && err.to_string().contains("not a finite number"),
            "{err}"
        );
    }
}
