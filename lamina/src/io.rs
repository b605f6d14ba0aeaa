//! The files lamina reads and writes, read safely: input JSON, and the helpers the folder
//! formats use.
//!
//! Every read is of a regular file (no FIFO, device or symlink: `/dev/zero` or a pipe
//! would exhaust memory or hang), under a size cap, and every error names the file. Names
//! taken from a folder's own JSON are plain file names inside that folder, never paths.

use crate::error::{Context, Error, Result, refuse};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Size caps, by what is read: far above anything lamina writes for the models it can
/// prove on this class of machine, far below what would exhaust its memory.
pub mod cap {
    /// `model.json`, `statement.json`, `run.json`, input files.
    pub const JSON: u64 = 1 << 30;
    /// An ONNX model (protobuf's own limit is 2 GiB).
    pub const ONNX: u64 = 2 << 30;
    /// A compiled circuit.
    pub const CIRCUIT: u64 = 8 << 30;
    /// A proof.
    pub const PROOF: u64 = 4 << 30;
}

/// An I/O result with `what` (naming the path) attached.
pub(crate) fn io<T>(r: std::io::Result<T>, what: impl FnOnce() -> String) -> Result<T> {
    r.map_err(|source| Error::Io {
        what: what(),
        source,
    })
}

/// Reads a regular file of at most `cap` bytes, naming it in every error.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let shown = path.display();
    let meta = io(std::fs::symlink_metadata(path), || {
        format!("reading {shown}")
    })?;
    if !meta.file_type().is_file() {
        refuse!("{shown}: not a regular file");
    }
    if meta.len() > cap {
        refuse!(
            "{shown}: {} bytes, more than the {cap}-byte limit",
            meta.len()
        );
    }
    let file = io(std::fs::File::open(path), || format!("reading {shown}"))?;
    // The file may have grown since the check: never read past the cap.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    io(file.take(cap + 1).read_to_end(&mut bytes), || {
        format!("reading {shown}")
    })?;
    if bytes.len() as u64 > cap {
        refuse!("{shown}: more than the {cap}-byte limit");
    }
    Ok(bytes)
}

/// `path`, if it is a regular file (not a FIFO, device or symlink).
pub fn regular(path: &Path) -> Result<PathBuf> {
    let meta = io(std::fs::symlink_metadata(path), || {
        format!("reading {}", path.display())
    })?;
    if !meta.file_type().is_file() {
        refuse!("{}: not a regular file", path.display());
    }
    Ok(path.to_path_buf())
}

/// The path of `name` inside `dir`, where `name` comes from a folder's own JSON: a plain
/// file name (no separator, no `..`), so nothing outside the folder is ever read.
pub fn inside(dir: &Path, name: &Value, what: &str) -> Result<PathBuf> {
    let name = name
        .as_str()
        .context_with(|| format!("{what}: expected a file name, got {name}"))?;
    let mut parts = Path::new(name).components();
    let plain = matches!(
        (parts.next(), parts.next()),
        (Some(std::path::Component::Normal(_)), None)
    ) && !name.contains(['/', '\\']);
    if !plain {
        refuse!(
            "{what}: '{name}' is not a plain file name inside {}",
            dir.display()
        );
    }
    Ok(dir.join(name))
}

/// Reads a text file (regular, capped), naming it in errors.
pub fn read_text(path: &Path, cap: u64) -> Result<String> {
    String::from_utf8(read_capped(path, cap)?).map_err(|source| Error::Utf8 {
        what: format!("{}: not UTF-8 text", path.display()),
        source,
    })
}

/// Parses JSON text read from `path`.
fn parse_json(text: &str, path: &Path) -> Result<Value> {
    serde_json::from_str(text).map_err(|source| {
        // Python's json.dumps writes non-finite floats as these bare words; name them.
        let what = match non_finite_at(text, &source) {
            Some(word) => format!(
                "{}: holds {word} at line {} column {}: inputs must be finite numbers",
                path.display(),
                source.line(),
                source.column()
            ),
            None => format!("{}: not valid JSON", path.display()),
        };
        Error::Json { what, source }
    })
}

/// The non-finite float spelled at a JSON error's position (`NaN`, `Infinity`,
/// `-Infinity`, or a number too large for f64), if that is what stopped the parser.
fn non_finite_at(text: &str, e: &serde_json::Error) -> Option<&'static str> {
    let line = text.lines().nth(e.line().checked_sub(1)?)?;
    let col = e.column().saturating_sub(1);
    let start = line[..col.min(line.len())]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .map_or(0, |i| i + 1);
    let word = line[start..]
        .split(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .next()?;
    match word.trim_start_matches(['-', '+']) {
        "NaN" | "nan" => Some("NaN"),
        "Infinity" | "inf" | "Inf" => Some("an infinity"),
        w if w.parse::<f64>().is_ok_and(f64::is_infinite) => {
            Some("a number too large for a float (an infinity)")
        }
        _ => None,
    }
}

