//! `lamina._lamina`: the lamina library for Python (PyO3, abi3 ≥ 3.11). Each function
//! runs one library command with the GIL released and returns the JSON object the CLI
//! prints with `--json`, as text (`lamina/__init__.py` parses it into dicts and accepts
//! lists or numpy arrays). A library error becomes `lamina.LaminaError` carrying the
//! CLI's message.
//!
//! **May depend on:** the `lamina` library (and PyO3).
//!
//! Heap figures: no counting allocator is installed in the extension module, so
//! `alloc_peak_bytes` reads 0 here; wall times and `rss_peak_bytes` are measured as in
//! the CLI. The module's Rust code allocates through [`lamina::HugePages`], as the CLI
//! does (huge pages for large tables).

use lamina::{Hooks, Settings};

#[global_allocator]
static ALLOC: lamina::HugePages = lamina::HugePages;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use std::path::PathBuf;

pyo3::create_exception!(
    _lamina,
    LaminaError,
    PyException,
    "An error of the lamina library; the message is the CLI's."
);

fn err(e: lamina::Error) -> PyErr {
    LaminaError::new_err(e.report())
}

/// Runs `f` with the GIL released, mapping the library's error.
fn detached<T: Send>(py: Python<'_>, f: impl Send + FnOnce() -> lamina::Result<T>) -> PyResult<T> {
    py.detach(f).map_err(err)
}

/// How proofs are made: the command line's `--commitment`, `--zk` / `--no-zk`,
/// `--zk-proofs` and `--private-activations`.
struct ProofOptions {
    commitment: Option<String>,
    zk: Option<bool>,
    zk_proofs: u32,
    private_activations: bool,
    private_input: bool,
}

impl ProofOptions {
    /// Fidelity makes no proof: binding WHIR, the scheme that keeps structured layers.
    fn none() -> ProofOptions {
        ProofOptions {
            commitment: None,
            zk: Some(false),
            zk_proofs: lamina::engine::ZK_STOCK_SIZE,
            private_activations: false,
            private_input: false,
        }
    }
}

fn settings(
    scale_bits: u32,
    input_range: (f64, f64),
    slices: &str,
    calibrate: Option<Vec<Vec<f64>>>,
    margin: f64,
    proofs: ProofOptions,
) -> PyResult<Settings> {
    let s = Settings::new(scale_bits, input_range, slices)
        .and_then(|s| {
            let scheme = lamina::engine::Scheme::resolve(proofs.commitment.as_deref(), proofs.zk)?;
            s.with_scheme(scheme)
                .with_zk_proofs(proofs.zk_proofs)?
                .with_private_activations(proofs.private_activations)?
                .with_private_input(proofs.private_input)
        })
        .map_err(err)?;
    match calibrate {
        None => Ok(s),
        Some(inputs) => s
            .calibrated(inputs, "calibration inputs", margin)
            .map_err(err),
    }
}

/// Compiles an ONNX model into the folder `out`; returns model.json as JSON text.
#[pyfunction]
#[pyo3(signature = (model, out, scale_bits=18, input_range=(-1.0, 1.0), slices="whole", calibrate=None, margin=2.0, commitment=None, zk=None, zk_proofs=lamina::engine::ZK_STOCK_SIZE, private_activations=false, private_input=false))]
#[allow(clippy::too_many_arguments)]
fn compile(
    py: Python<'_>,
    model: PathBuf,
    out: PathBuf,
    scale_bits: u32,
    input_range: (f64, f64),
    slices: &str,
    calibrate: Option<Vec<Vec<f64>>>,
    margin: f64,
    commitment: Option<String>,
    zk: Option<bool>,
    zk_proofs: u32,
    private_activations: bool,
    private_input: bool,
) -> PyResult<String> {
    let s = settings(
        scale_bits,
        input_range,
        slices,
        calibrate,
        margin,
        ProofOptions {
            commitment,
            zk,
            zk_proofs,
            private_activations,
            private_input,
        },
    )?;
    detached(py, move || {
        lamina::compile(&model, &s, &out, Hooks::default()).map(|v| v.to_string())
    })
}

/// Proves every slice of the compiled folder `dir` on `input`; returns statement.json.
#[pyfunction]
fn prove(py: Python<'_>, dir: PathBuf, input: Vec<f64>, out: PathBuf) -> PyResult<String> {
    detached(py, move || {
        lamina::prove(&dir, &input, "input", &out, Hooks::default()).map(|v| v.to_string())
    })
}

/// Verifies the proof folder `proofs` against the verification key `key` (a `model.vk`
/// file or a compiled folder holding one); returns the verdict object.
#[pyfunction]
#[pyo3(signature = (key, proofs, vk_digest=None, model_digest=None))]
fn verify(
    py: Python<'_>,
    key: PathBuf,
    proofs: PathBuf,
    vk_digest: Option<String>,
    model_digest: Option<String>,
) -> PyResult<String> {
    detached(py, move || {
        let pin = lamina::Pin {
            vk_digest: vk_digest.as_deref(),
            model_digest: model_digest.as_deref(),
        };
        lamina::verify(&key, &proofs, pin, Hooks::default()).map(|v| v.doc.to_string())
    })
}

