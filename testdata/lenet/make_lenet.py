#!/usr/bin/env python3
"""Train LeNet (the DSperse paper's architecture) on scikit-learn's digits and export it.

Rerun (from the repository root; needs only PyPI packages, nothing is downloaded at run
time — the digits ship inside scikit-learn):

    python3 -m venv /tmp/lamina-venv
    /tmp/lamina-venv/bin/pip install -r testdata/lenet/requirements.txt
    /tmp/lamina-venv/bin/python testdata/lenet/make_lenet.py

Writes, next to this script:
  lenet.onnx            3x32x32 -> conv 6@5x5 -> ReLU -> maxpool 2 -> conv 16@5x5 -> ReLU
                        -> maxpool 2 -> Flatten -> Gemm 120 -> ReLU -> Gemm 84 -> ReLU -> Gemm 10
  inputs.json           {"input_data": [...]} : 100 held-out test images, flattened NCHW
  input.json            the first of them alone (for `lamina run`)
  expected.json         onnxruntime logits and true labels for inputs.json, test accuracy

The 8x8 digits (values 0..16) are upsampled 4x (nearest) to 32x32, copied to 3 channels
with per-channel gains (1, 0.8, 0.6) so the channels differ, and normalised to [-1, 1]
(x / 8 - 1), the range CIFAR-style models use. Training is plain numpy (Adam, 12 epochs,
fixed seeds), so the result is reproducible on one machine.
"""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(2026)


def load():
    d = load_digits()
    imgs = d.images.astype(np.float32)  # (N, 8, 8), 0..16
    big = np.kron(imgs, np.ones((1, 4, 4), dtype=np.float32))  # (N, 32, 32)
    gains = np.array([1.0, 0.8, 0.6], dtype=np.float32)[None, :, None, None]
    x = (big[:, None, :, :] * gains) / 8.0 - 1.0  # (N, 3, 32, 32) in [-1, 1]
    return train_test_split(x, d.target, test_size=0.2, random_state=0, stratify=d.target)


def im2col(x, k):
    n, c, h, w = x.shape
    v = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))  # n,c,oh,ow,k,k
    oh, ow = h - k + 1, w - k + 1
    return v.transpose(0, 2, 3, 1, 4, 5).reshape(n, oh * ow, c * k * k), oh, ow


def conv_f(x, W, b):
    cols, oh, ow = im2col(x, W.shape[2])
    out = cols @ W.reshape(W.shape[0], -1).T + b
    return out.transpose(0, 2, 1).reshape(x.shape[0], W.shape[0], oh, ow), cols


def conv_b(dout, x, W, cols):
    n, f, oh, ow = dout.shape
    k = W.shape[2]
    d2 = dout.reshape(n, f, oh * ow).transpose(0, 2, 1)
    dW = np.einsum("npf,npk->fk", d2, cols).reshape(W.shape)
    db = d2.sum(axis=(0, 1))
    dcols = (d2 @ W.reshape(f, -1)).reshape(n, oh, ow, x.shape[1], k, k)
    dx = np.zeros_like(x)
    for i in range(k):
        for j in range(k):
            dx[:, :, i:i + oh, j:j + ow] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dx, dW, db


