//! Import of what exporters write: external-data weights read from beside the model (and
//! every way out of the model's folder refused), symbolic dimensions, Dropout in training
//! mode refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use blueprints::{Model, QuantConfig};
use common::*;
use onnx_rs::ast::*;
use std::path::{Path, PathBuf};

fn cfg() -> QuantConfig {
    QuantConfig::new(16, (-1.0, 1.0)).unwrap()
}

/// A fresh folder for one test.
fn folder(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lamina-import-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const W: [f32; 6] = [0.5, -0.25, 0.125, 0.75, -0.5, 0.25];

/// Gemm 3→2 whose weights live in `location` at `offset`.
fn gemm_external(location: &str, offset: &str, length: &str) -> Vec<u8> {
    let t = TensorProto::from_raw("W", vec![2, 3], DataType::Float, &[])
        .with_data_location(DataLocation::External)
        .with_external_data(vec![
            StringStringEntry {
                key: "location",
                value: location,
            },
            StringStringEntry {
                key: "offset",
                value: offset,
            },
            StringStringEntry {
                key: "length",
                value: length,
            },
        ]);
    let nodes = vec![node(
        OpType::Gemm,
        "fc",
        vec!["x", "W"],
        "y",
        vec![attr_int("transB", 1)],
    )];
    onnx(nodes, vec![t], &[1, 3], &[1, 2])
}

fn weight_bytes() -> Vec<u8> {
    W.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn external_data_beside_the_model_loads() {
    let d = folder("ok");
    // Weights at offset 8 of the data file.
    let mut data = vec![0u8; 8];
    data.extend(weight_bytes());
    write(&d, "model.onnx.data", &data);
    let m = write(
        &d,
        "model.onnx",
        &gemm_external("model.onnx.data", "8", "24"),
    );
    let model = Model::from_onnx_file(&m, cfg()).unwrap();
    let y = model.float_forward(&[1.0, 0.5, -1.0]);
    let want = [0.5 - 0.125 - 0.125, 0.75 - 0.25 - 0.25];
    for (a, b) in y.iter().zip(want) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    // The same bytes without their folder: a clear refusal, not "malformed".
    let err = Model::from_onnx(&std::fs::read(&m).unwrap(), cfg()).unwrap_err();
    assert!(err.to_string().contains("from_onnx_file"), "{err}");
}

#[test]
fn external_data_outside_the_model_folder_is_refused() {
    let d = folder("escape");
    let inner = d.join("model");
    std::fs::create_dir_all(&inner).unwrap();
    let outside = write(&d, "outside.bin", &weight_bytes());
    let cases: Vec<(String, &str)> = vec![
        ("../outside.bin".into(), "leaves"),
        (outside.display().to_string(), "leaves"),
        ("sub/../../outside.bin".into(), "leaves"),
    ];
    for (loc, word) in cases {
        let m = write(&inner, "model.onnx", &gemm_external(&loc, "0", "24"));
        let err = Model::from_onnx_file(&m, cfg()).unwrap_err();
        assert!(err.to_string().contains(word), "{loc}: {err}");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, inner.join("link.bin")).unwrap();
        let m = write(&inner, "model.onnx", &gemm_external("link.bin", "0", "24"));
        let err = Model::from_onnx_file(&m, cfg()).unwrap_err();
        assert!(err.to_string().contains("outside"), "{err}");
    }
}

#[test]
fn external_data_offsets_and_lengths_are_checked() {
    let d = folder("bounds");
    write(&d, "w.bin", &weight_bytes());
    for (off, len) in [
        ("4", "24"),
        ("0", "20"),
        ("0", "28"),
        ("99999999999", "24"),
        ("x", "24"),
    ] {
        let m = write(&d, "model.onnx", &gemm_external("w.bin", off, len));
        let err = Model::from_onnx_file(&m, cfg()).unwrap_err();
        assert!(err.to_string().contains("'W'"), "{off}/{len}: {err}");
    }
    let m = write(&d, "model.onnx", &gemm_external("missing.bin", "0", "24"));
    assert!(Model::from_onnx_file(&m, cfg()).is_err());
}

fn with_input_dims(dims: Vec<Dimension<'_>>) -> Vec<u8> {
    with_dims(dims, None)
}

fn tensor_info<'a>(name: &'a str, dims: Vec<Dimension<'a>>) -> ValueInfo<'a> {
    ValueInfo {
        name,
        r#type: Some(TypeProto {
            value: Some(TypeValue::Tensor(TensorTypeProto {
                elem_type: DataType::Float,
                shape: Some(TensorShape {
                    dim: dims
                        .into_iter()
                        .map(|value| TensorShapeDimension {
                            value,
                            denotation: "",
                        })
                        .collect(),
                }),
            })),
            denotation: "",
        }),
        ..Default::default()
    }
}