/// Compiles, proves and verifies in memory with per-stage figures; returns the report.
#[pyfunction]
#[pyo3(signature = (model, input, scale_bits=18, input_range=(-1.0, 1.0), slices="whole", compare_whole=false, calibrate=None, margin=2.0, commitment=None, zk=None, zk_proofs=lamina::engine::ZK_STOCK_SIZE, private_activations=false, private_input=false))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    model: PathBuf,
    input: Vec<f64>,
    scale_bits: u32,
    input_range: (f64, f64),
    slices: &str,
    compare_whole: bool,
    calibrate: Option<Vec<Vec<f64>>>,
    margin: f64,
    commitment: Option<String>,
    zk: Option<bool>,
    zk_proofs: u32,
    private_activations: bool,
    private_input: bool,
) -> PyResult<String> {
    let s = settings(
        scale_bits,
        input_range,
        slices,
        calibrate,
        margin,
        ProofOptions {
            commitment,
            zk,
            zk_proofs,
            private_activations,
            private_input,
        },
    )?;
    detached(py, move || {
        lamina::run(&model, &input, "input", &s, compare_whole, Hooks::default())
            .map(|v| v.to_string())
    })
}

/// Circuit outputs against the float model over `inputs` at one scale.
#[pyfunction]
#[pyo3(signature = (model, inputs, scale_bits=18, input_range=(-1.0, 1.0), slices="whole", calibrate=None, margin=2.0))]
#[allow(clippy::too_many_arguments)]
fn fidelity(
    py: Python<'_>,
    model: PathBuf,
    inputs: Vec<Vec<f64>>,
    scale_bits: u32,
    input_range: (f64, f64),
    slices: &str,
    calibrate: Option<Vec<Vec<f64>>>,
    margin: f64,
) -> PyResult<String> {
    let s = settings(
        scale_bits,
        input_range,
        slices,
        calibrate,
        margin,
        ProofOptions::none(),
    )?;
    detached(py, move || {
        lamina::fidelity(&model, &inputs, "inputs", &s, Hooks::default()).map(|v| v.to_string())
    })
}

/// Runs the integer forward pass once; writes every slice's input into the run folder.
#[pyfunction]
fn witness(py: Python<'_>, dir: PathBuf, input: Vec<f64>, out: PathBuf) -> PyResult<String> {
    detached(py, move || {
        lamina::jobs::witness(&dir, &input, "input", &out, Hooks::default()).map(|v| v.to_string())
    })
}

/// Proves one slice from a run folder into the proof folder `out`; returns its statement.
#[pyfunction]
fn prove_slice(
    py: Python<'_>,
    dir: PathBuf,
    run: PathBuf,
    slice: usize,
    out: PathBuf,
) -> PyResult<String> {
    detached(py, move || {
        lamina::jobs::prove_slice(&dir, &run, slice, &out, Hooks::default()).map(|v| v.to_string())
    })
}

/// A verification key made ready to check proof folders (`lamina.Verifier`): preparing
/// reads and checks the key and may run while proofs are being made.
#[pyclass(frozen, name = "Verifier", module = "lamina._lamina")]
struct PyVerifier(lamina::proof_folder::Verifier);

#[pymethods]
impl PyVerifier {
    /// Loads the key `key` (a `model.vk` or a compiled folder; the GIL released).
    #[new]
    #[pyo3(signature = (key, vk_digest=None, model_digest=None))]
    fn new(
        py: Python<'_>,
        key: PathBuf,
        vk_digest: Option<String>,
        model_digest: Option<String>,
    ) -> PyResult<Self> {
        detached(py, move || {
            let pin = lamina::Pin {
                vk_digest: vk_digest.as_deref(),
                model_digest: model_digest.as_deref(),
            };
            lamina::proof_folder::Verifier::prepare(&key, pin, Hooks::default())
        })
        .map(PyVerifier)
    }

    /// Checks the proof folder `proofs`; returns the verdict object as JSON text.
    fn verify(&self, py: Python<'_>, proofs: PathBuf) -> PyResult<String> {
        let v = &self.0;
        detached(py, move || {
            v.check(&proofs, Hooks::default())
                .map(|v| v.doc.to_string())
        })
    }
}

/// A compiled folder opened for proving slice after slice (`lamina.SliceProver`): each
/// slice is loaded (model import, weight commitment) once per object.
#[pyclass(frozen, name = "SliceProver", module = "lamina._lamina")]
struct PySliceProver(lamina::jobs::SliceProver);

#[pymethods]
impl PySliceProver {
    /// Opens the compiled folder `dir` (the GIL released).
    #[new]
    fn new(py: Python<'_>, dir: PathBuf) -> PyResult<Self> {
        detached(py, move || lamina::jobs::SliceProver::open(&dir)).map(PySliceProver)
    }

    /// The verification key's digest (hex) the proofs bind.
    fn vk_digest(&self) -> String {
        self.0
            .vk_digest()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Proves slice `slice` from the run folder `run` into `out`; returns its statement.
    fn prove_slice(
        &self,
        py: Python<'_>,
        run: PathBuf,
        slice: usize,
        out: PathBuf,
    ) -> PyResult<String> {
        let p = &self.0;
        detached(py, move || {
            p.prove(&run, slice, &out, Hooks::default())
                .map(|v| v.to_string())
        })
    }
}

/// The inputs of an `{"input_data": [[...], ...]}` file (read as the CLI reads it).
#[pyfunction]
fn read_inputs(py: Python<'_>, path: PathBuf) -> PyResult<Vec<Vec<f64>>> {
    detached(py, move || lamina::io::read_inputs(&path))
}

/// The extension module.
#[pymodule]
fn _lamina(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("LaminaError", m.py().get_type::<LaminaError>())?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(prove, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(fidelity, m)?)?;
    m.add_function(wrap_pyfunction!(witness, m)?)?;
    m.add_function(wrap_pyfunction!(prove_slice, m)?)?;
    m.add_function(wrap_pyfunction!(read_inputs, m)?)?;
    m.add_class::<PyVerifier>()?;
    m.add_class::<PySliceProver>()?;
    Ok(())
}
