//! Structured blocks in the circuit IR: one test per validation error, the v1/v2 encoding
//! (round trips, strictness, the v1 fixture unchanged), and the reference evaluation
//! against hand-computed values and an independent im2col formulation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use circuits::random::{self, BlockKind, BlockSpec, Rng, Spec};
use circuits::{
    AddGate, Block, CIRCUIT_FORMAT_VERSION, CIRCUIT_FORMAT_VERSION_STRUCTURED, Circuit,
    CircuitError, Coeff, Conv2dOp, ConvSpec, DecodeError, InputLayout, Layer, MatMulOp, Region,
    RegionKind, Residue, StructuredOp, TensorRef, WeightRef,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

/// A 2×3×3 → 2×2×2 convolution (2×2 kernel, bias) at layer 1 reading the private region:
/// operand 2×4×4 = 32 slots at 0, weights region at 32 (4 slabs of 2×2, bias at 16),
/// output 8 slots at the bottom of layer 1, one gate above it, layer 2 reading both.
fn conv() -> Conv2dOp {
    Conv2dOp {
        input: TensorRef {
            offset: 0,
            dims: [2, 3, 3],
        },
        cout: 2,
        spec: ConvSpec {
            kernel: [2, 2],
            stride: [1, 1],
            dilation: [1, 1],
            pads: [0; 4],
            depthwise: false,
        },
        slabs: 0,
        bias: Some(16),
    }
}

fn with_layer1(blocks: Vec<Block>, layer1: Layer) -> Circuit {
    let mut l2 = Layer::new(1);
    for (out, input) in [(0, 0), (0, 5), (1, 8)] {
        l2.add.push(AddGate {
            out,
            input,
            coeff: Coeff::ONE,
        });
    }
    Circuit {
        input: InputLayout {
            log_width: 6,
            regions: vec![
                Region {
                    kind: RegionKind::Private,
                    offset: 0,
                    log_len: 5,
                    len: 32,
                },
                Region {
                    kind: RegionKind::Weights,
                    offset: 32,
                    log_len: 5,
                    len: 18,
                },
            ],
            gate_log_width: None,
        },
        layers: vec![Layer { blocks, ..layer1 }, l2],
        public_outputs: vec![0, 1],
        ..Circuit::default()
    }
}

fn base() -> Circuit {
    let mut l1 = Layer::new(4);
    l1.add.push(AddGate {
        out: 8,
        input: 0,
        coeff: Coeff::Int(3),
    });
    with_layer1(
        vec![Block {
            out_offset: 0,
            op: StructuredOp::Conv2d(conv()),
        }],
        l1,
    )
}

fn conv_mut(c: &mut Circuit) -> &mut Conv2dOp {
    match &mut c.layers[0].blocks[0].op {
        StructuredOp::Conv2d(op) => op,
        StructuredOp::MatMul(_) => panic!("not a conv"),
    }
}

/// `Y = W·X + b` with `X` 3×2 (operand `[3, 1, 2]`, 8 slots), `W` 2×3 (8 slots at 0),
/// bias at 8: a one-layer circuit whose output is the block and nothing else.
fn matmul() -> MatMulOp {
    MatMulOp {
        input: TensorRef {
            offset: 0,
            dims: [3, 1, 2],
        },
        weight: WeightRef {
            offset: 0,
            rows: 2,
            cols: 3,
        },
        bias: Some(8),
    }
}

fn matmul_circuit(op: MatMulOp) -> Circuit {
    let out_log = StructuredOp::MatMul(op).out_log_len().unwrap();
    Circuit {
        input: InputLayout {
            log_width: 5,
            regions: vec![
                Region {
                    kind: RegionKind::Private,
                    offset: 0,
                    log_len: 3,
                    len: 8,
                },
                Region {
                    kind: RegionKind::Weights,
                    offset: 16,
                    log_len: 4,
                    len: 10,
                },
            ],
            gate_log_width: None,
        },
        layers: vec![Layer {
            blocks: vec![Block {
                out_offset: 0,
                op: StructuredOp::MatMul(op),
            }],
            ..Layer::new(out_log.max(1))
        }],
        public_outputs: (0..1u32 << out_log).collect(),
        ..Circuit::default()
    }
}

fn matmul_mut(c: &mut Circuit) -> &mut MatMulOp {
    match &mut c.layers[0].blocks[0].op {
        StructuredOp::MatMul(op) => op,
        StructuredOp::Conv2d(_) => panic!("not a matmul"),
    }
}

#[test]
fn fixtures_are_valid() {
    base().validate().unwrap();
    matmul_circuit(matmul()).validate().unwrap();
    assert!(base().has_structure());
    assert_eq!(base().num_blocks(), 1);
}

// ---------------------------------------------------------------------------------------
// Validation: one test per variant, each asserting the exact error
// ---------------------------------------------------------------------------------------

/// An edit of an op, for tables of invalid shapes.
type Edit<T> = fn(&mut T);

fn shape(reason: &'static str) -> Result<(), CircuitError> {
    Err(CircuitError::BlockShape {
        layer: 1,
        block: 0,
        reason,
    })
}

#[test]
fn block_shape_conv() {
    let cases: Vec<(Edit<Conv2dOp>, &str)> = vec![
        (|c| c.input.dims[1] = 0, "has an empty operand dimension"),
        (|c| c.cout = 0, "has no output channels"),
        (
            |c| c.spec.kernel[1] = 0,
            "has a zero kernel size, stride or dilation",
        ),
        (
            |c| c.spec.stride[0] = 0,
            "has a zero kernel size, stride or dilation",
        ),
        (
            |c| c.spec.dilation[1] = 0,
            "has a zero kernel size, stride or dilation",
        ),
        (|c| c.spec.pads[3] = 1 << 16, "has a pad of 2^16 or more"),
        (
            |c| {
                c.spec.depthwise = true;
                c.cout = 1;
            },
            "is depthwise with input channels differing from output channels",
        ),
        (
            |c| c.spec.kernel = [4, 2],
            "has an empty output (kernel reach beyond the padded input)",
        ),
        (
            |c| c.spec.dilation = [3, 1],
            "has an empty output (kernel reach beyond the padded input)",
        ),
        (
            |c| c.cout = 1 << 31,
            "has an output wider than the widest layer",
        ),
        (
            |c| c.cout = u32::MAX,
            "has an output wider than the widest layer",
        ),
        (
            |c| c.input.dims = [1 << 11, 1 << 10, 1 << 10],
            "has an operand wider than the widest layer",
        ),
        (
            |c| c.input.dims[2] = u32::MAX,
            "has an operand wider than the widest layer",
        ),
    ];
    for (edit, reason) in cases {
        let mut c = base();
        edit(conv_mut(&mut c));
        assert_eq!(c.validate(), shape(reason), "{reason}");
    }
    // depthwise with cin = cout is a valid shape (the slabs shrink to Co'-vectors).
    let mut c = base();
    conv_mut(&mut c).spec.depthwise = true;
    conv_mut(&mut c).cout = 2;
    c.validate().unwrap();
}

#[test]
fn block_shape_matmul() {
    let cases: Vec<(Edit<MatMulOp>, &str)> = vec![
        (|m| m.weight.rows = 0, "has an empty weight matrix"),
        (
            |m| m.input.dims[1] = 2,
            "has an operand that is not [K, 1, J]",
        ),
        (
            |m| m.input.dims[0] = 4,
            "has operand rows differing from the weight's columns",
        ),
        (|m| m.input.dims[2] = 0, "has an empty operand dimension"),
    ];
    for (edit, reason) in cases {
        let mut c = matmul_circuit(matmul());
        edit(matmul_mut(&mut c));
        assert_eq!(c.validate(), shape(reason), "{reason}");
    }
}

#[test]
fn block_output() {
    let out = |block, reason| {
        Err(CircuitError::BlockOutput {
            layer: 1,
            block,
            reason,
        })
    };
    let mut c = base();
    c.layers[0].blocks[0].out_offset = 4;
    assert_eq!(
        c.validate(),
        out(0, "offset is not aligned to its padded size")
    );
    let mut c = base();
    c.layers[0].blocks[0].out_offset = 16;
    assert_eq!(c.validate(), out(0, "extends past its layer"));
    let mut c = base();
    c.layers[0].blocks[0].out_offset = u32::MAX - 7;
    assert_eq!(c.validate(), out(0, "extends past its layer"));
    let mut c = base();
    conv_mut(&mut c).cout = 8; // 8×2×2 = 32 slots in a 16-slot layer
    assert_eq!(c.validate(), out(0, "is wider than its layer"));
    // Two blocks on the same span; the later one is named.
    let mut c = base();
    let b = c.layers[0].blocks[0];
    c.layers[0].blocks.insert(0, b);
    assert_eq!(c.validate(), out(1, "overlaps another block"));
}

#[test]
fn gate_in_block() {
    let mut c = base();
    c.layers[0].add.push(AddGate {
        out: 7,
        input: 1,
        coeff: Coeff::ONE,
    });
    assert_eq!(
        c.validate(),
        Err(CircuitError::GateInBlock {
            layer: 1,
            block: 0,
            kind: "add",
            gate: 1,
            slot: 7,
        })
    );
    // The slot just above the block (8, the existing gate) is fine: checked by `base`.
    let mut c = base();
    c.layers[0].constant.push(circuits::ConstGate {
        out: 0,
        coeff: Coeff::ONE,
        source: circuits::ConstSource::One,
    });
    assert!(matches!(
        c.validate(),
        Err(CircuitError::GateInBlock {
            kind: "const",
            slot: 0,
            ..
        })
    ));
}

#[test]
fn block_operand() {
    let operand = |reason| {
        Err(CircuitError::BlockOperand {
            layer: 1,
            block: 0,
            reason,
        })
    };
    let mut c = base();
    conv_mut(&mut c).input.offset = 16;
    assert_eq!(
        c.validate(),
        operand("offset is not aligned to its padded size")
    );
    let mut c = base();
    conv_mut(&mut c).input.offset = 32;
    assert_eq!(c.validate(), operand("lies in the weights region"));
    let mut c = base();
    conv_mut(&mut c).input.offset = 64;
    assert_eq!(c.validate(), operand("extends past the previous layer"));
    let mut c = base();
    conv_mut(&mut c).input.dims = [8, 3, 3]; // 128 slots, input layer 64
    assert_eq!(c.validate(), operand("is wider than the previous layer"));
    // A 64-slot operand straddles the private and the weights regions.
    let mut c = base();
    conv_mut(&mut c).input.dims = [4, 3, 3];
    assert_eq!(
        c.validate(),
        operand("is not inside one public or private region")
    );
}

#[test]
fn operand_at_layer_two_reads_the_previous_layer() {
    // Layer 1: gates at slots 0..16, layer 2: a matmul reading slots 8..16 of it.
    let mut l1 = Layer::new(4);
    for out in 0..16 {
        l1.add.push(AddGate {
            out,
            input: out,
            coeff: Coeff::ONE,
        });
    }
    let op = MatMulOp {
        input: TensorRef {
            offset: 8,
            ..matmul().input
        },
        ..matmul()
    };
    let mut c = matmul_circuit(op);
    let l2 = c.layers.remove(0);
    c.layers = vec![l1, l2];
    c.validate().unwrap();
    // Past the previous layer's width.
    matmul_mut2(&mut c).input.offset = 16;
    assert_eq!(
        c.validate(),
        Err(CircuitError::BlockOperand {
            layer: 2,
            block: 0,
            reason: "extends past the previous layer",
        })
    );
}

fn matmul_mut2(c: &mut Circuit) -> &mut MatMulOp {
    match &mut c.layers[1].blocks[0].op {
        StructuredOp::MatMul(op) => op,
        StructuredOp::Conv2d(_) => panic!("not a matmul"),
    }
}

#[test]
fn block_weights() {
    let weights = |reason| {
        Err(CircuitError::BlockWeights {
            layer: 1,
            block: 0,
            reason,
        })
    };
    let slabs = "slabs are misaligned or leave the weights region";
    let bias = "bias is misaligned or leaves the weights region";
    let mut c = base();
    c.input.regions.truncate(1);
    c.input.log_width = 5;
    assert_eq!(
        c.validate(),
        weights("are read, but the circuit has no weights region")
    );
    let mut c = base();
    conv_mut(&mut c).slabs = 2; // slab length 4
    assert_eq!(c.validate(), weights(slabs));
    let mut c = base();
    conv_mut(&mut c).slabs = 20; // 4 slabs of 4 end at 36 > 32
    assert_eq!(c.validate(), weights(slabs));
    let mut c = base();
    // 2^30 taps (one output, by the stride): checked in closed form, not per slab.
    conv_mut(&mut c).spec.kernel = [1 << 15, 1 << 15];
    conv_mut(&mut c).spec.pads = [1 << 15; 4];
    conv_mut(&mut c).spec.stride = [1 << 20; 2];
    assert_eq!(c.validate(), weights(slabs));
    let mut c = base();
    conv_mut(&mut c).bias = Some(17);
    assert_eq!(c.validate(), weights(bias));
    let mut c = base();
    conv_mut(&mut c).bias = Some(u32::MAX - 1);
    assert_eq!(c.validate(), weights(bias));
    let mut c = matmul_circuit(matmul());
    matmul_mut(&mut c).weight.offset = 12;
    assert_eq!(
        c.validate(),
        weights("matrix is misaligned or leaves the weights region")
    );
    let mut c = matmul_circuit(matmul());
    matmul_mut(&mut c).weight.rows = 4; // 4×4 = 16 slots: fits; bias at 8 still fits
    c.layers[0].log_width = 3;
    c.public_outputs = (0..8).collect();
    c.validate().unwrap();
    matmul_mut(&mut c).weight.rows = 5; // 8×4 = 32 slots in a 16-slot region
    c.layers[0].log_width = 4;
    c.public_outputs = (0..16).collect();
    assert_eq!(
        c.validate(),
        weights("matrix is misaligned or leaves the weights region")
    );
}

#[test]
fn block_budget() {
    // A 1×1 convolution over a 2^20-wide row: its wiring costs ≈ 3·2^20, while the
    // circuit is a few hundred bytes. Validation stays O(1) in the declared sizes.
    let big = 1u32 << 20;
    let op = Conv2dOp {
        input: TensorRef {
            offset: 0,
            dims: [1, 1, big],
        },
        cout: 1,
        spec: ConvSpec {
            kernel: [1, 1],
            ..conv().spec
        },
        slabs: 0,
        bias: None,
    };
    let mut l2 = Layer::new(1);
    l2.add.push(AddGate {
        out: 0,
        input: 0,
        coeff: Coeff::ONE,
    });
    let c = Circuit {
        input: InputLayout {
            log_width: 21,
            regions: vec![
                Region {
                    kind: RegionKind::Private,
                    offset: 0,
                    log_len: 20,
                    len: big,
                },
                Region {
                    kind: RegionKind::Weights,
                    offset: big,
                    log_len: 0,
                    len: 1,
                },
            ],
            gate_log_width: None,
        },
        layers: vec![
            Layer {
                blocks: vec![Block {
                    out_offset: 0,
                    op: StructuredOp::Conv2d(op),
                }],
                ..Layer::new(20)
            },
            l2,
        ],
        public_outputs: vec![0],
        ..Circuit::default()
    };
    let cost = StructuredOp::Conv2d(op).verifier_cost().unwrap();
    let limit = 256 * c.encoded_len();
    assert!(cost > limit);
    assert_eq!(
        c.validate(),
        Err(CircuitError::BlockBudget {
            layer: 1,
            block: 0,
            cost,
            limit,
        })
    );
    // The same op over a 2^10-wide row is within budget.
    let mut small = c.clone();
    small.input.log_width = 11;
    small.input.regions[0].log_len = 10;
    small.input.regions[0].len = 1 << 10;
    small.input.regions[1].offset = 1 << 10;
    small.layers[0].log_width = 10;
    match &mut small.layers[0].blocks[0].op {
        StructuredOp::Conv2d(op) => op.input.dims[2] = 1 << 10,
        StructuredOp::MatMul(_) => unreachable!(),
    }
    small.validate().unwrap();
}

#[test]
fn gate_span() {
    let span = |g, reason| {
        Err(CircuitError::GateSpan {
            gate_log_width: g,
            reason,
        })
    };
    let mut c = base();
    c.input.gate_log_width = Some(5); // gates read slot 0; weights start at 32
    c.validate().unwrap();
    c.input.gate_log_width = Some(0);
    assert_eq!(c.validate(), span(0, "must be at least 1"));
    c.input.gate_log_width = Some(7);
    assert_eq!(c.validate(), span(7, "is wider than the input layer"));
    c.input.gate_log_width = Some(6);
    assert_eq!(c.validate(), span(6, "the weights region starts below it"));
    // A span without blocks is structure too, and valid on a gate-only circuit.
    let mut g = base();
    g.layers[0].blocks.clear();
    g.layers[1].add.retain(|a| a.input == 8);
    g.layers[0].add.push(AddGate {
        out: 0,
        input: 31,
        coeff: Coeff::ONE,
    });
    g.input.gate_log_width = Some(5);
    g.validate().unwrap();
    assert!(g.has_structure());
}

#[test]
fn gate_span_read() {
    let mut c = base();
    c.input.gate_log_width = Some(5);
    c.layers[0].add.push(AddGate {
        out: 9,
        input: 40,
        coeff: Coeff::ONE,
    });
    assert_eq!(
        c.validate(),
        Err(CircuitError::GateSpanRead {
            kind: "add",
            gate: 1,
            slot: 40,
            gate_log_width: 5,
        })
    );
}

#[test]
fn block_spans_back_layer_widths() {
    // Layer 1 holds only the block (8 slots): width 2^3 is backed by its output span.
    let mut c = base();
    c.layers[0].add.clear();
    c.layers[0].log_width = 3;
    c.layers[1].add.retain(|a| a.input != 8);
    c.public_outputs = vec![0];
    c.validate().unwrap();
    // Wider than the block needs: unbacked.
    c.layers[0].log_width = 4;
    assert_eq!(
        c.validate(),
        Err(CircuitError::UnbackedWidth {
            layer: 1,
            log_width: 4,
            highest_used: Some(7),
            needed: 3,
        })
    );
    // An operand span backs the previous layer: layer 1's gates write slot 0 only, the
    // layer-2 matmul reads slots 8..16, so width 2^4 is backed.
    let mut l1 = Layer::new(4);
    l1.add.push(AddGate {
        out: 0,
        input: 0,
        coeff: Coeff::ONE,
    });
    let op = MatMulOp {
        input: TensorRef {
            offset: 8,
            ..matmul().input
        },
        ..matmul()
    };
    let mut c = matmul_circuit(op);
    let l2 = c.layers.remove(0);
    c.layers = vec![l1, l2];
    c.validate().unwrap();
}

/// Sets conv field `i` of `base()`'s block (16: the block's output offset).
fn set_field(c: &mut Circuit, i: usize, v: u32) {
    if i == 16 {
        c.layers[0].blocks[0].out_offset = v;
        return;
    }
    let op = conv_mut(c);
    match i {
        0 => op.input.offset = v,
        1..=3 => op.input.dims[i - 1] = v,
        4 => op.cout = v,
        5 | 6 => op.spec.kernel[i - 5] = v,
        7 | 8 => op.spec.stride[i - 7] = v,
        9 | 10 => op.spec.dilation[i - 9] = v,
        11..=14 => op.spec.pads[i - 11] = v,
        _ => op.slabs = v,
    }
}

#[test]
fn validation_never_panics_on_extreme_fields() {
    let mut rng = Rng::new(11);
    let mut valid = 0;
    for _ in 0..4000 {
        let mut c = base();
        for _ in 0..1 + rng.below(3) {
            let v = match rng.below(6) {
                0 => 0,
                1 => 1,
                2 => u32::MAX,
                3 => 1 << 31,
                4 => 1 << 16,
                _ => rng.below(8) as u32,
            };
            set_field(&mut c, rng.below(17) as usize, v);
        }
        let _ = c.to_bytes();
        let _ = c.encoded_len();
        if c.validate().is_ok() {
            // Valid edits keep base()'s widths, so evaluating is cheap; it must succeed.
            valid += 1;
            run(&c, &[3; 32], &[5; 18]);
        }
    }
    assert!(valid > 100, "{valid}");
}

// ---------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------

fn version(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[4..8].try_into().unwrap())
}