def pool_f(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    m = r.max(axis=(3, 5))
    return m


def pool_b(dout, x, m):
    n, c, h, w = x.shape
    up = np.repeat(np.repeat(m, 2, axis=2), 2, axis=3)
    mask = (x == up).astype(x.dtype)
    mask /= np.repeat(np.repeat(mask.reshape(n, c, h // 2, 2, w // 2, 2).sum(axis=(3, 5)), 2, axis=2), 2, axis=3)
    return mask * np.repeat(np.repeat(dout, 2, axis=2), 2, axis=3)


def init():
    def he(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
    return {
        "W1": he((6, 3, 5, 5), 75), "B1": np.zeros(6, np.float32),
        "W2": he((16, 6, 5, 5), 150), "B2": np.zeros(16, np.float32),
        "W3": he((120, 400), 400), "B3": np.zeros(120, np.float32),
        "W4": he((84, 120), 120), "B4": np.zeros(84, np.float32),
        "W5": he((10, 84), 84), "B5": np.zeros(10, np.float32),
    }


def forward(p, x):
    c1, cols1 = conv_f(x, p["W1"], p["B1"])
    r1 = np.maximum(c1, 0)
    p1 = pool_f(r1)
    c2, cols2 = conv_f(p1, p["W2"], p["B2"])
    r2 = np.maximum(c2, 0)
    p2 = pool_f(r2)
    f = p2.reshape(x.shape[0], -1)  # NCHW flatten
    h3 = f @ p["W3"].T + p["B3"]
    r3 = np.maximum(h3, 0)
    h4 = r3 @ p["W4"].T + p["B4"]
    r4 = np.maximum(h4, 0)
    out = r4 @ p["W5"].T + p["B5"]
    return out, (x, c1, cols1, r1, p1, c2, cols2, r2, p2, f, h3, r3, h4, r4)


def backward(p, cache, dout):
    x, c1, cols1, r1, p1, c2, cols2, r2, p2, f, h3, r3, h4, r4 = cache
    g = {}
    g["W5"], g["B5"] = dout.T @ r4, dout.sum(0)
    d = (dout @ p["W5"]) * (h4 > 0)
    g["W4"], g["B4"] = d.T @ r3, d.sum(0)
    d = (d @ p["W4"]) * (h3 > 0)
    g["W3"], g["B3"] = d.T @ f, d.sum(0)
    d = (d @ p["W3"]).reshape(p2.shape)
    d = pool_b(d, r2, p2) * (c2 > 0)
    d, g["W2"], g["B2"] = conv_b(d, p1, p["W2"], cols2)
    d = pool_b(d, r1, p1) * (c1 > 0)
    _, g["W1"], g["B1"] = conv_b(d, x, p["W1"], cols1)
    return g


def train(xtr, ytr, epochs=12, batch=32, lr=1e-3):
    p = init()
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v2 = {k: np.zeros_like(v) for k, v in p.items()}
    t = 0
    for epoch in range(epochs):
        order = rng.permutation(len(xtr))
        loss_sum = 0.0
        for s in range(0, len(xtr), batch):
            idx = order[s:s + batch]
            out, cache = forward(p, xtr[idx])
            z = out - out.max(axis=1, keepdims=True)
            prob = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            loss_sum += -np.log(prob[np.arange(len(idx)), ytr[idx]] + 1e-12).sum()
            dout = prob
            dout[np.arange(len(idx)), ytr[idx]] -= 1
            dout /= len(idx)
            g = backward(p, cache, dout.astype(np.float32))
            t += 1
            for k in p:
                m[k] = 0.9 * m[k] + 0.1 * g[k]
                v2[k] = 0.999 * v2[k] + 0.001 * g[k] ** 2
                mh, vh = m[k] / (1 - 0.9 ** t), v2[k] / (1 - 0.999 ** t)
                p[k] = (p[k] - lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
        print(f"epoch {epoch + 1}: loss {loss_sum / len(xtr):.4f}")
    return p


def export(p, path):
    init_ = [numpy_helper.from_array(v, name=k) for k, v in p.items()]
    nodes = [
        helper.make_node("Conv", ["input", "W1", "B1"], ["c1"], name="conv1", kernel_shape=[5, 5], strides=[1, 1], pads=[0, 0, 0, 0]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "W2", "B2"], ["c2"], name="conv2", kernel_shape=[5, 5], strides=[1, 1], pads=[0, 0, 0, 0]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("MaxPool", ["r2"], ["p2"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p2"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "W3", "B3"], ["h3"], name="fc1", transB=1),
        helper.make_node("Relu", ["h3"], ["r3"], name="relu3"),
        helper.make_node("Gemm", ["r3", "W4", "B4"], ["h4"], name="fc2", transB=1),
        helper.make_node("Relu", ["h4"], ["r4"], name="relu4"),
        helper.make_node("Gemm", ["r4", "W5", "B5"], ["output"], name="fc3", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "lenet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])],
        init_,
    )
    model = helper.make_model(graph, producer_name="lamina-testdata", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    xtr, xte, ytr, yte = load()
    p = train(xtr, ytr)
    logits, _ = forward(p, xte)
    acc = float((logits.argmax(1) == yte).mean())
    print(f"test accuracy {acc:.4f} on {len(yte)} held-out images")
    path = os.path.join(HERE, "lenet.onnx")
    export(p, path)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    n = 100
    ort_logits = [sess.run(None, {"input": xte[i:i + 1]})[0][0].tolist() for i in range(n)]
    inputs = [xte[i].reshape(-1).tolist() for i in range(n)]
    with open(os.path.join(HERE, "inputs.json"), "w") as fh:
        json.dump({"input_data": inputs}, fh)
    with open(os.path.join(HERE, "input.json"), "w") as fh:
        json.dump({"input_data": [inputs[0]]}, fh)
    with open(os.path.join(HERE, "expected.json"), "w") as fh:
        json.dump({"logits": ort_logits, "labels": [int(v) for v in yte[:n]], "test_accuracy": acc,
                   "held_out": int(len(yte)), "source": "onnxruntime " + ort.__version__}, fh)
    print("wrote lenet.onnx, inputs.json, input.json, expected.json")


if __name__ == "__main__":
    main()
