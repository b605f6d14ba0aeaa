"""The Python API over the lamina library: the CLI's dicts, inputs as lists, numpy arrays
or files, LaminaError with the CLI's messages, one-slice jobs, and the GIL released."""

import json
import threading

import numpy as np
import pytest

import lamina
from conftest import INPUT, INPUTS, LENET, first_input

STAGE_KEYS = {"wall_s", "alloc_peak_bytes", "rss_peak_bytes"}


def test_error_type_is_an_exception():
    assert issubclass(lamina.LaminaError, Exception)


def test_compile_returns_model_json(compiled):
    d, _ = compiled
    doc = json.loads((d / "model.json").read_text())
    assert doc["format"] == "lamina-model/2"
    assert len(doc["slices"]) == 5
    again = lamina.compile(LENET, d.parent / "again", slices=[2, 4])
    assert again["slices_plan"] == "2,4"
    assert [s["layer_range"] for s in again["slices"]][0][0] == 0


def test_prove_and_verify_lenet(compiled):
    d, p = compiled
    st = json.loads((p / "statement.json").read_text())
    v = lamina.verify(d, p)
    assert v["verified"] is True
    assert v["outputs"] == st["outputs"] and len(v["outputs"]) == 10
    assert set(v) >= {"verified", "outputs", "model_digest", "scale_bits", "input_range",
                      "slices_plan", "slices"}
    assert v["slices_plan"] == "layers"
    assert all(s["verified"] for s in v["slices"])
    pinned = lamina.verify(d, p, model_digest=v["model_digest"])
    assert pinned["verified"] is True
    # The key alone, pinned by the digest compile wrote: no folder, no ONNX, no weights.
    meta = json.loads((d / "model.json").read_text())
    assert meta["commitment"]["scheme"] == "whir"  # the fixture is binding-only
    assert meta["commitment"]["security_bits"] >= 100
    key = p.parent / "published.vk"
    key.write_bytes((d / "model.vk").read_bytes())
    alone = lamina.verify(key, p, vk_digest=meta["vk_digest"])
    assert alone["verified"] is True and alone["vk_digest"] == meta["vk_digest"]
    with pytest.raises(lamina.LaminaError, match="not the pinned"):
        lamina.verify(key, p, vk_digest="ab" * 32)


def test_inputs_as_lists_numpy_arrays_and_files_agree(compiled, tmp_path):
    d, _ = compiled
    x = first_input()
    as_array = np.asarray(x, dtype=np.float32).reshape(3, 32, 32)
    runs = [lamina.witness(d, v, tmp_path / f"run{i}")
            for i, v in enumerate([x, as_array, INPUT, [x[:1024], x[1024:]]])]
    first = runs[0]["slices"][0]["input"]
    assert len(first) == 3072
    # float32 rounding of the array changes nothing at 2^18 for these inputs
    assert all(r["slices"][0]["input"] == first for r in runs)


def test_run_report_has_the_cli_fields():
    r = lamina.run(LENET, np.asarray(first_input()), slices="layers")
    assert r["verified"] is True and len(r["slices"]) == 5
    s0 = r["slices"][0]
    for k in ("index", "input_shape", "output_shape", "proof_bytes", "layers", "gates",
              "widest_layer", "verified"):
        assert k in s0, k
    for stage in ("compile", "witness", "prove", "verify"):
        assert set(s0["stages"][stage]) == STAGE_KEYS
    # Zero knowledge by default, as the CLI.
    assert r["commitment"]["scheme"] == "whir-zk" and r["commitment"]["security_bits"] >= 100
    assert r["commitment"]["hiding"] is True and r["commitment"]["zero_knowledge"]["kind"]
    b = lamina.run(LENET, first_input(), zk=False)
    assert b["commitment"]["scheme"] == "whir" and b["commitment"]["hiding"] is False
    assert b["verified"] is True and b["outputs"] == r["outputs"]
    t = lamina.run(LENET, first_input(), commitment="transparent")
    assert t["commitment"]["scheme"] == "transparent" and t["outputs"] == r["outputs"]
    with pytest.raises(lamina.LaminaError, match="unknown commitment scheme"):
        lamina.run(LENET, first_input(), commitment="kzg")
    with pytest.raises(lamina.LaminaError, match="cannot be zero-knowledge"):
        lamina.run(LENET, first_input(), commitment="transparent", zk=True)
    with pytest.raises(lamina.LaminaError, match="needs zero-knowledge proofs"):
        lamina.run(LENET, first_input(), slices="layers", zk=False, private_activations=True)


def test_run_with_private_activations():
    r = lamina.run(LENET, first_input(), slices="layers", private_activations=True,
                   zk_proofs=2)
    assert r["verified"] is True and len(r["slices"]) == 5
    assert r["commitment"]["zero_knowledge"]["private_activations"] is True
    # Only the model's input and output are public: every slice boundary is private.
    assert [(s["private_input"], s["private_output"]) for s in r["slices"]] == \
        [(False, True)] + [(True, True)] * 3 + [(True, False)]


def test_run_with_a_private_input():
    r = lamina.run(LENET, first_input(), private_input=True, zk_proofs=2)
    assert r["verified"] is True
    assert r["commitment"]["zero_knowledge"]["private_input"] is True
    assert len(r["slices"][0]["input_commitment"]) == 64
    with pytest.raises(lamina.LaminaError, match="--private-input needs zero-knowledge"):
        lamina.run(LENET, first_input(), zk=False, private_input=True)


