"""A ResNet-8-style CIFAR net (seeded random weights, BatchNorm, residual adds) and
onnxruntime's logits on seeded inputs, for `cargo run --release -p blueprints --example
calibrated`. Writes to the folder given (default /tmp/lamina-resnet8): model.onnx,
inputs.txt and logits.txt (one input / logit vector per line).

    /tmp/ops-venv/bin/python testdata/resnet8/make_resnet8.py /tmp/lamina-resnet8
"""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

out_dir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/lamina-resnet8"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 70
os.makedirs(out_dir, exist_ok=True)
rng = np.random.default_rng(18)
nodes, inits = [], []


def const(name, arr):
    inits.append(numpy_helper.from_array(np.asarray(arr, np.float32), name))
    return name


def conv_bn(x, cin, cout, stride, name, relu=True, k=3):
    fan = cin * k * k
    w = const(f"{name}.w", rng.normal(0, np.sqrt(2.0 / fan), size=(cout, cin, k, k)))
    c = f"{name}.c"
    nodes.append(helper.make_node("Conv", [x, w], [c], strides=[stride, stride], pads=[k // 2] * 4))
    bn = [const(f"{name}.{p}", v) for p, v in (
        ("g", rng.uniform(0.5, 1.5, cout)), ("b", rng.normal(0, 0.1, cout)),
        ("m", rng.normal(0, 0.1, cout)), ("v", rng.uniform(0.5, 1.5, cout)))]
    o = f"{name}.bn"
    nodes.append(helper.make_node("BatchNormalization", [c, *bn], [o]))
    if relu:
        r = f"{name}.relu"
        nodes.append(helper.make_node("Relu", [o], [r]))
        return r
    return o


def block(x, cin, cout, stride, name):
    h = conv_bn(x, cin, cout, stride, f"{name}.1")
    h = conv_bn(h, cout, cout, 1, f"{name}.2", relu=False)
    sc = x if (stride == 1 and cin == cout) else conv_bn(x, cin, cout, stride, f"{name}.sc", relu=False, k=1)
    s = f"{name}.add"
    nodes.append(helper.make_node("Add", [h, sc], [s]))
    r = f"{name}.out"
    nodes.append(helper.make_node("Relu", [s], [r]))
    return r


h = conv_bn("input", 3, 16, 1, "stem")
h = block(h, 16, 16, 1, "layer1")
h = block(h, 16, 32, 2, "layer2")
h = block(h, 32, 64, 2, "layer3")
nodes.append(helper.make_node("GlobalAveragePool", [h], ["gap"]))
nodes.append(helper.make_node("Flatten", ["gap"], ["flat"]))
fc_w = const("fc.w", rng.normal(0, 0.1, (10, 64)))
fc_b = const("fc.b", rng.normal(0, 0.01, 10))
nodes.append(helper.make_node("Gemm", ["flat", fc_w, fc_b], ["logits"], transB=1))
x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 32, 32])
y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])
m = helper.make_model(helper.make_graph(nodes, "resnet8", [x], [y], inits),
                      opset_imports=[helper.make_opsetid("", 18)])
m.ir_version = 8
path = os.path.join(out_dir, "model.onnx")
onnx.save_model(m, path)
xs = rng.uniform(-1, 1, size=(count, 1, 3, 32, 32)).astype(np.float32)
sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
with open(os.path.join(out_dir, "inputs.txt"), "w") as fi, open(os.path.join(out_dir, "logits.txt"), "w") as fl:
    for xv in xs:
        fi.write(" ".join(repr(float(v)) for v in xv.ravel()) + "\n")
        fl.write(" ".join(repr(float(v)) for v in sess.run(None, {"input": xv})[0].ravel()) + "\n")
macs = 0
print(f"wrote {path} and {count} inputs")
