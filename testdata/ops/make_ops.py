"""Small one-feature ONNX models with onnxruntime's outputs, for blueprints/tests/ops.rs.

Each case is a folder with `model.onnx` (and external data where the case needs it) and
`io.txt`: four lines, the input dims, the input values, the output dims and onnxruntime's
output values (whitespace-separated). Inputs are seeded uniform in [-1, 1].

Regenerate (onnx 1.22.0, onnxruntime, numpy):
    python3 -m venv /tmp/ops-venv && /tmp/ops-venv/bin/pip install onnx==1.22.0 onnxruntime numpy
    /tmp/ops-venv/bin/python testdata/ops/make_ops.py
"""

import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(8)
OPSET = 18


def w(*shape, scale=0.5):
    return (rng.uniform(-1, 1, size=shape) * scale).astype(np.float32)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def save(name, nodes, inits, in_dims, out_dims=None, opset=OPSET, in_sym=None,
         external=False, extra_inputs=(), value_info=(), outs=("y",)):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    ishape = list(in_dims)
    if in_sym:
        ishape[0] = in_sym
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ishape)
    ys = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs]
    g = helper.make_graph(nodes, name, [x, *extra_inputs], ys, inits, value_info=list(value_info))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    path = os.path.join(d, "model.onnx")
    if external:
        onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="model.onnx.data", size_threshold=0)
    else:
        onnx.save_model(m, path)
    xv = rng.uniform(-1, 1, size=in_dims).astype(np.float32)
    res = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": xv})
    # Several outputs: lamina proves their concatenation, flattened, in graph order.
    out = res[0] if len(res) == 1 else np.concatenate([r.ravel() for r in res])
    with open(os.path.join(d, "io.txt"), "w") as f:
        for a in (list(in_dims), xv.ravel().tolist(), list(out.shape), out.ravel().tolist()):
            f.write(" ".join(repr(float(v)) if isinstance(v, float) else str(v) for v in a) + "\n")


N = helper.make_node

# Broadcasting (issue 8's wrong functions): 9 values, and broadcast on the last axis.
save("add_broadcast_rows_cols", [N("Add", ["x", "C"], ["y"])], [init("C", w(1, 1, 3))], [1, 3, 1])
save("add_broadcast_last_axis", [N("Add", ["x", "C"], ["y"])], [init("C", w(4))], [1, 4, 1, 1])
save("sub_const_first", [N("Sub", ["C", "x"], ["y"])], [init("C", w(3, 1))], [1, 2, 3, 4])
# Residual: conv → relu → conv, added to the first conv's output (activation + activation).
save("residual_add", [
    N("Conv", ["x", "W1", "B1"], ["a"], pads=[1, 1, 1, 1]),
    N("Relu", ["a"], ["r"]),
    N("Conv", ["r", "W2"], ["b"], pads=[1, 1, 1, 1]),
    N("Add", ["a", "b"], ["s"]),
    N("Relu", ["s"], ["y"]),
], [init("W1", w(3, 2, 3, 3)), init("B1", w(3, scale=0.1)), init("W2", w(3, 3, 3, 3, scale=0.3))], [1, 2, 6, 6])
save("conv_depthwise_stride", [N("Conv", ["x", "W", "B"], ["y"], group=4, strides=[2, 2], pads=[1, 1, 1, 1])],
     [init("W", w(4, 1, 3, 3)), init("B", w(4, scale=0.1))], [1, 4, 7, 7])
save("conv_grouped_dilated", [N("Conv", ["x", "W"], ["y"], group=2, dilations=[2, 2], pads=[2, 1, 2, 1])],
     [init("W", w(4, 1, 3, 3))], [1, 2, 7, 6])
save("conv_same_upper_stride", [N("Conv", ["x", "W"], ["y"], strides=[2, 2], auto_pad="SAME_UPPER")],
     [init("W", w(2, 2, 2, 3))], [1, 2, 7, 6])
save("conv1d", [N("Conv", ["x", "W", "B"], ["y"], pads=[1, 2], strides=[2])],
     [init("W", w(3, 2, 4)), init("B", w(3, scale=0.1))], [1, 2, 11])
save("conv_bn_relu_folded", [
    N("Conv", ["x", "W"], ["c"]),
    N("BatchNormalization", ["c", "g", "b", "m", "v"], ["n"], epsilon=1e-3),
    N("Relu", ["n"], ["y"]),
], [init("W", w(3, 2, 3, 3)), init("g", w(3) + 1), init("b", w(3, scale=0.2)), init("m", w(3, scale=0.2)),
    init("v", np.abs(w(3)) + 0.5)], [1, 2, 5, 5])
