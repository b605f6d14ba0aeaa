"""lamina: GKR/sumcheck proofs that a neural network's inference (or chosen slices of it)
was computed correctly.

Every function returns the dict the ``lamina`` CLI prints with ``--json``. Inputs are
lists (nested or flat) or numpy arrays of floats, or the path of an
``{"input_data": [[...]]}`` file. Errors raise :class:`LaminaError` with the CLI's message.
The GIL is released while compiling, proving and verifying.

Proofs are transparent (verifiable, not zero-knowledge). ``alloc_peak_bytes`` reads 0
from Python: the counting allocator lives in the CLI binary only.
"""

import json
import os

from . import _lamina
from ._lamina import LaminaError

__all__ = [
    "LaminaError", "compile", "prove", "verify", "run", "fidelity", "witness",
    "prove_slice", "read_inputs", "Verifier", "SliceProver",
]


def _path(p):
    return os.fspath(p)


def _flat(x):
    """One input as a flat list of floats: a numpy array (any shape), a (nested) list, or
    the path of an inputs file (its first input)."""
    if isinstance(x, (str, os.PathLike)):
        return _lamina.read_inputs(_path(x))[0]
    if hasattr(x, "tolist"):  # numpy arrays and scalars, without importing numpy
        x = x.tolist()
    out = []

    def walk(v):
        if isinstance(v, (list, tuple)):
            for w in v:
                walk(w)
        else:
            out.append(float(v))

    walk(x)
    return out


def _rows(xs):
    """Many inputs: a 2-D array, a list of inputs, or the path of an inputs file."""
    if isinstance(xs, (str, os.PathLike)):
        return _lamina.read_inputs(_path(xs))
    if hasattr(xs, "tolist"):
        xs = xs.tolist()
    return [_flat(x) for x in xs]


def _range(r):
    lo, hi = r
    return (float(lo), float(hi))


def _cal(calibrate):
    return None if calibrate is None else _rows(calibrate)


def _proofs(commitment, zk, zk_proofs, private_activations, private_input):
    return (None if commitment is None else str(commitment),
            None if zk is None else bool(zk), int(zk_proofs), bool(private_activations),
            bool(private_input))


def compile(model, out, scale_bits=18, input_range=(-1.0, 1.0), slices="whole",
            calibrate=None, margin=2.0, commitment=None, zk=None, zk_proofs=64,
            private_activations=False, private_input=False):
    """Compiles an ONNX model into ``out``: the verification key ``model.vk`` (circuits,
    weight commitments; its digest is ``vk_digest`` in the result), the weight store and
    model.json, which it returns. ``slices``: "whole", "layers", or cut indices ("2,5" or
    [2, 5]). ``calibrate``: inputs (lists, an array or an inputs file) whose largest
    magnitudes times ``margin`` size the range checks instead of the worst case (as
    ``--calibrate``). ``commitment``, ``zk``, ``zk_proofs``, ``private_activations``,
    ``private_input``: as ``--commitment``, ``--zk`` (True) / ``--no-zk`` (False),
    ``--zk-proofs``, ``--private-activations`` and ``--private-input``. Proofs are zero-knowledge ("whir-zk") unless ``zk=False``
    or ``commitment`` names a binding scheme ("whir": succinct, faster, structured
    layers; "transparent": every committed value in the proof)."""
    if isinstance(slices, (list, tuple)):
        slices = ",".join(str(int(s)) for s in slices)
    return json.loads(_lamina.compile(_path(model), _path(out), int(scale_bits),
                                      _range(input_range), str(slices), _cal(calibrate),
                                      float(margin), *_proofs(commitment, zk, zk_proofs,
                                                              private_activations,
                                                              private_input)))


def prove(model_dir, input, out):
    """Proves every slice of a compiled folder on ``input``; writes ``slice_N.proof`` and
    ``statement.json`` into ``out`` and returns the statement."""
    return json.loads(_lamina.prove(_path(model_dir), _flat(input), _path(out)))


def verify(key, proofs, vk_digest=None, model_digest=None):
    """Verifies a proof folder against a verification key (``model.vk``, or a compiled
    folder holding one), refusing a key whose digest is not ``vk_digest`` when given.
    Returns the verdict dict (``verified`` false names the slices and reasons); a
    malformed or mismatched folder or key raises LaminaError."""
    return json.loads(_lamina.verify(_path(key), _path(proofs), vk_digest, model_digest))