fn round_trip(c: &Circuit) -> Vec<u8> {
    let bytes = c.to_bytes();
    assert_eq!(bytes.len() as u64, c.encoded_len());
    assert_eq!(Circuit::from_bytes(&bytes).unwrap(), *c);
    assert_eq!(c.digest().0, *blake3::hash(&bytes).as_bytes());
    bytes
}

#[test]
fn version_two_iff_structure() {
    let b = round_trip(&base());
    assert_eq!(version(&b), CIRCUIT_FORMAT_VERSION_STRUCTURED);
    let m = round_trip(&matmul_circuit(matmul()));
    assert_eq!(version(&m), CIRCUIT_FORMAT_VERSION_STRUCTURED);
    let mut g = base();
    g.input.gate_log_width = Some(5);
    assert_eq!(version(&round_trip(&g)), CIRCUIT_FORMAT_VERSION_STRUCTURED);
    // Without blocks or a span: version 1, one byte and one u32 per layer shorter.
    let mut plain = base();
    plain.layers[0].blocks.clear();
    plain.layers[1].add.retain(|a| a.input == 8);
    plain.layers[0].add.push(AddGate {
        out: 0,
        input: 0,
        coeff: Coeff::ONE,
    });
    let p = round_trip(&plain);
    assert_eq!(version(&p), CIRCUIT_FORMAT_VERSION);
    let mut structured = plain.clone();
    structured.input.gate_log_width = Some(6 - 1);
    assert_eq!(round_trip(&structured).len(), p.len() + 1 + 4 * 2);
    // Each field of a block moves the digest.
    let d = base().digest();
    let mut c = base();
    conv_mut(&mut c).spec.depthwise = true;
    conv_mut(&mut c).cout = 2;
    assert_ne!(c.digest(), d);
    let mut c = base();
    conv_mut(&mut c).bias = None;
    assert_ne!(c.digest(), d);
}