/// Reads `{"input_data": [[...], ...]}` (or a single flat list); other keys are ignored.
pub fn read_inputs(path: &Path) -> Result<Vec<Vec<f64>>> {
    let v = read_json(path)?;
    let shown = path.display();
    let data = v
        .get("input_data")
        .context_with(|| format!("{shown}: no \"input_data\" key"))?;
    let arr = data
        .as_array()
        .context_with(|| format!("{shown}: \"input_data\" is not a list"))?;
    let row = |r: &Value, i: usize| -> Result<Vec<f64>> {
        r.as_array()
            .context_with(|| format!("{shown}: input_data[{i}] is not a list"))?
            .iter()
            .enumerate()
            .map(|(j, x)| {
                x.as_f64()
                    .context_with(|| format!("{shown}: input_data[{i}][{j}] is not a number"))
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
        refuse!("{shown}: \"input_data\" is empty");
    }
    Ok(rows)
}

/// Reads a JSON file (regular, capped).
pub fn read_json(path: &Path) -> Result<Value> {
    parse_json(&read_text(path, cap::JSON)?, path)
}

/// Writes pretty JSON.
pub fn write_json(path: &Path, v: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(|source| Error::Json {
        what: format!("encoding {}", path.display()),
        source,
    })?;
    write(path, text.as_bytes())
}

/// Writes bytes, naming the file in the error.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    io(std::fs::write(path, bytes), || {
        format!("writing {}", path.display())
    })
}

/// Creates a folder (and its parents).
pub fn create_dir(dir: &Path) -> Result<()> {
    io(std::fs::create_dir_all(dir), || {
        format!("creating {}", dir.display())
    })
}

/// Lowercase hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses an even number of lowercase hex digits (the only form lamina writes); `None`
/// for anything else.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2)
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// Parses 64 lowercase hex digits (the only form lamina writes).
pub fn unhex32(s: &str) -> Result<[u8; 32]> {
    if s.len() != 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        refuse!("expected 64 lowercase hex digits, got '{s}'");
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)
            .ok()
            .context_with(|| format!("bad hex '{s}'"))?;
    }
    Ok(out)
}

/// Largest magnitude of a signed value that names one residue mod Goldilocks' p:
/// `(p − 1)/2`. Beyond it, `v` and `v ∓ p` would both fit an `i64` and mean the same
/// field element.
pub const SIGNED_MAX: i64 = ((circuits::GOLDILOCKS_P - 1) / 2) as i64;

/// A list of integers from JSON, each an exact integer of magnitude at most
/// [`SIGNED_MAX`].
pub fn ints(v: &Value, what: &str) -> Result<Vec<i64>> {
    v.as_array()
        .context_with(|| format!("{what} is not a list"))?
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let n = x
                .as_i64()
                .context_with(|| format!("{what}[{i}]: {x} is not an integer"))?;
            if n.unsigned_abs() > SIGNED_MAX as u64 {
                refuse!("{what}[{i}]: {n} is outside ±(p−1)/2, where field values alias");
            }
            Ok(n)
        })
        .collect()
}

/// A field of a JSON object, which must be present.
pub fn field<'a>(v: &'a Value, key: &str, what: &str) -> Result<&'a Value> {
    v.get(key).context_with(|| format!("{what}: no \"{key}\""))
}

/// A string field.
pub fn str_field<'a>(v: &'a Value, key: &str, what: &str) -> Result<&'a str> {
    let f = field(v, key, what)?;
    f.as_str()
        .context_with(|| format!("{what}: \"{key}\" must be a string, got {f}"))
}

/// A non-negative integer field that fits `T` exactly (no truncating casts).
pub fn uint_field<T: TryFrom<u64>>(v: &Value, key: &str, what: &str) -> Result<T> {
    let f = field(v, key, what)?;
    let n = f
        .as_u64()
        .context_with(|| format!("{what}: \"{key}\" must be a non-negative integer, got {f}"))?;
    T::try_from(n)
        .ok()
        .context_with(|| format!("{what}: \"{key}\" = {n} is out of range"))
}

/// A finite number.
pub fn f64_of(v: &Value, what: &str) -> Result<f64> {
    v.as_f64()
        .filter(|x| x.is_finite())
        .context_with(|| format!("{what}: expected a finite number, got {v}"))
}

/// A 32-byte digest from a hex string field.
pub fn digest_field(v: &Value, key: &str, what: &str) -> Result<[u8; 32]> {
    unhex32(str_field(v, key, what)?).context_with(|| format!("{what}: {key}"))
}