save("batchnorm_alone", [
    N("Add", ["x", "x"], ["a"]),
    N("BatchNormalization", ["a", "g", "b", "m", "v"], ["y"]),
], [init("g", w(3) + 1), init("b", w(3, scale=0.2)), init("m", w(3, scale=0.2)), init("v", np.abs(w(3)) + 0.5)],
    [1, 3, 2, 2])
save("gemm_alpha_beta_trans_a", [N("Gemm", ["x", "B", "C"], ["y"], alpha=0.5, beta=2.0, transA=1)],
     [init("B", w(4, 3)), init("C", w(2, 1, scale=0.2))], [4, 2])
save("gemm_bn", [
    N("Gemm", ["x", "B"], ["g"], transB=1),
    N("BatchNormalization", ["g", "s", "b", "m", "v"], ["y"]),
], [init("B", w(5, 6)), init("s", w(5) + 1), init("b", w(5, scale=0.2)), init("m", w(5, scale=0.2)),
    init("v", np.abs(w(5)) + 0.5)], [1, 6])
save("matmul_const", [N("MatMul", ["x", "W"], ["y"])], [init("W", w(4, 5))], [1, 3, 4])
save("mul_div_chain", [
    N("Mul", ["x", "M"], ["a"]),
    N("Div", ["a", "D"], ["b"]),
    N("Div", ["b", "E"], ["y"]),
], [init("M", w(1, 3, 1, 1) * 3), init("D", np.array(4.0, np.float32)), init("E", np.array(-0.3, np.float32))],
    [1, 3, 2, 2])
save("mul_activations", [N("Mul", ["x", "x"], ["y"])], [], [1, 2, 3])
save("avgpool_pads_ceil", [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                             ceil_mode=1)], [], [1, 2, 6, 6])
save("avgpool_count_include_pad", [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                     count_include_pad=1)], [], [1, 2, 4, 4])
save("maxpool_ceil_dilated", [N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], dilations=[1, 2],
                                ceil_mode=1)], [], [1, 2, 7, 7])
