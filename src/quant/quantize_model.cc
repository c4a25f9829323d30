// The int8 graph rewrite of `mai quantize` (see quantize_model.h).
#include "quant/quantize_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "backends/ref/mediapipe/transpose_conv_bias.h"
#include "ir/passes/fuse_activation.h"
#include "mai/session.h"
#include "quant/quant_math.h"
#include "tflite/model_builder.h"

namespace mai::quant {
namespace {

using ir::OpCode;

// How a node's tensors are quantized.
enum class Rule {
  kWeighted,     // conv-like: activation input, int8 weights, int32 bias
  kOwnRange,     // output from its own calibrated (or fixed) range
  kSameScale,    // output takes input 0's parameters
  kSharedMulti,  // several activation inputs share the output's parameters
};

struct WeightedLayout {
  int input = 0, weights = 1, bias = 2;
  int channel_dim = 0;
};

std::optional<Rule> RuleOf(OpCode op) {
  switch (op) {
    case OpCode::kConv2D:
    case OpCode::kDepthwiseConv2D:
    case OpCode::kFullyConnected:
    case OpCode::kTransposeConv:
      return Rule::kWeighted;
    case OpCode::kAdd:
    case OpCode::kSub:
    case OpCode::kMul:
    case OpCode::kMean:
    case OpCode::kRelu:
    case OpCode::kRelu6:
    case OpCode::kReluN1To1:
    case OpCode::kLogistic:
    case OpCode::kTanh:
    case OpCode::kSoftmax:
    case OpCode::kHardSwish:
    case OpCode::kLeakyRelu:
      return Rule::kOwnRange;
    case OpCode::kConcatenation:
    case OpCode::kMaximum:
    case OpCode::kMinimum:
      return Rule::kSharedMulti;
    case OpCode::kDepthToSpace:
    case OpCode::kSpaceToDepth:
    case OpCode::kResizeBilinear:
    case OpCode::kResizeNearestNeighbor:
    case OpCode::kMaxPool2D:
    case OpCode::kAveragePool2D:
    case OpCode::kReshape:
    case OpCode::kSqueeze:
    case OpCode::kExpandDims:
    case OpCode::kTranspose:
    case OpCode::kPad:
      return Rule::kSameScale;
    default:
      return std::nullopt;
  }
}

WeightedLayout LayoutOf(OpCode op) {
  switch (op) {
    case OpCode::kDepthwiseConv2D:
      return {0, 1, 2, 3};
    case OpCode::kTransposeConv:  // output_shape, weights, input[, bias]
      return {2, 1, 3, 0};
    default:
      return {0, 1, 2, 0};
  }
}

ir::QuantParams ToQuant(const AsymmetricParams& p) {
  ir::QuantParams q;
  q.scale = {p.scale};
  q.zero_point = {p.zero_point};
  return q;
}

bool SameParams(const AsymmetricParams& a, const AsymmetricParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point;
}

std::vector<uint8_t> Int8Bytes(const std::vector<int8_t>& v) {
  std::vector<uint8_t> b(v.size());
  if (!v.empty()) std::memcpy(b.data(), v.data(), v.size());
  return b;
}

class Rewriter {
 public:
  Rewriter(const ir::Graph& graph, const ir::Model& model,
           const std::vector<TensorRange>& ranges,
           const QuantizeOptions& options)
      : g_(graph),
        model_(model),
        ranges_(ranges),
        options_(options),
        params_(graph.tensors.size()),
        mapped_(graph.tensors.size(), -1) {}

  Result<std::vector<uint8_t>> Run(const std::vector<int>& live_nodes) {
    MAI_RETURN_IF_ERROR(AssignParams(live_nodes));
    MAI_RETURN_IF_ERROR(AddInputs());
    for (int n : live_nodes) MAI_RETURN_IF_ERROR(AddNode(n));
    MAI_RETURN_IF_ERROR(AddOutputs());
    AddSignatures();
    return b_.Build();
  }

