#!/usr/bin/env python3
"""Random-weight CIFAR-shaped ONNX models for the scale table (issue 11).

    python3 benches/models/make_models.py [OUT_DIR] [--only NAME[,NAME...]] [--check-onnxruntime]

Needs only `onnx` and `numpy` (benches/scale/scale_table.sh makes a venv with
onnx==1.22.0 numpy==2.4.6 when they are missing); nothing is downloaded. OUT_DIR defaults
to benches/models/out/ (git-ignored). Writes there:

  NAME.onnx     opset 18, input `input` [1,3,32,32] float32, output `logits` [1,10],
                weights inline; only ops lamina imports (Conv, BatchNormalization, Relu,
                MaxPool, GlobalAveragePool, Add, Flatten, Gemm)
  inputs.json   {"input_data": [[3072 floats], x4]}: uniform in [-1, 1], seeded; for
                `lamina run --input` (the first one) and `--calibrate` (all four)
  models.json   per model: file, MACs, parameters, layer count, max |activation|

| model        | layout                                                            | MACs     | params* |
|--------------|-------------------------------------------------------------------|----------|---------|
| lenet4x      | LeNet with 4x channels: conv5 24, pool, conv5 64, pool, FC 120-84-10 | 5.45 M | 0.24 M |
| resnet8      | conv 16, basic blocks 16 / 32 s2 / 64 s2 (BN, residual Add), GAP, FC | 12.5 M | 0.08 M |
| vgg_small    | conv3 32-32, pool, 64-64, pool, 128, pool, FC 10                   | 29.2 M   | 0.16 M  |
| vgg_small_2x | the same with 64-64, 128-128, 256                                  | 115 M    | 0.60 M  |
| vgg16        | VGG-16 for CIFAR with BN: 13 conv3 (64..512), FC 512-512-10        | 314 M    | 15.3 M  |
| resnet18     | ResNet-18 for CIFAR with BN: conv 64, [2,2,2,2] basic blocks, GAP, FC | 555 M | 11.2 M  |

*every initializer element: weights, biases and BatchNorm's four vectors.

`vgg_small` has 5 convolutions (the third stage is a single conv before its pool): that is
the net whose figures issue 11 gives (29.2 M MACs, and 115 M for 2x channels); a third
conv-conv-pool stage would make it 38.6 M / 153 M.

Weights are scaled like a trained net's: He-normal draws, then, on a seeded batch of 8
random inputs in [-1, 1] (the statistics batch, not the inputs written to inputs.json), a
convolution or FC layer without BatchNorm is rescaled so that its pre-activation has
unit standard deviation, and a BatchNorm gets that batch's per-channel mean and variance
as running statistics (gamma in [0.5, 1.5), beta ~ N(0, 0.1); the BN closing a residual
branch has gamma in [0.2, 0.6) so the residual sum grows slowly). The forward pass is
numpy's own (float64); every node's max |activation| on the four inputs of inputs.json is
checked to be in [0.1, 50] and the script fails otherwise.

Reproducible byte for byte with the pinned numpy (its Generator streams are what the
weights are drawn from): every constant derived from the float forward pass (a scale
factor, a BN mean or variance) is rounded to 4 significant digits before use, so the
last-bit differences between BLAS builds do not reach the files.
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
STATS = 8  # inputs of the statistics batch
CHECK = 4  # inputs written to inputs.json and used for the activation check
ACT_LO, ACT_HI = 0.1, 50.0


def rsig(a, digits=4):
    """Round to `digits` significant digits (float64 in, float64 out)."""
    a = np.asarray(a, np.float64)
    mag = np.abs(a)
    e = np.floor(np.log10(np.where(mag > 0, mag, 1.0)))
    q = 10.0 ** (e - (digits - 1))
    return np.round(a / q) * q


# ---------------------------------------------------------------- numpy reference ops


def conv2d(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    co, ci, kh, kw = w.shape
    assert ci == c, (x.shape, w.shape)
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    win = win[:, :, ::stride, ::stride]  # n, c, oh, ow, kh, kw
    y = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))  # n, oh, ow, co
    y = y.transpose(0, 3, 1, 2)
    if b is not None:
        y = y + b[None, :, None, None]
    return np.ascontiguousarray(y)


def maxpool2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


# ---------------------------------------------------------------- graph builder


class Net:
    """Builds the ONNX graph and runs numpy's forward pass on the same nodes."""

    def __init__(self, name, seed, xs):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], []
        self.macs = 0
        self.params = 0
        self.acts = {}  # tensor name -> max |value| over the check inputs
        self.count = 0
        self.x = ("input", xs)  # (tensor name, float64 values for STATS + CHECK inputs)

    def fresh(self, kind):
        self.count += 1
        return f"{kind}{self.count}"

    def const(self, name, arr, params=True):
        arr = np.asarray(arr, np.float32)
        self.inits.append(numpy_helper.from_array(arr, name))
        if params:
            self.params += arr.size
        return name

    def emit(self, op, inputs, value, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        self.acts[name] = float(np.abs(value[STATS:]).max())
        return (name, value)

    # -- layers

    def conv(self, x, cout, k=3, stride=1, pad=None, bn=False, relu=True, gamma=(0.5, 1.5)):
        """Conv (+ BN) (+ ReLU). Without BN the weights are rescaled for unit-std output."""
        xn, xv = x
        cin = xv.shape[1]
        pad = k // 2 if pad is None else pad
        w = self.rng.normal(0.0, np.sqrt(2.0 / (cin * k * k)), size=(cout, cin, k, k))
        if bn:
            w = w.astype(np.float32).astype(np.float64)
        y = conv2d(xv, w, None, stride, pad)
        oh, ow = y.shape[2], y.shape[3]
        self.macs += cout * cin * k * k * oh * ow
        c = self.fresh("conv")
        attrs = dict(kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)
        if bn:
            out = self.emit("Conv", [xn, self.const(c + ".w", w)], y, c, **attrs)
            out = self.batchnorm(out, gamma)
        else:
            f = rsig(1.0 / y[:STATS].std())
            w32 = (w * f).astype(np.float32)
            b32 = self.rng.normal(0.0, 0.1, size=cout).astype(np.float32)
            y = conv2d(xv, w32.astype(np.float64), b32.astype(np.float64), stride, pad)
            ins = [xn, self.const(c + ".w", w32), self.const(c + ".b", b32)]
            out = self.emit("Conv", ins, y, c, **attrs)
        return self.relu(out) if relu else out

    def batchnorm(self, x, gamma):
        xn, xv = x
        ch = xv.shape[1]
        s = xv[:STATS]
        mean = rsig(s.mean(axis=(0, 2, 3))).astype(np.float32)
        var = s.var(axis=(0, 2, 3))
        var = rsig(np.maximum(var, 1e-3 * var.mean() + 1e-12)).astype(np.float32)
        g = self.rng.uniform(gamma[0], gamma[1], size=ch).astype(np.float32)
        b = self.rng.normal(0.0, 0.1, size=ch).astype(np.float32)
        eps = np.float32(1e-5)
        mul = g.astype(np.float64) / np.sqrt(var.astype(np.float64) + float(eps))
        y = (xv - mean.astype(np.float64)[None, :, None, None]) * mul[None, :, None, None]
        y = y + b.astype(np.float64)[None, :, None, None]
        n = self.fresh("bn")
        ins = [xn] + [self.const(f"{n}.{p}", v) for p, v in
                      (("gamma", g), ("beta", b), ("mean", mean), ("var", var))]
        return self.emit("BatchNormalization", ins, y, n, epsilon=float(eps))

    def relu(self, x):
        return self.emit("Relu", [x[0]], np.maximum(x[1], 0.0), self.fresh("relu"))

    def maxpool(self, x):
        return self.emit("MaxPool", [x[0]], maxpool2(x[1]), self.fresh("pool"),
                         kernel_shape=[2, 2], strides=[2, 2])

    def gap(self, x):
        return self.emit("GlobalAveragePool", [x[0]], x[1].mean(axis=(2, 3), keepdims=True),
                         self.fresh("gap"))

    def add(self, a, b):
        return self.emit("Add", [a[0], b[0]], a[1] + b[1], self.fresh("add"))

    def flatten(self, x):
        v = x[1].reshape(x[1].shape[0], -1)
        return self.emit("Flatten", [x[0]], v, self.fresh("flatten"), axis=1)

    def fc(self, x, out, relu=True, name=None):
        xn, xv = x
        fan = xv.shape[1]
        w = self.rng.normal(0.0, np.sqrt(2.0 / fan), size=(out, fan))
        f = rsig(1.0 / (xv[:STATS] @ w.T).std())
        w32 = (w * f).astype(np.float32)
        b32 = self.rng.normal(0.0, 0.1, size=out).astype(np.float32)
        y = xv @ w32.astype(np.float64).T + b32.astype(np.float64)
        self.macs += fan * out
        n = name or self.fresh("fc")
        ins = [xn, self.const(n + ".w", w32), self.const(n + ".b", b32)]
        res = self.emit("Gemm", ins, y, n, transB=1)
        return self.relu(res) if relu else res

    def basic_block(self, x, cout, stride, bn=True):
        cin = x[1].shape[1]
        h = self.conv(x, cout, stride=stride, bn=bn)
        h = self.conv(h, cout, bn=bn, relu=False, gamma=(0.2, 0.6))
        if stride != 1 or cin != cout:
            sc = self.conv(x, cout, k=1, stride=stride, pad=0, bn=bn, relu=False,
                           gamma=(0.2, 0.6))
        else:
            sc = x
        return self.relu(self.add(h, sc))

    def model(self, out):
        """Renames the last tensor `logits` and returns the ModelProto."""
        last = self.nodes[-1]
        self.acts["logits"] = self.acts.pop(last.output[0])
        last.output[0] = "logits"
        assert out[1].shape[1:] == (10,), out[1].shape
        x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 32, 32])
        y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])
        g = helper.make_graph(self.nodes, self.name, [x], [y], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)],
                              producer_name="lamina benches/models/make_models.py")
        m.ir_version = 8
        return m


