"""Shared fixtures: the bundled LeNet, compiled once per session."""

import json
import pathlib

import pytest

import lamina

ROOT = pathlib.Path(__file__).resolve().parents[2]
LENET = ROOT / "testdata" / "lenet" / "lenet.onnx"
INPUT = ROOT / "testdata" / "lenet" / "input.json"
INPUTS = ROOT / "testdata" / "lenet" / "inputs.json"


def first_input():
    return json.loads(INPUT.read_text())["input_data"][0]


@pytest.fixture(scope="session")
def compiled(tmp_path_factory):
    """LeNet compiled with the DSperse cut (5 slices) and binding-only proofs
    (``zk=False``: their bytes are a function of the statement, so jobs and Ray tasks can
    be compared with the one-go proofs byte for byte), proven in one go."""
    base = tmp_path_factory.mktemp("lenet")
    d, p = base / "compiled", base / "proofs"
    lamina.compile(LENET, d, slices="layers", zk=False)
    lamina.prove(d, first_input(), p)
    return d, p


@pytest.fixture(scope="session")
def compiled_zk(tmp_path_factory):
    """The same in zero knowledge (the default): a stock of 8 proofs per slice."""
    base = tmp_path_factory.mktemp("lenet-zk")
    d = base / "compiled"
    lamina.compile(LENET, d, slices="layers", zk_proofs=8)
    return d