 private:
  bool IsFloatActivation(int t) const {
    const ir::Tensor& x = g_.tensors[t];
    return x.dtype == DType::kFloat32 && !x.is_constant();
  }

  AsymmetricParams FromRange(int t) const {
    const TensorRange& r = ranges_[t];
    return ChooseInt8Asymmetric(r.min, r.max);
  }

  Status Unsupported(int n, const std::string& why) const {
    return Unimplemented("cannot quantize {}: {}", g_.NodeLabel(n), why);
  }

  // Activation parameters of every float tensor, in execution order.
  Status AssignParams(const std::vector<int>& live_nodes) {
    for (int t : g_.inputs) {
      if (IsFloatActivation(t)) params_[t] = FromRange(t);
    }
    for (int n : live_nodes) {
      const ir::Node& node = g_.nodes[n];
      const std::optional<Rule> rule = RuleOf(node.op);
      if (!rule) {
        return Unsupported(n,
                           fmt::format("{} has no int8 rewrite in mai quantize",
                                       node.OpName()));
      }
      for (int t : node.inputs) {
        if (t >= 0 && !g_.tensors[t].is_constant() &&
            g_.tensors[t].dtype != DType::kFloat32) {
          return Unsupported(
              n, fmt::format("input {} is {}, not float32", g_.TensorLabel(t),
                             DTypeName(g_.tensors[t].dtype)));
        }
        if (t >= 0 && IsFloatActivation(t) && !params_[t]) {
          return Internal("{} is read before it is written", g_.TensorLabel(t));
        }
      }
      std::vector<int> act_inputs;
      for (int t : node.inputs) {
        if (t >= 0 && IsFloatActivation(t)) act_inputs.push_back(t);
      }
      for (int t : node.outputs) {
        if (g_.tensors[t].dtype != DType::kFloat32) {
          return Unsupported(
              n, fmt::format("output {} is {}, not float32", g_.TensorLabel(t),
                             DTypeName(g_.tensors[t].dtype)));
        }
        if (auto fixed = FixedOutputRange(node.op)) {
          params_[t] = *fixed;
        } else if (*rule == Rule::kSameScale) {
          if (act_inputs.empty()) {
            return Unsupported(n, "its input is a constant");
          }
          params_[t] = params_[act_inputs[0]];
        } else if (*rule == Rule::kSharedMulti && act_inputs.size() == 1) {
          params_[t] = params_[act_inputs[0]];
        } else {
          params_[t] = FromRange(t);
        }
      }
    }
    return Status::Ok();
  }

  Status AddInputs() {
    for (int t : g_.inputs) {
      const ir::Tensor& x = g_.tensors[t];
      if (x.dtype != DType::kFloat32) {
        return Unimplemented("cannot quantize: model input {} is {}",
                             g_.TensorLabel(t), DTypeName(x.dtype));
      }
      if (options_.keep_float_io) {
        const int f = b_.AddInput(x.name, DType::kFloat32, x.shape, {},
                                  x.shape_signature);
        const int q = b_.AddTensor(x.name + "/int8", DType::kInt8, x.shape,
                                   ToQuant(*params_[t]));
        b_.AddOp(OpCode::kQuantize, {f}, {q});
        io_[t] = f;
        mapped_[t] = q;
      } else {
        const int q = b_.AddInput(x.name, DType::kInt8, x.shape,
                                  ToQuant(*params_[t]), x.shape_signature);
        io_[t] = q;
        mapped_[t] = q;
      }
    }
    return Status::Ok();
  }

  bool IsGraphOutput(int t) const {
    return std::find(g_.outputs.begin(), g_.outputs.end(), t) !=
           g_.outputs.end();
  }

  // A float constant as int8 with `p`.
  int AddQuantizedConstant(int t, const AsymmetricParams& p) {
    const ir::Tensor& x = g_.tensors[t];
    std::span<const float> v = x.ConstValues<float>();
    std::vector<int8_t> q(v.size());
    for (size_t i = 0; i < v.size(); ++i) q[i] = QuantizeInt8(v[i], p);
    return b_.AddConstantBytes(x.name, DType::kInt8, x.shape, Int8Bytes(q),
                               ToQuant(p));
  }