fn fixture() -> Vec<u8> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/engine/circuit.bin");
    std::fs::read(path).unwrap()
}

/// The committed v1 fixture decodes, re-encodes to the same bytes, keeps its digest, and
/// the generator still draws it (gate-only specs are unchanged by blocks).
#[test]
fn v1_fixture_is_unchanged() {
    let bytes = fixture();
    assert_eq!(version(&bytes), CIRCUIT_FORMAT_VERSION);
    let c = Circuit::from_bytes(&bytes).unwrap();
    assert!(!c.has_structure());
    assert_eq!(c.to_bytes(), bytes);
    assert_eq!(c.encoded_len(), bytes.len() as u64);
    // The BLAKE3 of the committed file (the digest proofs in testdata/engine bind).
    assert_eq!(c.digest().0, *blake3::hash(&bytes).as_bytes());
    assert_eq!(
        c.digest().to_hex(),
        "1aa007b3c42b5d4ccbe77c3df867e09b182d5cc4a413cfd43828ec527a8635f1"
    );
    let spec = Spec {
        log_widths: vec![5, 5, 4, 3],
        num_public: 3,
        const_percent: 30,
        zero_outputs: 2,
        ..Spec::default()
    };
    assert_eq!(random::circuit(&spec, 2026).to_bytes(), bytes);
}

