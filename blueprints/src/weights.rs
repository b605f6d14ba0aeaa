//! The weight store: quantized weights as safetensors (one i64 tensor per slice), written
//! by `compile` and memory-mapped by witness generation.
#![allow(unsafe_code)]

use crate::{BlueprintError, Result};
use memmap2::Mmap;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::path::{Path, PathBuf};

fn err(path: &Path, reason: impl std::fmt::Display) -> BlueprintError {
    BlueprintError::Weights {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Writes `(name, values)` tensors as safetensors.
pub fn write(path: &Path, tensors: &[(String, Vec<i64>)]) -> Result<()> {
    let bytes: Vec<(String, Vec<u8>, usize)> = tensors
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                v.len(),
            )
        })
        .collect();
    let views = bytes
        .iter()
        .map(|(n, b, len)| TensorView::new(Dtype::I64, vec![*len], b).map(|v| (n.clone(), v)))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| err(path, e))?;
    safetensors::serialize_to_file(views, None, path).map_err(|e| err(path, e))
}

/// A memory-mapped weight file.
#[derive(Debug)]
pub struct WeightStore {
    path: PathBuf,
    map: Mmap,
}

impl WeightStore {
    /// Maps the file.
    pub fn open(path: &Path) -> Result<WeightStore> {
        let file = std::fs::File::open(path).map_err(|e| err(path, e))?;
        // SAFETY: the map is read-only and lives as long as `WeightStore`; lamina writes the
        // file once at compile time and never while it is mapped. A concurrent writer
        // outside lamina could change the bytes under us; every value read is then still a
        // plain integer, and the weights commitment check rejects the proof.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| err(path, e))?;
        SafeTensors::deserialize(&map).map_err(|e| err(path, e))?;
        Ok(WeightStore {
            path: path.to_path_buf(),
            map,
        })
    }

    /// The i64 tensor `name`.
    pub fn get(&self, name: &str) -> Result<Vec<i64>> {
        let st = SafeTensors::deserialize(&self.map).map_err(|e| err(&self.path, e))?;
        let t = st
            .tensor(name)
            .map_err(|e| err(&self.path, format!("tensor '{name}': {e}")))?;
        if t.dtype() != Dtype::I64 {
            return Err(err(
                &self.path,
                format!("tensor '{name}' is {:?}, expected I64", t.dtype()),
            ));
        }
        Ok(t.data()
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }
}