  int CopyConstant(int t) {
    const ir::Tensor& x = g_.tensors[t];
    std::vector<uint8_t> bytes(x.data, x.data + x.data_bytes);
    return b_.AddConstantBytes(x.name, x.dtype, x.shape, std::move(bytes),
                               x.quant);
  }

  AsymmetricParams ConstantOwnParams(int t) const {
    std::span<const float> v = g_.tensors[t].ConstValues<float>();
    float lo = 0.0f, hi = 0.0f;
    for (float x : v) {
      if (!std::isfinite(x)) continue;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    return ChooseInt8Asymmetric(lo, hi);
  }

  // Per-channel weights for the convolutions; FULLY_CONNECTED weights are
  // per-tensor, as TFLite's converter writes them: TFLite runtimes before
  // 2.10 (2.9 measured) read only the first scale of a per-channel dense
  // layer and give wrong results.
  bool PerChannel(int n) const {
    return options_.per_channel && g_.nodes[n].op != OpCode::kFullyConnected;
  }

  Result<std::vector<float>> WeightScales(int n, int t, int dim) const {
    const ir::Tensor& w = g_.tensors[t];
    const float* data = w.ConstValues<float>().data();
    if (PerChannel(n)) {
      return SymmetricPerChannelScales(data, w.shape, dim);
    }
    MAI_ASSIGN_OR_RETURN(int64_t count, NumElements(w.shape));
    float m = 0.0f;
    for (int64_t i = 0; i < count; ++i) m = std::max(m, std::fabs(data[i]));
    return std::vector<float>{m > 0.0f ? m / kWeightQuantMax : 1.0f};
  }

  Status AddNode(int n) {
    const ir::Node& node = g_.nodes[n];
    const Rule rule = *RuleOf(node.op);
    const AsymmetricParams out_params = *params_[node.outputs[0]];
    std::vector<int> inputs(node.inputs.size(), ir::kNoTensor);

    std::vector<float> weight_scales;
    const WeightedLayout layout = LayoutOf(node.op);
    if (rule == Rule::kWeighted) {
      const int wt = node.inputs.size() > static_cast<size_t>(layout.weights)
                         ? node.inputs[layout.weights]
                         : ir::kNoTensor;
      const int in = node.inputs.size() > static_cast<size_t>(layout.input)
                         ? node.inputs[layout.input]
                         : ir::kNoTensor;
      if (wt < 0 || !g_.tensors[wt].is_constant() ||
          g_.tensors[wt].dtype != DType::kFloat32) {
        return Unsupported(n, "its weights are not a float32 constant");
      }
      if (in < 0 || !IsFloatActivation(in)) {
        return Unsupported(n, "its input is not a float32 activation");
      }
      const ir::Tensor& w = g_.tensors[wt];
      MAI_ASSIGN_OR_RETURN(weight_scales,
                           WeightScales(n, wt, layout.channel_dim));
      MAI_ASSIGN_OR_RETURN(
          std::vector<int8_t> q,
          QuantizeWeightsPerChannel(w.ConstValues<float>().data(), w.shape,
                                    layout.channel_dim, weight_scales));
      ir::QuantParams wq;
      wq.scale = weight_scales;
      wq.zero_point.assign(weight_scales.size(), 0);
      wq.quantized_dimension = PerChannel(n) ? layout.channel_dim : 0;
      inputs[layout.weights] =
          b_.AddConstantBytes(w.name, DType::kInt8, w.shape, Int8Bytes(q), wq);

      const int bt = node.inputs.size() > static_cast<size_t>(layout.bias)
                         ? node.inputs[layout.bias]
                         : ir::kNoTensor;
      if (bt >= 0) {
        const ir::Tensor& bias = g_.tensors[bt];
        if (!bias.is_constant() || bias.dtype != DType::kFloat32) {
          return Unsupported(n, "its bias is not a float32 constant");
        }
        MAI_ASSIGN_OR_RETURN(int64_t count, NumElements(bias.shape));
        const int nb = static_cast<int>(count);
        if (weight_scales.size() > 1 &&
            static_cast<size_t>(nb) != weight_scales.size()) {
          return Unsupported(
              n, fmt::format("bias has {} values for {} output channels", nb,
                             weight_scales.size()));
        }
        const float in_scale = params_[in]->scale;
        MAI_ASSIGN_OR_RETURN(std::vector<int32_t> qb,
                             QuantizeBias(bias.ConstValues<float>().data(), nb,
                                          in_scale, weight_scales));
        ir::QuantParams bq;
        if (weight_scales.size() > 1) {
          bq.scale = BiasScales(nb, in_scale, weight_scales);
        } else {
          bq.scale = {in_scale * weight_scales[0]};
        }
        bq.zero_point.assign(bq.scale.size(), 0);
        inputs[layout.bias] =
            b_.AddConstant<int32_t>(bias.name, bias.shape, qb, bq);
      }
    }

    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int t = node.inputs[i];
      if (t < 0 || inputs[i] != ir::kNoTensor) continue;
      const ir::Tensor& x = g_.tensors[t];
      if (x.is_constant()) {
        if (x.dtype != DType::kFloat32) {
          inputs[i] = CopyConstant(t);  // shapes, axes, paddings
        } else if (rule == Rule::kSameScale || rule == Rule::kSharedMulti) {
          inputs[i] = AddQuantizedConstant(t, out_params);
        } else {
          inputs[i] = AddQuantizedConstant(t, ConstantOwnParams(t));
        }
        continue;
      }
      int q = mapped_[t];
      if (rule == Rule::kSharedMulti && !SameParams(*params_[t], out_params)) {
        const int r = b_.AddTensor(fmt::format("{}/requant{}", x.name, n),
                                   DType::kInt8, x.shape, ToQuant(out_params));
        b_.AddOp(OpCode::kQuantize, {q}, {r});
        q = r;
      }
      inputs[i] = q;
    }

    std::vector<int> outputs;
    for (int t : node.outputs) {
      const ir::Tensor& x = g_.tensors[t];
      const bool rename = options_.keep_float_io && IsGraphOutput(t);
      const int q = b_.AddTensor(rename ? x.name + "/int8" : x.name,
                                 DType::kInt8, x.shape, ToQuant(*params_[t]));
      mapped_[t] = q;
      outputs.push_back(q);
    }
    b_.AddOp(node.op, inputs, outputs, node.params, node.version);
    return Status::Ok();
  }

