//! Files the CLI reads and writes: input JSON, artifact and proof folders.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::Path;

/// Reads `{"input_data": [[...], ...]}` (or a single flat list); other keys are ignored.
pub fn read_inputs(path: &Path) -> Result<Vec<Vec<f64>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    let data = v
        .get("input_data")
        .with_context(|| format!("{}: no \"input_data\" key", path.display()))?;
    let arr = data
        .as_array()
        .with_context(|| format!("{}: \"input_data\" is not a list", path.display()))?;
    let row = |r: &Value, i: usize| -> Result<Vec<f64>> {
        r.as_array()
            .with_context(|| format!("{}: input_data[{i}] is not a list", path.display()))?
            .iter()
            .enumerate()
            .map(|(j, x)| {
                x.as_f64().with_context(|| {
                    format!("{}: input_data[{i}][{j}] is not a number", path.display())
                })
            })
            .collect()
    };
    if arr.iter().all(Value::is_number) && !arr.is_empty() {
        return Ok(vec![row(data, 0)?]);
    }
    let rows: Vec<Vec<f64>> = arr
        .iter()
        .enumerate()
        .map(|(i, r)| row(r, i))
        .collect::<Result<_>>()?;
    if rows.is_empty() {
        bail!("{}: \"input_data\" is empty", path.display());
    }
    Ok(rows)
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not valid JSON", path.display()))
}

/// Writes pretty JSON.
pub fn write_json(path: &Path, v: &Value) -> Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(v)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// Lowercase hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses 64 hex digits.
pub fn unhex32(s: &str) -> Result<[u8; 32]> {
    if s.len() != 64 {
        bail!("expected 64 hex digits, got {} characters", s.len());
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)
            .with_context(|| format!("bad hex '{s}'"))?;
    }
    Ok(out)
}

/// A list of integers from JSON.
pub fn ints(v: &Value, what: &str) -> Result<Vec<i64>> {
    v.as_array()
        .with_context(|| format!("{what} is not a list"))?
        .iter()
        .map(|x| {
            x.as_i64()
                .with_context(|| format!("{what}: not an integer"))
        })
        .collect()
}