def test_fidelity_one_and_many_scales():
    xs = np.asarray(json.loads(INPUTS.read_text())["input_data"][:3])
    f = lamina.fidelity(LENET, xs)["scales"][0]
    assert f["inputs"] == 3 and len(f["per_input"]) == 3
    assert 0.0 <= f["argmax_agreement"] <= 1.0
    many = lamina.fidelity(LENET, INPUTS, scale_bits=[12, 18])
    assert [s["scale_bits"] for s in many["scales"]] == [12, 18]
    assert many["scales"][1]["d1"]["mean"] < many["scales"][0]["d1"]["mean"]


def test_errors_carry_the_cli_messages(compiled, tmp_path):
    d, p = compiled
    with pytest.raises(lamina.LaminaError, match="missing.onnx"):
        lamina.compile(tmp_path / "missing.onnx", tmp_path / "o")
    with pytest.raises(lamina.LaminaError, match="--scale-bits 40"):
        lamina.compile(LENET, tmp_path / "o", scale_bits=40)
    with pytest.raises(lamina.LaminaError, match="3072"):
        lamina.prove(d, [0.1, 0.2], tmp_path / "short")
    with pytest.raises(lamina.LaminaError, match="input-range"):
        lamina.run(LENET, [2.5] * 3072)
    with pytest.raises(lamina.LaminaError, match="model.vk"):
        lamina.verify(tmp_path, p)
    with pytest.raises(lamina.LaminaError, match="has 5 slices"):
        lamina.prove_slice(d, tmp_path, 9, tmp_path / "x")


def test_a_tampered_proof_is_not_verified(compiled, tmp_path):
    d, p = compiled
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in p.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    proof = bytearray((bad / "slice_2.proof").read_bytes())
    proof[len(proof) // 3] ^= 1
    (bad / "slice_2.proof").write_bytes(bytes(proof))
    v = lamina.verify(d, bad)
    assert v["verified"] is False and v["outputs"] is None
    assert v["slices"][2]["verified"] is False and v["slices"][2]["reason"]


def test_one_slice_jobs_match_the_one_go_proofs(compiled, tmp_path):
    d, p = compiled
    run, out = tmp_path / "run", tmp_path / "out"
    r = lamina.witness(d, INPUT, run)
    assert r["format"] == "lamina-run/2"
    for i in reversed(range(5)):  # any order: each job writes only its own files
        st = lamina.prove_slice(d, run, i, out)
        assert st["index"] == i and st["slice_count"] == 5
    assert lamina.verify(d, out)["verified"] is True
    for i in range(5):
        assert (out / f"slice_{i}.proof").read_bytes() == (p / f"slice_{i}.proof").read_bytes()


def test_the_gil_is_released_while_proving(compiled, tmp_path):
    d, _ = compiled
    x = first_input()
    started, result = threading.Event(), {}

    def work():
        started.set()
        result["st"] = lamina.prove(d, x, tmp_path / "gil")

    t = threading.Thread(target=work)
    t.start()
    started.wait()
    ticks = 0
    while t.is_alive():
        ticks += 1
    t.join()
    assert result["st"]["format"] == "lamina-proof/2"
    # With the GIL held for the whole proof this thread could not run at all meanwhile.
    assert ticks > 10_000, ticks


def test_a_prepared_verifier_checks_like_verify(compiled, tmp_path):
    d, p = compiled
    v = lamina.Verifier(d)
    a, b = v.verify(p), lamina.verify(d, p)
    assert a["verified"] is True
    assert {k: x for k, x in a.items() if k != "slices"} == \
        {k: x for k, x in b.items() if k != "slices"}
    assert [(s["index"], s["verified"]) for s in a["slices"]] == \
        [(s["index"], s["verified"]) for s in b["slices"]]
    with pytest.raises(lamina.LaminaError, match="not the pinned"):
        lamina.Verifier(d, model_digest="00" * 32)
    with pytest.raises(lamina.LaminaError, match="statement.json"):
        v.verify(tmp_path)


def test_calibrated_compile_where_the_worst_case_overflows(tmp_path):
    with pytest.raises(lamina.LaminaError, match="would overflow"):
        lamina.compile(LENET, tmp_path / "w", input_range=(-64, 64))
    meta = lamina.compile(LENET, tmp_path / "c", input_range=(-64, 64), calibrate=INPUTS,
                          margin=1.5)
    assert meta["calibration"]["margin"] == 1.5 and meta["calibration"]["bounds"]
    x = json.loads(INPUTS.read_text())["input_data"][0]
    lamina.prove(tmp_path / "c", x, tmp_path / "p")
    assert lamina.verify(tmp_path / "c", tmp_path / "p")["verified"] is True


def test_a_slice_prover_reuses_loaded_slices_and_proves_the_same_bytes(compiled, tmp_path):
    d, p = compiled
    run = tmp_path / "run"
    lamina.witness(d, first_input(), run)
    sp = lamina.SliceProver(d)
    meta = json.loads((d / "model.json").read_text())
    assert sp.vk_digest == meta["vk_digest"]
    for k in range(2):  # the second round uses the slices loaded in the first
        out = tmp_path / f"out{k}"
        for i in (4, 2):
            st = sp.prove_slice(run, i, out)
            assert st["vk_digest"] == meta["vk_digest"]
            assert (out / f"slice_{i}.proof").read_bytes() == (p / f"slice_{i}.proof").read_bytes()
    with pytest.raises(lamina.LaminaError, match="has 5 slices"):
        sp.prove_slice(run, 7, tmp_path / "x")