  Status AddOutputs() {
    for (int t : g_.outputs) {
      if (mapped_[t] < 0) {
        return Unimplemented("cannot quantize: model output {} is not computed",
                             g_.TensorLabel(t));
      }
      if (options_.keep_float_io) {
        const ir::Tensor& x = g_.tensors[t];
        const int f = b_.AddTensor(x.name, DType::kFloat32, x.shape);
        b_.AddOp(OpCode::kDequantize, {mapped_[t]}, {f});
        io_[t] = f;
      } else {
        io_[t] = mapped_[t];
      }
      b_.MarkOutput(io_[t]);
    }
    return Status::Ok();
  }

  void AddSignatures() {
    for (const ir::SignatureDef& s : model_.signatures) {
      if (s.subgraph_index != 0) continue;
      std::vector<std::pair<std::string, int>> in, out;
      bool ok = true;
      for (const ir::SignatureTensor& st : s.inputs) {
        auto it = io_.find(st.tensor_index);
        if (it == io_.end())
          ok = false;
        else
          in.emplace_back(st.name, it->second);
      }
      for (const ir::SignatureTensor& st : s.outputs) {
        auto it = io_.find(st.tensor_index);
        if (it == io_.end())
          ok = false;
        else
          out.emplace_back(st.name, it->second);
      }
      if (ok) b_.AddSignature(s.key, in, out);
    }
  }