# ---------------------------------------------------------------- the models


def lenet4x(n):
    h = n.maxpool(n.conv(n.x, 24, k=5, pad=0))
    h = n.maxpool(n.conv(h, 64, k=5, pad=0))
    h = n.flatten(h)
    h = n.fc(h, 120)
    h = n.fc(h, 84)
    return n.fc(h, 10, relu=False)


def resnet(n, stem, stages, blocks):
    h = n.conv(n.x, stem, bn=True)
    for i, (c, b) in enumerate(zip(stages, blocks)):
        for j in range(b):
            h = n.basic_block(h, c, 2 if (i > 0 and j == 0) else 1)
    h = n.flatten(n.gap(h))
    return n.fc(h, 10, relu=False)


def vgg_small(n, c=32):
    h = n.maxpool(n.conv(n.conv(n.x, c), c))
    h = n.maxpool(n.conv(n.conv(h, 2 * c), 2 * c))
    h = n.maxpool(n.conv(h, 4 * c))
    return n.fc(n.flatten(h), 10, relu=False)


def vgg16(n):
    h = n.x
    for stage in ([64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]):
        for c in stage:
            h = n.conv(h, c, bn=True)
        h = n.maxpool(h)
    h = n.flatten(h)
    h = n.fc(h, 512)
    h = n.fc(h, 512)
    return n.fc(h, 10, relu=False)