fn with_dims<'a>(dims: Vec<Dimension<'a>>, out: Option<Vec<Dimension<'a>>>) -> Vec<u8> {
    let nodes = vec![node(OpType::Relu, "r", vec!["x"], "y", vec![])];
    let input = ValueInfo {
        name: "x",
        r#type: Some(TypeProto {
            value: Some(TypeValue::Tensor(TensorTypeProto {
                elem_type: DataType::Float,
                shape: Some(TensorShape {
                    dim: dims
                        .into_iter()
                        .map(|value| TensorShapeDimension {
                            value,
                            denotation: "",
                        })
                        .collect(),
                }),
            })),
            denotation: "",
        }),
        ..Default::default()
    };
    let model = onnx_rs::ast::Model {
        ir_version: 8,
        opset_import: vec![OperatorSetId {
            domain: "",
            version: 13,
        }],
        graph: Some(Graph {
            name: "t",
            node: nodes,
            input: vec![input],
            output: vec![match out {
                Some(d) => tensor_info("y", d),
                None => ValueInfo {
                    name: "y",
                    ..Default::default()
                },
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    onnx_rs::encode(&model)
}

#[test]
fn a_symbolic_batch_is_one_and_other_symbolic_dims_are_named() {
    let m = Model::from_onnx(
        &with_input_dims(vec![Dimension::Param("batch"), Dimension::Value(4)]),
        cfg(),
    )
    .unwrap();
    assert_eq!(m.dims[0], vec![1, 4]);
    let err = Model::from_onnx(
        &with_input_dims(vec![
            Dimension::Param("batch"),
            Dimension::Param("features"),
        ]),
        cfg(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("features") && err.to_string().contains("unsupported"),
        "{err}"
    );
}

#[test]
fn dropout_in_training_mode_is_refused() {
    let nodes = vec![Node {
        op_type: OpType::Dropout,
        name: "drop",
        input: vec!["x", "R", "T"],
        output: vec!["y"],
        ..Default::default()
    }];
    let inits = vec![
        TensorProto::from_f32("R", vec![], vec![0.5]),
        TensorProto::from_raw("T", vec![], DataType::Bool, &[1]),
    ];
    let err = Model::from_onnx(&onnx(nodes, inits, &[1, 4], &[1, 4]), cfg()).unwrap_err();
    assert!(err.to_string().contains("training_mode"), "{err}");
}

#[test]
fn declared_shapes_with_the_symbolic_batch_are_checked() {
    let b = || Dimension::Param("batch");
    let ok = with_dims(
        vec![b(), Dimension::Value(4)],
        Some(vec![b(), Dimension::Value(4)]),
    );
    assert!(Model::from_onnx(&ok, cfg()).is_ok());
    let wrong = with_dims(
        vec![b(), Dimension::Value(4)],
        Some(vec![b(), Dimension::Value(5)]),
    );
    let err = Model::from_onnx(&wrong, cfg()).unwrap_err();
    assert!(err.to_string().contains("declares"), "{err}");
    // Another symbolic name declares nothing about its axis (it need not be 1), but the
    // fixed dimensions beside it are still checked.
    let other = with_dims(
        vec![b(), Dimension::Value(4)],
        Some(vec![Dimension::Param("n2"), Dimension::Value(4)]),
    );
    assert!(Model::from_onnx(&other, cfg()).is_ok());
    let other = with_dims(
        vec![b(), Dimension::Value(4)],
        Some(vec![Dimension::Param("n2"), Dimension::Value(5)]),
    );
    assert!(Model::from_onnx(&other, cfg()).is_err());
    let rank = with_dims(vec![b(), Dimension::Value(4)], Some(vec![b()]));
    assert!(Model::from_onnx(&rank, cfg()).is_err());
}