  const ir::Graph& g_;
  const ir::Model& model_;
  const std::vector<TensorRange>& ranges_;
  const QuantizeOptions& options_;
  std::vector<std::optional<AsymmetricParams>> params_;
  std::vector<int> mapped_;  // source tensor -> int8 tensor
  std::map<int, int> io_;    // source I/O tensor -> model I/O tensor
  tflite::ModelBuilder b_;
};

// MediaPipe's Convolution2DTransposeBias (input, weights, bias; custom
// options padding/stride) has no int8 form; TFLite's builtin TRANSPOSE_CONV
// with its optional bias input computes the same thing when both place the
// output the same way. Rewrites such nodes into TRANSPOSE_CONV (adding the
// output_shape constant) where the leading padding TFLite derives from the
// output size equals MediaPipe's; others are left (and refused later).
Status RewriteMediaPipeTransposeConvs(ir::Graph& g,
                                      const std::vector<int>& live_nodes) {
  for (int n : live_nodes) {
    ir::Node& node = g.nodes[n];
    if (node.op != OpCode::kCustom ||
        node.custom_name != "Convolution2DTransposeBias" ||
        node.inputs.size() != 3 || node.outputs.size() != 1) {
      continue;
    }
    auto options = backends::ref::mediapipe::ParseTransposeConvBiasOptions(
        node.custom_options);
    if (!options.ok()) continue;
    const ir::Tensor& in = g.tensors[node.inputs[0]];
    const ir::Tensor& w = g.tensors[node.inputs[1]];
    const ir::Tensor& out = g.tensors[node.outputs[0]];
    if (in.shape.size() != 4 || w.shape.size() != 4 || out.shape.size() != 4) {
      continue;
    }
    // MediaPipe: SAME crops max(0, K - (H - 1) % s - 1), half before.
    // TFLite: pad_before = max(0, (conv_out - 1) * s + K - OH) / 2 with
    // conv_out = ceil(OH / s) (SAME) or (OH + s - K) / s (VALID).
    auto same_placement = [&](int64_t h, int64_t k, int64_t s, int64_t oh) {
      const int64_t mp_pad =
          options->same ? std::max<int64_t>(0, k - (h - 1) % s - 1) : 0;
      const int64_t conv_out =
          options->same ? (oh + s - 1) / s : (oh + s - k) / s;
      const int64_t tfl_total =
          std::max<int64_t>(0, (conv_out - 1) * s + k - oh);
      return conv_out == h && mp_pad / 2 == tfl_total / 2;
    };
    if (!same_placement(in.shape[1], w.shape[1], options->stride_h,
                        out.shape[1]) ||
        !same_placement(in.shape[2], w.shape[2], options->stride_w,
                        out.shape[2])) {
      continue;
    }
    ir::Tensor shape_tensor;
    shape_tensor.name = out.name + "/output_shape";
    shape_tensor.dtype = DType::kInt32;
    shape_tensor.shape = {4};
    std::vector<int32_t> dims(out.shape.begin(), out.shape.end());
    std::vector<uint8_t> bytes(dims.size() * sizeof(int32_t));
    std::memcpy(bytes.data(), dims.data(), bytes.size());
    shape_tensor.SetOwnedData(std::move(bytes));
    const int shape_index = static_cast<int>(g.tensors.size());
    g.tensors.push_back(std::move(shape_tensor));
    ir::TransposeConvParams params;
    params.padding = options->same ? ir::Padding::kSame : ir::Padding::kValid;
    params.stride_h = options->stride_h;
    params.stride_w = options->stride_w;
    ir::Node& rewritten = g.nodes[n];  // `node` still valid: only tensors grew
    rewritten.inputs = {shape_index, rewritten.inputs[1], rewritten.inputs[0],
                        rewritten.inputs[2]};
    rewritten.op = OpCode::kTransposeConv;
    rewritten.custom_name.clear();
    rewritten.custom_options.clear();
    rewritten.params = params;
    rewritten.version = 3;  // the bias input
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<uint8_t>> QuantizeModel(
    const std::vector<uint8_t>& float_tflite, const QuantizeOptions& options) {
  SessionOptions so;
  so.backend = "ref";
  so.optimize_graph = false;
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                       Session::LoadBytes(float_tflite, so));
  MAI_RETURN_IF_ERROR(session->Prepare());
  // The prepared graph (folded constants dense float32), with activations
  // fused into their producers as TFLite's converter does: a standalone
  // int8 RELU would rescale between two different ranges and multiply every
  // rounding difference of its input (measured: 1 step after a convolution
  // became 3–7 after the RELU). Tensor indices are unchanged, so the
  // calibrated ranges still apply (a fused producer now writes the
  // activation's output tensor, whose range is the post-activation one).
  ir::Graph graph = session->graph();
  std::vector<int> live_nodes;
  for (int n = 0; n < static_cast<int>(graph.nodes.size()); ++n) {
    if (session->node_backend(n) != "folded") live_nodes.push_back(n);
  }
  if (options.fuse_activations) ir::FuseActivations(graph, live_nodes);

  MAI_ASSIGN_OR_RETURN(
      RangeCollector collector,
      Calibrate(float_tflite, options.calibration, options.calibration_run));
  MAI_ASSIGN_OR_RETURN(std::vector<TensorRange> ranges,
                       collector.Ranges(options.method, options.range));
  if (ranges.size() != graph.tensors.size()) {
    return Internal("calibration saw {} tensors, the graph has {}",
                    ranges.size(), graph.tensors.size());
  }

  MAI_RETURN_IF_ERROR(RewriteMediaPipeTransposeConvs(graph, live_nodes));
  Rewriter rewriter(graph, session->model(), ranges, options);
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, rewriter.Run(live_nodes));

  // The result must load and prepare in mai.
  auto check = Session::LoadBytes(bytes, SessionOptions{});
  if (!check.ok()) {
    return Internal("the quantized model does not load: {}",
                    check.status().message());
  }
  Status prepared = (*check)->Prepare();
  if (!prepared.ok()) {
    return Internal("the quantized model does not prepare: {}",
                    prepared.message());
  }
  return bytes;
}

double Psnr(const std::vector<float>& actual,
            const std::vector<float>& expected) {
  if (expected.empty()) return std::numeric_limits<double>::infinity();
  double lo = expected[0], hi = expected[0], se = 0.0;
  for (size_t i = 0; i < expected.size(); ++i) {
    lo = std::min<double>(lo, expected[i]);
    hi = std::max<double>(hi, expected[i]);
    const double d = static_cast<double>(actual[i]) - expected[i];
    se += d * d;
  }
  const double mse = se / static_cast<double>(expected.size());
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  const double peak = hi > lo ? hi - lo : 1.0;
  return 10.0 * std::log10(peak * peak / mse);
}

namespace {

std::vector<float> OutputAsFloat(const Session& s, int i) {
  const TensorInfo info = s.outputs()[i];
  if (info.dtype == DType::kFloat32) {
    auto v = s.output<float>(i);
    return {v.begin(), v.end()};
  }
  auto q = s.output<int8_t>(i);
  const float scale = info.quant.scale.empty() ? 1.0f : info.quant.scale[0];
  const int64_t zp =
      info.quant.zero_point.empty() ? 0 : info.quant.zero_point[0];
  std::vector<float> v(q.size());
  for (size_t k = 0; k < q.size(); ++k) v[k] = scale * (q[k] - zp);
  return v;
}

}  // namespace

Result<std::vector<std::vector<float>>> SeededFloatInputs(
    const std::vector<uint8_t>& float_tflite, uint32_t seed) {
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> fs,
                       Session::LoadBytes(float_tflite));
  MAI_RETURN_IF_ERROR(fs->Prepare());
  std::vector<std::vector<float>> inputs;
  for (int i = 0; i < fs->num_inputs(); ++i) {
    std::vector<float> values(fs->input_data(i).size() / sizeof(float));
    FillDeterministic(DType::kFloat32, seed, i,
                      {reinterpret_cast<uint8_t*>(values.data()),
                       values.size() * sizeof(float)});
    inputs.push_back(std::move(values));
  }
  return inputs;
}

Result<std::vector<OutputError>> CompareQuantized(
    const std::vector<uint8_t>& float_tflite,
    const std::vector<uint8_t>& quantized_tflite, uint32_t seed) {
  MAI_ASSIGN_OR_RETURN(std::vector<std::vector<float>> inputs,
                       SeededFloatInputs(float_tflite, seed));
  return CompareQuantized(float_tflite, quantized_tflite, inputs);
}

Result<std::vector<OutputError>> CompareQuantized(
    const std::vector<uint8_t>& float_tflite,
    const std::vector<uint8_t>& quantized_tflite,
    const std::vector<std::vector<float>>& inputs) {
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> fs,
                       Session::LoadBytes(float_tflite));
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> qs,
                       Session::LoadBytes(quantized_tflite));
  MAI_RETURN_IF_ERROR(fs->Prepare());
  MAI_RETURN_IF_ERROR(qs->Prepare());
  if (fs->num_inputs() != qs->num_inputs() ||
      fs->num_outputs() != qs->num_outputs()) {
    return InvalidArgument(
        "the models differ in inputs/outputs ({}/{} and {}/{})",
        fs->num_inputs(), fs->num_outputs(), qs->num_inputs(),
        qs->num_outputs());
  }
  if (static_cast<int>(inputs.size()) != fs->num_inputs()) {
    return InvalidArgument("{} inputs given, the model has {}", inputs.size(),
                           fs->num_inputs());
  }
  const std::vector<TensorInfo> q_inputs = qs->inputs();
  for (int i = 0; i < fs->num_inputs(); ++i) {
    std::span<uint8_t> fb = fs->input_data(i);
    if (inputs[i].size() * sizeof(float) != fb.size()) {
      return InvalidArgument("input {} has {} values, the model needs {}", i,
                             inputs[i].size(), fb.size() / sizeof(float));
    }
    std::memcpy(fb.data(), inputs[i].data(), fb.size());
    std::span<uint8_t> qb = qs->input_data(i);
    const TensorInfo& qi = q_inputs[i];
    if (qi.dtype == DType::kFloat32 && qb.size() == fb.size()) {
      std::memcpy(qb.data(), fb.data(), fb.size());
    } else if (qi.dtype == DType::kInt8 && qb.size() * 4 == fb.size() &&
               !qi.quant.empty()) {
      AsymmetricParams p;
      p.scale = qi.quant.scale[0];
      p.zero_point = static_cast<int32_t>(qi.quant.zero_point[0]);
      const float* x = inputs[i].data();
      for (size_t k = 0; k < qb.size(); ++k) {
        qb[k] = static_cast<uint8_t>(QuantizeInt8(x[k], p));
      }
    } else {
      return InvalidArgument(
          "input {} of the quantized model ({}) does not "
          "match the float one",
          i, qi.name);
    }
  }
  MAI_RETURN_IF_ERROR(fs->Invoke());
  MAI_RETURN_IF_ERROR(qs->Invoke());
  std::vector<OutputError> errors;
  const std::vector<TensorInfo> f_outputs = fs->outputs();
  for (int i = 0; i < fs->num_outputs(); ++i) {
    const std::vector<float> expected = OutputAsFloat(*fs, i);
    const std::vector<float> actual = OutputAsFloat(*qs, i);
    if (actual.size() != expected.size()) {
      return InvalidArgument("output {} sizes differ ({} and {})", i,
                             expected.size(), actual.size());
    }
    OutputError e;
    e.name = f_outputs[i].name;
    double se = 0.0;
    for (size_t k = 0; k < expected.size(); ++k) {
      const double d = std::fabs(static_cast<double>(actual[k]) - expected[k]);
      e.max_abs_error = std::max(e.max_abs_error, d);
      se += d * d;
    }
    e.mse = expected.empty() ? 0.0 : se / static_cast<double>(expected.size());
    e.psnr_db = Psnr(actual, expected);
    errors.push_back(e);
  }
  return errors;
}

}  // namespace mai::quant
