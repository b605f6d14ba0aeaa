#!/usr/bin/env python3
"""Real PyTorch exports: models exported the default way, proven by lamina, compared with
onnxruntime.

Builds five small models with seeded random weights (no downloads), exports each with
PyTorch's default exporter — dynamic batch dimension, external-data weights
(`model.onnx` + `model.onnx.data`), opset 18 — and for each:

  * runs onnxruntime on N random inputs (the reference);
  * runs `lamina fidelity` on the same inputs (lamina's integer forward pass, the function
    the proofs prove) and reports the max logit error and the argmax agreement with
    onnxruntime;
  * proves and verifies the first inputs with `lamina run`, whole and `--slices layers`,
    and checks that the verified outputs equal the fidelity outputs and that sliced equals
    whole.

Torch is large, so this is not part of `cargo test`; run it with

    python3 -m venv /tmp/torch-venv
    /tmp/torch-venv/bin/pip install -r conformance/requirements-torch.txt
    /tmp/torch-venv/bin/python conformance/torch_models.py [--calibrate] [--models lenet,mlp]

Exit status 1 when any model is refused, any proof fails to verify, sliced differs from
whole, or a verified output differs from onnxruntime beyond --max-error.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def build_models():
    import torch
    from torch import nn

    class LeNet5(nn.Module):
        shape = (1, 1, 28, 28)

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            x = torch.relu(self.fc1(x))
            x = torch.relu(self.fc2(x))
            return self.fc3(x)

    class Mlp(nn.Module):
        shape = (1, 1, 28, 28)

        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(),
                                     nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))

        def forward(self, x):
            return self.net(x)

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.b1 = nn.BatchNorm2d(cout)
            self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.b2 = nn.BatchNorm2d(cout)
            self.short = None
            if stride != 1 or cin != cout:
                self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                           nn.BatchNorm2d(cout))

        def forward(self, x):
            y = torch.relu(self.b1(self.c1(x)))
            y = self.b2(self.c2(y))
            s = x if self.short is None else self.short(x)
            return torch.relu(y + s)

    class ResNet8(nn.Module):
        shape = (1, 3, 32, 32)

        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False),
                                      nn.BatchNorm2d(16), nn.ReLU())
            self.l1 = Block(16, 16, 1)
            self.l2 = Block(16, 32, 2)
            self.l3 = Block(32, 64, 2)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = self.l3(self.l2(self.l1(self.stem(x))))
            return self.fc(torch.flatten(self.pool(x), 1))

    class DepthwiseSeparable(nn.Module):
        shape = (1, 3, 32, 32)

        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(),
                nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False), nn.BatchNorm2d(16),
                nn.ReLU6(),
                nn.Conv2d(16, 32, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6(),
                nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))

        def forward(self, x):
            return self.net(x)

    class AvgPoolNet(nn.Module):
        shape = (1, 3, 32, 32)

        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
                nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                nn.Flatten(), nn.Linear(16, 10))

        def forward(self, x):
            return self.net(x)

    return {"lenet": LeNet5, "mlp": Mlp, "resnet8": ResNet8,
            "depthwise": DepthwiseSeparable, "avgpool": AvgPoolNet}


def export(name, cls, out: Path, seed: int):
    import torch

    torch.manual_seed(seed)
    model = cls()
    # Non-trivial BatchNorm statistics, as a trained model has.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    model.eval()
    x = torch.rand(cls.shape) * 2 - 1
    path = out / name / "model.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    # The default exporter (torch >= 2.9: dynamo), dynamic batch, weights as external data.
    torch.onnx.export(model, (x,), str(path), input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=18, external_data=True)
    return path, cls.shape


def lamina(args, *cmd):
    p = subprocess.run([args.lamina, *cmd, "--quiet"], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else
                           f"exit {p.returncode}")
    return json.loads(p.stdout)


def check(args, name, path: Path, shape, work: Path) -> dict:
    import onnxruntime as ort

    rng = np.random.default_rng(1)
    xs = rng.uniform(-1, 1, size=(args.inputs, *shape[1:])).astype(np.float32)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    ref = np.stack([sess.run(None, {"input": x[None]})[0].reshape(-1) for x in xs])
    inputs = work / f"{name}-inputs.json"
    inputs.write_text(json.dumps({"input_data": [x.reshape(-1).tolist() for x in xs]}))
    quant = ["--scale-bits", str(args.scale_bits), "--input-range=-1,1"]
    if args.calibrate:
        quant += ["--calibrate", str(inputs)]
    row = {"model": name}
    fid = lamina(args, "fidelity", str(path), "--inputs", str(inputs), *quant, "--json")
    per = fid["per_input"] if "per_input" in fid else fid["scales"][0]["per_input"]
    got = np.array([p["outputs"] for p in per], dtype=np.float64)
    row["max_logit_error"] = float(np.max(np.abs(got - ref)))
    row["argmax_agreement"] = float(np.mean(np.argmax(got, 1) == np.argmax(ref, 1)))
    for i in range(args.prove):
        one = work / f"{name}-input-{i}.json"
        one.write_text(json.dumps({"input_data": [xs[i].reshape(-1).tolist()]}))
        runs = {}
        for slices in ("whole", "layers"):
            doc = lamina(args, "run", str(path), "--input", str(one), "--slices", slices,
                         *quant, *([] if args.zk else ["--no-zk"]), "--json")
            if doc.get("verified") is not True:
                raise RuntimeError(f"{slices}: did not verify")
            runs[slices] = np.array(doc["outputs"], dtype=np.float64)
            row[f"{slices}_slices"] = len(doc["slices"])
            row[f"{slices}_prove_s"] = sum(s["stages"]["prove"]["wall_s"] for s in doc["slices"])
        if not np.array_equal(runs["whole"], runs["layers"]):
            raise RuntimeError(f"input {i}: sliced outputs differ from whole")
        if not np.allclose(runs["whole"], got[i], rtol=0, atol=1e-9):
            raise RuntimeError(f"input {i}: proven outputs differ from lamina's forward pass")
    return row


def main() -> int:
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lamina", default=str(here / "target" / "release" / "lamina"))
    ap.add_argument("--models", default="lenet,mlp,resnet8,depthwise,avgpool")
    ap.add_argument("--inputs", type=int, default=70, help="inputs compared with onnxruntime")
    ap.add_argument("--prove", type=int, default=1, help="inputs proven whole and sliced")
    ap.add_argument("--scale-bits", type=int, default=18)
    ap.add_argument("--calibrate", action="store_true",
                    help="size range checks from the inputs (lamina --calibrate)")
    ap.add_argument("--max-error", type=float, default=1e-3)
    ap.add_argument("--zk", action="store_true",
                    help="prove in zero knowledge (lamina's default; gates only, so the larger "
                         "nets are slow): without it the runs pass --no-zk, since this checks "
                         "the function")
    ap.add_argument("--keep", help="export the models into this folder and keep them")
    args = ap.parse_args()

    models = build_models()
    failed = False
    with tempfile.TemporaryDirectory(prefix="lamina-torch-") as tmp:
        out = Path(args.keep) if args.keep else Path(tmp)
        for name in args.models.split(","):
            path, shape = export(name, models[name], out, seed=0)
            data = path.with_name(path.name + ".data")
            try:
                row = check(args, name, path, shape, Path(tmp))
                ok = row["max_logit_error"] <= args.max_error and row["argmax_agreement"] == 1.0
                failed |= not ok
                row["status"] = "ok" if ok else "MISMATCH"
            except RuntimeError as e:
                failed = True
                row = {"model": name, "status": "FAILED", "reason": str(e)}
            row["external_data"] = data.exists()
            print(json.dumps(row), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