def run(model, input, scale_bits=18, input_range=(-1.0, 1.0), slices="whole",
        compare_whole=False, calibrate=None, margin=2.0, commitment=None, zk=None,
        zk_proofs=64, private_activations=False, private_input=False):
    """Compiles, proves and verifies in memory; returns the report with per-slice,
    per-stage figures. ``commitment``, ``zk``, ``zk_proofs``, ``private_activations``,
    ``private_input``: as ``--commitment``, ``--zk`` (True) / ``--no-zk`` (False),
    ``--zk-proofs``, ``--private-activations`` and ``--private-input``. Proofs are zero-knowledge ("whir-zk") unless ``zk=False``
    or ``commitment`` names a binding scheme ("whir": succinct, faster, structured
    layers; "transparent": every committed value in the proof)."""
    if isinstance(slices, (list, tuple)):
        slices = ",".join(str(int(s)) for s in slices)
    return json.loads(_lamina.run(_path(model), _flat(input), int(scale_bits),
                                  _range(input_range), str(slices), bool(compare_whole),
                                  _cal(calibrate), float(margin),
                                  *_proofs(commitment, zk, zk_proofs, private_activations,
                                           private_input)))


def fidelity(model, inputs, scale_bits=18, input_range=(-1.0, 1.0), slices="whole",
             calibrate=None, margin=2.0):
    """Circuit outputs against the float model (D1, D2 as the DSperse paper's sums over
    the logits, their per-logit means, L1, L2, TVD, JSD, argmax agreement). ``scale_bits``
    may be one scale or a list; the result is always ``{"scales": [...]}``, as the CLI's."""
    rows = _rows(inputs)
    if isinstance(slices, (list, tuple)):
        slices = ",".join(str(int(s)) for s in slices)
    scales = list(scale_bits) if isinstance(scale_bits, (list, tuple)) else [scale_bits]
    docs = [json.loads(_lamina.fidelity(_path(model), rows, int(k), _range(input_range),
                                        str(slices), _cal(calibrate), float(margin)))
            for k in scales]
    return {"scales": docs}


class Verifier:
    """A verification key made ready to check proof folders: ``Verifier(key)`` reads
    ``model.vk`` (or a compiled folder's), checks ``vk_digest`` and ``model_digest`` if
    given (the part of ``verify`` that needs no proof, so it can run while proofs are
    made); ``.verify(proofs)`` returns what :func:`verify` returns."""

    def __init__(self, key, vk_digest=None, model_digest=None):
        self._v = _lamina.Verifier(_path(key), vk_digest, model_digest)

    def verify(self, proofs):
        return json.loads(self._v.verify(_path(proofs)))


class SliceProver:
    """A compiled folder opened for proving one slice at a time, keeping every slice it
    loads (model import, circuit, weight commitment) for the next call: what a
    long-lived worker holds. ``.prove_slice(run, slice, out)`` returns what
    :func:`prove_slice` returns, with the same proof bytes; ``.vk_digest`` is the key
    digest the proofs bind."""

    def __init__(self, model_dir):
        self._p = _lamina.SliceProver(_path(model_dir))
        self.vk_digest = self._p.vk_digest()

    def prove_slice(self, run, slice, out):
        return json.loads(self._p.prove_slice(_path(run), int(slice), _path(out)))


def witness(model_dir, input, out):
    """Runs the integer forward pass once and writes every slice's input into the run
    folder ``out`` (run.json); returns it."""
    return json.loads(_lamina.witness(_path(model_dir), _flat(input), _path(out)))


def prove_slice(model_dir, run, slice, out):
    """Proves slice ``slice`` from the run folder ``run``; writes ``slice_N.proof`` and
    ``slice_N.statement.json`` into ``out`` and returns the statement."""
    return json.loads(_lamina.prove_slice(_path(model_dir), _path(run), int(slice),
                                          _path(out)))


def read_inputs(path):
    """The inputs of an ``{"input_data": [[...], ...]}`` file."""
    return _lamina.read_inputs(_path(path))