/// Where the last block of the last layer ends in `matmul_circuit`'s encoding.
fn matmul_block_end(bytes: &[u8], c: &Circuit) -> usize {
    bytes.len() - 4 - 4 * c.public_outputs.len()
}

#[test]
fn v2_decoding_is_strict() {
    let c = matmul_circuit(matmul());
    let bytes = c.to_bytes();
    let end = matmul_block_end(&bytes, &c);
    // body: operand 16, weight 12, bias flag 1 + 4; then out_offset 4 and tag 1 before.
    let bias_flag = end - 5;
    let tag = bias_flag - 28 - 1;
    let count = tag - 4 - 4;
    assert_eq!(bytes[tag], 2);
    assert_eq!(bytes[bias_flag], 1);
    assert_eq!(&bytes[count..count + 4], &1u32.to_le_bytes());

    let patched = |at: usize, v: &[u8]| {
        let mut b = bytes.clone();
        b[at..at + v.len()].copy_from_slice(v);
        Circuit::from_bytes(&b)
    };
    assert_eq!(
        patched(tag, &[3]),
        Err(DecodeError::Tag {
            tag: 3,
            what: "block",
            offset: tag,
        })
    );
    assert_eq!(
        patched(tag, &[0]),
        Err(DecodeError::Tag {
            tag: 0,
            what: "block",
            offset: tag,
        })
    );
    assert_eq!(
        patched(bias_flag, &[2]),
        Err(DecodeError::Tag {
            tag: 2,
            what: "bias flag",
            offset: bias_flag,
        })
    );
    assert!(matches!(
        patched(count, &u32::MAX.to_le_bytes()),
        Err(DecodeError::Length { what: "blocks", .. })
    ));
    // A version this build does not read.
    assert!(matches!(
        patched(4, &3u32.to_le_bytes()),
        Err(DecodeError::Version { got: 3, .. })
    ));
    // Decoding validates: a misaligned output decodes, then is refused.
    assert_eq!(
        patched(tag - 4, &2u32.to_le_bytes()),
        Err(DecodeError::Invalid(CircuitError::BlockOutput {
            layer: 1,
            block: 0,
            reason: "offset is not aligned to its padded size",
        }))
    );
    // Every strict prefix fails with a typed error, and a trailing byte too.
    for n in 0..bytes.len() {
        assert!(Circuit::from_bytes(&bytes[..n]).is_err(), "prefix {n}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(
        Circuit::from_bytes(&long),
        Err(DecodeError::TrailingBytes { count: 1 })
    );
}

#[test]
fn conv_flags_are_strict() {
    let c = base();
    let bytes = c.to_bytes();
    // Layer 2 (last): log_width 1, no mul, 3 add gates of 17 bytes, no const, no block.
    let layer2 = 1 + 4 + 4 + 3 * 17 + 4 + 4;
    let end = bytes.len() - 4 - 4 * c.public_outputs.len() - layer2;
    // conv body ends: depthwise u8, slabs u32, bias flag u8, bias u32.
    let bias_flag = end - 5;
    let depthwise = bias_flag - 4 - 1;
    assert_eq!((bytes[bias_flag], bytes[depthwise]), (1, 0));
    for (at, what) in [(bias_flag, "bias flag"), (depthwise, "depthwise flag")] {
        let mut b = bytes.clone();
        b[at] = 7;
        assert_eq!(
            Circuit::from_bytes(&b),
            Err(DecodeError::Tag {
                tag: 7,
                what,
                offset: at,
            })
        );
    }
}

#[test]
fn v2_without_structure_is_non_canonical() {
    let mut c = base();
    c.layers[0].blocks.clear();
    c.layers[1].add.retain(|a| a.input == 8);
    c.layers[0].add.push(AddGate {
        out: 0,
        input: 0,
        coeff: Coeff::ONE,
    });
    c.input.gate_log_width = Some(5);
    let mut bytes = round_trip(&c);
    // gate_log_width sits after magic, version, counts, input log_width and 2 regions.
    let at = 4 + 4 + 4 + 4 + 1 + 4 + 2 * 10;
    assert_eq!(bytes[at], 5);
    bytes[at] = 0;
    assert_eq!(
        Circuit::from_bytes(&bytes),
        Err(DecodeError::NonCanonical { offset: 4 })
    );
    // A v1 string of the same circuit is what decodes.
    c.input.gate_log_width = None;
    assert_eq!(version(&round_trip(&c)), CIRCUIT_FORMAT_VERSION);
}

fn any_blocks() -> impl Strategy<Value = Vec<BlockSpec>> {
    prop::collection::vec(
        (prop::bool::ANY, 1usize..4).prop_map(|(conv, layer)| BlockSpec {
            kind: if conv {
                BlockKind::Conv2d
            } else {
                BlockKind::MatMul
            },
            layer,
        }),
        1..5,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random circuits with blocks validate, round-trip through the v2 encoding, and
    /// evaluate with every block equal to the im2col reference.
    #[test]
    fn random_block_circuits(
        seed in any::<u64>(),
        blocks in any_blocks(),
        depth in 1usize..4,
        gate_span in prop::bool::ANY,
        num_public in 0u32..3,
        num_challenges in 0u32..2,
    ) {
        let spec = Spec {
            log_widths: vec![3; depth + 1],
            num_public,
            num_challenges,
            blocks,
            gate_span,
            ..Spec::default()
        };
        let c = random::circuit(&spec, seed);
        c.validate().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert!(c.num_blocks() == spec.blocks.len());
        prop_assert_eq!(c.input.gate_log_width.is_some(), gate_span);
        let bytes = c.to_bytes();
        prop_assert_eq!(version(&bytes), CIRCUIT_FORMAT_VERSION_STRUCTURED);
        prop_assert_eq!(bytes.len() as u64, c.encoded_len());
        prop_assert_eq!(Circuit::from_bytes(&bytes).unwrap(), c.clone());
        check_blocks_against_im2col(&c, seed);
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------

fn r(v: i64) -> Residue {
    Residue::from_i64(v)
}

/// Evaluates a circuit on an input layer given as (private, weights) values.
fn run(c: &Circuit, private: &[i64], weights: &[i64]) -> Vec<Vec<Residue>> {
    let rs = |v: &[i64]| v.iter().map(|&x| r(x)).collect::<Vec<_>>();
    let public: Vec<Residue> = (0..c.num_public).map(|i| r(i64::from(i) + 1)).collect();
    let input = c.input_layer(&public, &rs(weights), &rs(private)).unwrap();
    let challenges: Vec<Residue> = (0..c.num_challenges).map(|i| r(i64::from(i) + 2)).collect();
    c.evaluate(&public, input, &challenges).unwrap()
}

#[test]
fn conv_by_hand() {
    // 1×3×3 input 1..9, 2×2 kernel [[1, 2], [3, 4]], bias 10 → 2×2.
    let op = Conv2dOp {
        input: TensorRef {
            offset: 0,
            dims: [1, 3, 3],
        },
        cout: 1,
        spec: ConvSpec {
            kernel: [2, 2],
            ..conv().spec
        },
        slabs: 0,
        bias: Some(4),
    };
    let c = single_block(StructuredOp::Conv2d(op), 4, 3);
    // Padded 1×4×4: row y at 4y.
    let mut private = vec![0; 16];
    for y in 0..3 {
        for x in 0..3 {
            private[4 * y + x] = (3 * y + x + 1) as i64;
        }
    }
    // Slabs of one value each, tap kk = ki·2 + kj; bias at 4.
    let out = run(&c, &private, &[1, 2, 3, 4, 10]);
    let y: Vec<i64> = out[1][..4].iter().map(|v| v.to_i64()).collect();
    assert_eq!(y, vec![47, 57, 77, 87]);

    // Same input, 3×3 kernel of −1 with 2 at the centre, pad 1, stride 2 → 2×2.
    let op = Conv2dOp {
        spec: ConvSpec {
            kernel: [3, 3],
            stride: [2, 2],
            dilation: [1, 1],
            pads: [1; 4],
            depthwise: false,
        },
        bias: None,
        ..op
    };
    let c = single_block(StructuredOp::Conv2d(op), 4, 4);
    let mut w = [-1; 16];
    w[4] = 2;
    let out = run(&c, &private, &w[..9]);
    let y: Vec<i64> = out[1][..4].iter().map(|v| v.to_i64()).collect();
    assert_eq!(y, vec![-9, -7, -3, -1]);
}

#[test]
fn matmul_by_hand() {
    // W = [[1, 2, 3], [4, 5, 6]], X = [[1, 2], [3, 4], [5, 6]], b = [100, −100].
    let c = matmul_circuit(matmul());
    // X[k][j] at 2k + j (padded K' = 4, J' = 2); W[i][k] at 4i + k; bias at 8.
    let private = [1, 2, 3, 4, 5, 6, 0, 0];
    let weights = [1, 2, 3, 0, 4, 5, 6, 0, 100, -100];
    let out = run(&c, &private, &weights);
    // Y[i][j] at 2i + j.
    let y: Vec<i64> = out[1].iter().map(|v| v.to_i64()).collect();
    assert_eq!(y, vec![122, 128, -51, -36]);
}

/// One block at layer 1 reading the private region at 0; weights region of `2^w_log`.
fn single_block(op: StructuredOp, in_log: u8, w_log: u8) -> Circuit {
    let out_log = op.out_log_len().unwrap();
    let t = op.operand();
    let p_log = in_log.max(t.log_len().unwrap());
    let w_len = op
        .weight_spans()
        .unwrap()
        .map(|(o, l)| o + (1 << l))
        .max()
        .unwrap();
    Circuit {
        input: InputLayout {
            log_width: p_log.max(w_log) + 1,
            regions: vec![
                Region {
                    kind: RegionKind::Private,
                    offset: 0,
                    log_len: p_log.max(w_log),
                    len: 1 << t.log_len().unwrap(),
                },
                Region {
                    kind: RegionKind::Weights,
                    offset: 1 << p_log.max(w_log),
                    log_len: w_log,
                    len: w_len,
                },
            ],
            gate_log_width: None,
        },
        layers: vec![Layer {
            blocks: vec![Block { out_offset: 0, op }],
            ..Layer::new(out_log.max(1))
        }],
        public_outputs: (0..1u32 << out_log.max(1)).collect(),
        ..Circuit::default()
    }
}

/// Independent reference: ONNX convolution as im2col then a matrix product, over
/// residues, from a 4-D weight tensor `w[co][ci or 0][ki][kj]` and the operand's values
/// `a[ci][y][x]`. Reads the operand and the weights only through the documented layout
/// (channel-major padded tensors; slab `kk = ki·KW + kj` at `slabs + kk·Co'·Ci'`, element
/// `(co, ci)` at `co·Ci' + ci`; depthwise `slabs + kk·Co' + co`).
///
/// `padded`: the block's meaning (`Conv2dOp` doc): both channel indices over their padded
/// ranges, so the operand's padded channels and the slabs' padding take part. Otherwise
/// the plain ONNX convolution on the logical channels, zero in every padded output slot
/// (the meaning before it was aligned with the sumcheck).
fn conv_im2col(
    op: &Conv2dOp,
    operand: &[Residue],
    region: &[Residue],
    padded: bool,
) -> Vec<Residue> {
    let [cin, h, w] = op.input.dims.map(|d| d as usize);
    let [pc, ph, pw] = op.input.dims.map(|d| d.next_power_of_two() as usize);
    let cout = op.cout as usize;
    let pco = cout.next_power_of_two();
    let (rows_c, rows_co) = if padded { (pc, pco) } else { (cin, cout) };
    let [kh, kw] = op.spec.kernel.map(|d| d as usize);
    let [sh, sw] = op.spec.stride.map(|d| d as i64);
    let [dh, dw] = op.spec.dilation.map(|d| d as i64);
    let [pt, pl, pb, pr] = op.spec.pads.map(|d| d as i64);
    let oh = ((h as i64 + pt + pb - dh * (kh as i64 - 1) - 1) / sh + 1) as usize;
    let ow = ((w as i64 + pl + pr - dw * (kw as i64 - 1) - 1) / sw + 1) as usize;
    let a = |c: usize, y: usize, x: usize| operand[(c * ph + y) * pw + x];
    let weight = |co: usize, ci: usize, ki: usize, kj: usize| {
        let kk = ki * kw + kj;
        let at = if op.spec.depthwise {
            op.slabs as usize + kk * pco + co
        } else {
            op.slabs as usize + kk * pco * pc + co * pc + ci
        };
        region[at]
    };
    // Columns: output positions; rows: (ci, ki, kj).
    let rows: Vec<(usize, usize, usize)> = (0..rows_c)
        .flat_map(|ci| (0..kh).flat_map(move |ki| (0..kw).map(move |kj| (ci, ki, kj))))
        .collect();
    let mut cols = vec![vec![Residue::ZERO; oh * ow]; rows.len()];
    for (row, &(ci, ki, kj)) in rows.iter().enumerate() {
        for oy in 0..oh {
            for ox in 0..ow {
                let y = oy as i64 * sh + ki as i64 * dh - pt;
                let x = ox as i64 * sw + kj as i64 * dw - pl;
                if (0..h as i64).contains(&y) && (0..w as i64).contains(&x) {
                    cols[row][oy * ow + ox] = a(ci, y as usize, x as usize);
                }
            }
        }
    }
    let poh = oh.next_power_of_two();
    let pow = ow.next_power_of_two();
    let mut out = vec![Residue::ZERO; pco * poh * pow];
    for co in 0..rows_co {
        let b = op.bias.map_or(Residue::ZERO, |b| region[b as usize + co]);
        for p in 0..oh * ow {
            let mut acc = b;
            for (row, &(ci, ki, kj)) in rows.iter().enumerate() {
                if op.spec.depthwise && ci != co {
                    continue;
                }
                let wi = if op.spec.depthwise { 0 } else { ci };
                acc = acc + weight(co, wi, ki, kj) * cols[row][p];
            }
            out[(co * poh + p / ow) * pow + p % ow] = acc;
        }
    }
    out
}

/// Independent reference for `Y = W·X + b`; `padded` as in [`conv_im2col`]: the block's
/// meaning `Y[i][j] = Σ_{k<K'} W[i][k]·X[k][j] + [j < J]·b[i]` on every `i < I'`, `j < J'`,
/// or the plain product on the logical ranges with zeros elsewhere.
fn matmul_naive(
    op: &MatMulOp,
    operand: &[Residue],
    region: &[Residue],
    padded: bool,
) -> Vec<Residue> {
    let (i_n, k_n, j_n) = (
        op.weight.rows as usize,
        op.weight.cols as usize,
        op.input.dims[2] as usize,
    );
    let (pi, pk, pj) = (
        i_n.next_power_of_two(),
        k_n.next_power_of_two(),
        j_n.next_power_of_two(),
    );
    let (ri, rk, rj) = if padded {
        (pi, pk, pj)
    } else {
        (i_n, k_n, j_n)
    };
    let mut out = vec![Residue::ZERO; pi * pj];
    for i in 0..ri {
        for j in 0..rj {
            let mut acc = match op.bias {
                Some(b) if j < j_n => region[b as usize + i],
                _ => Residue::ZERO,
            };
            for k in 0..rk {
                acc = acc + region[op.weight.offset as usize + i * pk + k] * operand[k * pj + j];
            }
            out[i * pj + j] = acc;
        }
    }
    out
}

/// Both references of a block's op (`padded` as in [`conv_im2col`]).
fn reference(
    op: &StructuredOp,
    operand: &[Residue],
    region: &[Residue],
    padded: bool,
) -> Vec<Residue> {
    match op {
        StructuredOp::Conv2d(op) => conv_im2col(op, operand, region, padded),
        StructuredOp::MatMul(op) => matmul_naive(op, operand, region, padded),
    }
}

/// Evaluates `c` on seeded values and checks every block's output span against the
/// independent references, on the operand the previous layer actually holds.
fn check_blocks_against_im2col(c: &Circuit, seed: u64) {
    let mut rng = Rng::new(seed ^ 0x1111);
    let mut small =
        |n: usize| -> Vec<i64> { (0..n).map(|_| rng.below(201) as i64 - 100).collect() };
    let private = small(c.input.len_of(RegionKind::Private));
    let weights = small(c.input.len_of(RegionKind::Weights));
    let values = run(c, &private, &weights);
    let region = c.input.region(RegionKind::Weights).unwrap();
    let w0 = region.offset as usize;
    let region_values = &values[0][w0..w0 + (1 << region.log_len)];
    for (idx, layer) in c.layers.iter().enumerate() {
        for block in &layer.blocks {
            let t = block.op.operand();
            let start = t.offset as usize;
            let operand = &values[idx][start..start + (1 << t.log_len().unwrap())];
            let want = reference(&block.op, operand, region_values, true);
            let o = block.out_offset as usize;
            assert_eq!(&values[idx + 1][o..o + want.len()], &want[..], "{block:?}");
        }
    }
}

/// 300 seeded small shapes (design §7.1), each as a one-block circuit with small signed
/// values: `Circuit::evaluate` equals the im2col formulation.
#[test]
fn conv_matches_im2col_on_seeded_shapes() {
    let mut convs = 0;
    for seed in 0..300u64 {
        let kind = if seed % 3 == 0 {
            BlockKind::MatMul
        } else {
            BlockKind::Conv2d
        };
        let spec = Spec {
            log_widths: vec![2, 1],
            blocks: vec![BlockSpec { kind, layer: 1 }],
            ..Spec::default()
        };
        let c = random::circuit(&spec, seed);
        c.validate().unwrap();
        if matches!(c.layers[0].blocks[0].op, StructuredOp::Conv2d(_)) {
            convs += 1;
        }
        check_blocks_against_im2col(&c, seed);
    }
    assert_eq!(convs, 200);
}

/// Blocks at layers ≥ 2 read gate-written operands whose padding the generator leaves
/// zero; the reference agrees there too.
#[test]
fn blocks_above_layer_one_match_im2col() {
    for seed in 0..60u64 {
        let spec = Spec {
            log_widths: vec![3, 3, 3, 2],
            blocks: vec![
                BlockSpec {
                    kind: BlockKind::Conv2d,
                    layer: 2,
                },
                BlockSpec {
                    kind: BlockKind::MatMul,
                    layer: 3,
                },
                BlockSpec {
                    kind: BlockKind::Conv2d,
                    layer: 1,
                },
            ],
            ..Spec::default()
        };
        let c = random::circuit(&spec, seed);
        c.validate().unwrap();
        let layers: Vec<usize> = c.layers.iter().map(|l| l.blocks.len()).collect();
        assert_eq!(layers, vec![1, 1, 1]);
        check_blocks_against_im2col(&c, seed);
        // The operand padding of the layer-2 block is unwritten by layer 1's gates.
        let t = *c.layers[1].blocks[0].op.operand();
        let [pc, ph, pw] = t.padded().unwrap();
        for slot in 0..pc * ph * pw {
            let (ch, y, x) = (slot / (ph * pw), slot / pw % ph, slot % pw);
            if ch >= t.dims[0] || y >= t.dims[1] || x >= t.dims[2] {
                let s = t.offset + slot;
                let l1 = &c.layers[0];
                assert!(l1.add.iter().all(|g| g.out != s));
                assert!(l1.mul.iter().all(|g| g.out != s));
                assert!(l1.constant.iter().all(|g| g.out != s));
            }
        }
    }
}

/// A one-block circuit at layer 1 of a random shape (seeded), its operand in the private
/// region (which starts at slot 0).
fn one_block(seed: u64) -> Circuit {
    let kind = if seed.is_multiple_of(3) {
        BlockKind::MatMul
    } else {
        BlockKind::Conv2d
    };
    let spec = Spec {
        log_widths: vec![2, 1],
        blocks: vec![BlockSpec { kind, layer: 1 }],
        ..Spec::default()
    };
    let c = random::circuit(&spec, seed);
    c.validate().unwrap();
    assert_eq!(c.input.region(RegionKind::Private).unwrap().offset, 0);
    c
}

/// Whether `(c, y, x)` of slot `s` of a padded `dims` tensor is a padding position.
fn padding_slot(dims: [u32; 3], s: usize) -> bool {
    let [_, ph, pw] = dims.map(|d| d.next_power_of_two() as usize);
    let (c, y, x) = (s / (ph * pw), s / pw % ph, s % pw);
    c >= dims[0] as usize || y >= dims[1] as usize || x >= dims[2] as usize
}

/// The block's meaning reads the padding: with junk in every padding slot of the operand
/// and the weights, `Circuit::evaluate` equals the padded im2col reference on every output
/// slot, and for most shapes with padding differs from the plain operation on the logical
/// values (zero in the padded output slots), so the agreement checks above can fail.
#[test]
fn junk_padding_enters_the_reference() {
    let (mut with_padding, mut differs) = (0, 0);
    for seed in 0..300u64 {
        let c = one_block(seed);
        let block = &c.layers[0].blocks[0];
        let t = *block.op.operand();
        let mut rng = Rng::new(seed ^ 0x2222);
        let mut junk = |n: usize| -> Vec<i64> {
            (0..n)
                .map(|_| rng.below(1 << 40) as i64 - (1 << 39))
                .collect()
        };
        let private = junk(c.input.len_of(RegionKind::Private));
        let weights = junk(c.input.len_of(RegionKind::Weights));
        let values = run(&c, &private, &weights);
        let region = c.input.region(RegionKind::Weights).unwrap();
        let w0 = region.offset as usize;
        let region_values = &values[0][w0..w0 + (1 << region.log_len)];
        let operand = &values[0][t.offset as usize..][..1 << t.log_len().unwrap()];
        let want = reference(&block.op, operand, region_values, true);
        let o = block.out_offset as usize;
        assert_eq!(&values[1][o..o + want.len()], &want[..], "{block:?}");
        let plain = reference(&block.op, operand, region_values, false);
        // Padding the meaning reads: a padded channel (conv; spatial padding is never
        // read), or any padded matmul dimension.
        let pow2 = |v: u32| v.is_power_of_two();
        let read = match &block.op {
            StructuredOp::Conv2d(op) => !pow2(op.input.dims[0]) || !pow2(op.cout),
            StructuredOp::MatMul(op) => {
                !pow2(op.weight.rows) || !pow2(op.weight.cols) || !pow2(op.input.dims[2])
            }
        };
        with_padding += usize::from(read);
        differs += usize::from(plain != want);
    }
    assert!(with_padding >= 150, "{with_padding} shapes with padding");
    assert!(
        differs * 10 >= with_padding * 9,
        "{differs} of {with_padding} differ"
    );
}

/// The compiler's rule (`tensor.rs`, "Padding of an operand"): once the operand's padding
/// is zero, every valid output is the plain operation on the logical values whatever the
/// weights' padding holds; the padded output slots follow the weights' padding (padded
/// output channels and matrix rows), and a matmul's padded columns are zero.
#[test]
fn zero_operand_padding_makes_weights_padding_irrelevant_to_valid_outputs() {
    let mut padded_outputs_move = 0;
    for seed in 0..300u64 {
        let c = one_block(seed);
        let block = &c.layers[0].blocks[0];
        let t = *block.op.operand();
        let mut rng = Rng::new(seed ^ 0x3333);
        let mut junk = |n: usize| -> Vec<i64> {
            (0..n)
                .map(|_| rng.below(1 << 40) as i64 - (1 << 39))
                .collect()
        };
        let mut private = junk(c.input.len_of(RegionKind::Private));
        for s in 0..1usize << t.log_len().unwrap() {
            if padding_slot(t.dims, s)
                && let Some(v) = private.get_mut(t.offset as usize + s)
            {
                *v = 0;
            }
        }
        let weights = junk(c.input.len_of(RegionKind::Weights));
        let values = run(&c, &private, &weights);
        let region = c.input.region(RegionKind::Weights).unwrap();
        let w0 = region.offset as usize;
        let region_values = &values[0][w0..w0 + (1 << region.log_len)];
        let operand = &values[0][t.offset as usize..][..1 << t.log_len().unwrap()];
        let want = reference(&block.op, operand, region_values, true);
        let plain = reference(&block.op, operand, region_values, false);
        let o = block.out_offset as usize;
        let got = &values[1][o..o + want.len()];
        assert_eq!(got, &want[..], "{block:?}");
        let dims = block.op.out_dims().unwrap();
        for (s, (&g, &p)) in got.iter().zip(&plain).enumerate() {
            if !padding_slot(dims, s) {
                assert_eq!(g, p, "valid output {s} of {block:?}");
            } else if let StructuredOp::MatMul(m) = &block.op
                && s % (m.input.dims[2].next_power_of_two() as usize) >= m.input.dims[2] as usize
            {
                assert_eq!(g, Residue::ZERO, "padded column {s} of {block:?}");
            }
        }
        padded_outputs_move += usize::from(got != &plain[..]);
    }
    assert!(padded_outputs_move >= 50, "{padded_outputs_move}");
}