save("maxpool_same_lower", [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER")],
     [], [1, 1, 6, 5])
save("global_pools", [
    N("GlobalAveragePool", ["x"], ["a"]),
    N("GlobalMaxPool", ["x"], ["b"]),
    N("Concat", ["a", "b"], ["y"], axis=1),
], [], [1, 3, 4, 5])
save("reduce_mean_sum_max", [
    N("ReduceMean", ["x", "A"], ["a"], keepdims=1),
    N("ReduceSum", ["x", "A"], ["b"], keepdims=1),
    N("ReduceMax", ["x", "A"], ["c"], keepdims=1),
    N("Concat", ["a", "b", "c"], ["y"], axis=1),
], [init("A", np.array([2, 3], np.int64))], [1, 2, 3, 4])
save("clip_leaky_prelu", [
    N("Clip", ["x", "lo", "hi"], ["a"]),
    N("LeakyRelu", ["a"], ["b"], alpha=0.1),
    N("PRelu", ["b", "S"], ["y"]),
], [init("lo", np.array(-0.5, np.float32)), init("hi", np.array(0.6, np.float32)), init("S", w(3, 1, 1))],
    [1, 3, 2, 2])
save("relu6", [N("Clip", ["x", "lo", "hi"], ["y"])],
     [init("lo", np.array(0.0, np.float32)), init("hi", np.array(0.5, np.float32))], [1, 8])
save("max_min", [
    N("Max", ["x", "C"], ["a"]),
    N("Min", ["a", "x", "D"], ["y"]),
], [init("C", w(3)), init("D", w(1, 3))], [1, 2, 3])
save("wiring", [
    N("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
    N("Slice", ["t", "st", "en", "ax", "sp"], ["s"]),
    N("Pad", ["s", "P", "V"], ["p"], mode="constant"),
    N("Pad", ["p", "P2"], ["r"], mode="reflect"),
    N("Split", ["r", "SP"], ["u", "v"], axis=3),
    N("Concat", ["v", "u", "K"], ["c"], axis=3),
    N("Gather", ["c", "I"], ["g"], axis=1),
    N("Unsqueeze", ["g", "U"], ["q"]),
    N("Squeeze", ["q", "U"], ["y"]),
], [init("st", np.array([4, 0], np.int64)), init("en", np.array([-100, 3], np.int64)),
    init("ax", np.array([1, 2], np.int64)), init("sp", np.array([-2, 1], np.int64)),
    init("P", np.array([0, 1, 0, 0, 0, 0, 1, 0], np.int64)), init("V", np.array(0.25, np.float32)),
    init("P2", np.array([0, 0, 1, 0, 0, 0, 1, 0], np.int64)), init("SP", np.array([1, 2], np.int64)),
    init("K", w(1, 4, 6, 2)), init("I", np.array([[0, 3], [-1, 1]], np.int64)), init("U", np.array([0], np.int64))],
    [1, 3, 6, 4])
# An old exporter's flatten: Shape → Gather → Unsqueeze → Concat → Reshape, then Gemm.
save("shape_chain_flatten", [
    N("Shape", ["x"], ["sh"]),
    N("Gather", ["sh", "zero"], ["n"], axis=0),
    N("Unsqueeze", ["n", "ax0"], ["nu"]),
    N("Concat", ["nu", "minus1"], ["tgt"], axis=0),
    N("Reshape", ["x", "tgt"], ["f"]),
    N("Gemm", ["f", "W", "B"], ["y"], transB=1),
], [init("zero", np.array(0, np.int64)), init("ax0", np.array([0], np.int64)),
    init("minus1", np.array([-1], np.int64)), init("W", w(3, 12)), init("B", w(3, scale=0.1))], [1, 3, 2, 2])
# What default exporters write: a symbolic batch, external-data weights, an initializer also
# listed as a graph input, Identity and Dropout, a float16 weight cast up, a Constant node.
W16 = helper.make_tensor_value_info("W2", TensorProto.FLOAT, [4, 6])
save("exporter_style", [
    N("Identity", ["x"], ["xi"]),
    N("Gemm", ["xi", "W1", "B1"], ["h"], transB=1),
    N("Dropout", ["h"], ["d"]),
    N("Relu", ["d"], ["r"]),
    N("Cast", ["H16"], ["H32"], to=TensorProto.FLOAT),
    N("Constant", [], ["k"], value=numpy_helper.from_array(np.array([0.5], np.float32))),
    N("Mul", ["r", "k"], ["rk"]),
    N("MatMul", ["rk", "H32"], ["y"]),
], [init("W1", w(6, 5)), init("B1", w(6, scale=0.1)), init("H16", w(6, 4).astype(np.float16)),
    init("W2", w(4, 6))], [1, 5], in_sym="batch", external=True, extra_inputs=[W16])
# Fixed batch N > 1 proven as the whole tensor.
save("batch3_conv_pool", [
    N("Conv", ["x", "W"], ["c"], pads=[1, 1, 1, 1]),
    N("MaxPool", ["c"], ["y"], kernel_shape=[2, 2], strides=[2, 2]),
], [init("W", w(2, 1, 3, 3))], [3, 1, 4, 4])
save("neg", [N("Neg", ["x"], ["y"])], [], [1, 2, 3])
save("matmul_activations", [
    N("Transpose", ["x"], ["t"], perm=[0, 2, 1]),
    N("MatMul", ["x", "t"], ["y"]),
], [], [2, 3, 4])
save("matmul_batched_const", [N("MatMul", ["x", "B"], ["y"])], [init("B", w(2, 4, 3))], [2, 1, 4])
save("matmul_const_left", [N("MatMul", ["A", "x"], ["y"])], [init("A", w(3, 4))], [1, 4, 2])
save("split_outputs", [N("Split", ["x", "S"], ["a", "b"], axis=1)], [init("S", np.array([1, 2], np.int64))],
     [1, 3, 2], outs=("b", "a"))
save("slice_backwards_clamped", [N("Slice", ["x", "st", "en", "ax", "sp"], ["y"])],
     [init("st", np.array([-100, 100], np.int64)), init("en", np.array([-1000, -1000], np.int64)),
      init("ax", np.array([1, 2], np.int64)), init("sp", np.array([-1, -2], np.int64))], [1, 3, 5])
save("pool3d", [
    N("MaxPool", ["x"], ["a"], kernel_shape=[2, 2, 2], strides=[1, 2, 2], dilations=[2, 1, 1], ceil_mode=1),
    N("AveragePool", ["a"], ["y"], kernel_shape=[1, 2, 2], pads=[0, 1, 1, 0, 1, 1], count_include_pad=0),
], [], [1, 2, 5, 5, 4])
save("avgpool_dilated", [N("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2], pads=[1, 1, 1, 1])],
     [], [1, 1, 6, 5], opset=19)
save("matmul_bn_relu", [
    N("MatMul", ["x", "W"], ["m"]),
    N("BatchNormalization", ["m", "s", "b", "mu", "v"], ["n"]),
    N("Relu", ["n"], ["y"]),
], [init("W", w(6, 4)), init("s", w(4) + 1), init("b", w(4, scale=0.2)), init("mu", w(4, scale=0.2)),
    init("v", np.abs(w(4)) + 0.5)], [2, 6])
print("ok")