MODELS = {  # name -> (seed, builder)
    "lenet4x": (4001, lenet4x),
    "resnet8": (4002, lambda n: resnet(n, 16, [16, 32, 64], [1, 1, 1])),
    "vgg_small": (4003, lambda n: vgg_small(n, 32)),
    "vgg_small_2x": (4004, lambda n: vgg_small(n, 64)),
    "vgg16": (4005, vgg16),
    "resnet18": (4006, lambda n: resnet(n, 64, [64, 128, 256, 512], [2, 2, 2, 2])),
}


def check_onnxruntime(path, xs, want):
    import onnxruntime as ort  # optional: only with --check-onnxruntime

    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = np.concatenate([sess.run(None, {"input": x[None].astype(np.float32)})[0] for x in xs])
    err = np.abs(got - want).max() / max(1.0, np.abs(want).max())
    print(f"  onnxruntime vs numpy: max relative error {err:.2e}")
    if err > 1e-3:
        raise SystemExit(f"{path}: onnxruntime and numpy's forward pass differ ({err:.2e})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", default=os.path.join(HERE, "out"))
    ap.add_argument("--only", help="comma-separated model names (default: all)")
    ap.add_argument("--check-onnxruntime", action="store_true",
                    help="also compare onnxruntime's logits with numpy's (needs onnxruntime)")
    a = ap.parse_args()
    names = list(MODELS) if not a.only else a.only.split(",")
    for nm in names:
        if nm not in MODELS:
            raise SystemExit(f"unknown model {nm!r}; known: {', '.join(MODELS)}")
    os.makedirs(a.out, exist_ok=True)

    rng = np.random.default_rng(2026_12)
    stats = rng.uniform(-1.0, 1.0, size=(STATS, 3, 32, 32)).astype(np.float32)
    check = rng.uniform(-1.0, 1.0, size=(CHECK, 3, 32, 32)).astype(np.float32)
    with open(os.path.join(a.out, "inputs.json"), "w") as f:
        rows = [",".join(repr(float(v)) for v in x.ravel()) for x in check]
        f.write('{"input_data": [\n[' + "],\n[".join(rows) + "]\n]}\n")
    xs = np.concatenate([stats, check]).astype(np.float64)

    manifest_path = os.path.join(a.out, "models.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    bad = []
    for nm in names:
        seed, build = MODELS[nm]
        n = Net(nm, seed, xs)
        out = build(n)
        m = n.model(out)
        onnx.checker.check_model(m, full_check=True)
        path = os.path.join(a.out, nm + ".onnx")
        onnx.save_model(m, path)
        lo = min(n.acts.values())
        hi = max(n.acts.values())
        outside = {k: v for k, v in n.acts.items() if not ACT_LO <= v <= ACT_HI}
        print(f"{nm:13s} {n.macs / 1e6:8.2f} M MACs {n.params / 1e6:7.3f} M params "
              f"{len(m.graph.node):4d} nodes  max|act| per node in [{lo:.3g}, {hi:.3g}]  "
              f"{os.path.getsize(path) / 1e6:.1f} MB")
        if outside:
            bad.append(f"{nm}: max |activation| outside [{ACT_LO}, {ACT_HI}]: {outside}")
        if a.check_onnxruntime:
            check_onnxruntime(path, check, out[1][STATS:])
        manifest[nm] = {"file": nm + ".onnx", "macs": n.macs, "params": n.params,
                        "nodes": len(m.graph.node), "max_abs_activation": [lo, hi],
                        "logits_max_abs": n.acts["logits"]}
    with open(manifest_path, "w") as f:
        json.dump({k: manifest[k] for k in MODELS if k in manifest}, f, indent=1)
        f.write("\n")
    if bad:
        raise SystemExit("\n".join(bad))


if __name__ == "__main__":
    sys.exit(main())
