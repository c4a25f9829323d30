#include "quant/layer_error.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <span>

#include "mai/session.h"
#include "quant/quant_math.h"

namespace mai::quant {
namespace {

Result<std::unique_ptr<Session>> RunKeepingTensors(
    const std::vector<uint8_t>& model,
    const std::vector<std::vector<float>>& inputs) {
  SessionOptions so;
  so.backend = "ref";
  so.keep_all_tensors = true;
  so.optimize_graph = false;
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> s,
                       Session::LoadBytes(model, so));
  MAI_RETURN_IF_ERROR(s->Prepare());
  if (static_cast<int>(inputs.size()) != s->num_inputs()) {
    return InvalidArgument("{} inputs given, the model has {}", inputs.size(),
                           s->num_inputs());
  }
  const std::vector<TensorInfo> infos = s->inputs();
  for (int i = 0; i < s->num_inputs(); ++i) {
    std::span<uint8_t> dst = s->input_data(i);
    const std::vector<float>& x = inputs[i];
    if (infos[i].dtype == DType::kFloat32 && dst.size() == x.size() * 4) {
      std::memcpy(dst.data(), x.data(), dst.size());
    } else if (infos[i].dtype == DType::kInt8 && dst.size() == x.size() &&
               !infos[i].quant.empty()) {
      AsymmetricParams p;
      p.scale = infos[i].quant.scale[0];
      p.zero_point = static_cast<int32_t>(infos[i].quant.zero_point[0]);
      for (size_t k = 0; k < x.size(); ++k) {
        dst[k] = static_cast<uint8_t>(QuantizeInt8(x[k], p));
      }
    } else {
      return InvalidArgument("input {} ({}) does not take {} float values", i,
                             infos[i].name, x.size());
    }
  }
  MAI_RETURN_IF_ERROR(s->Invoke());
  return s;
}

}  // namespace

Result<std::vector<LayerError>> CompareLayers(
    const std::vector<uint8_t>& float_tflite,
    const std::vector<uint8_t>& quantized_tflite,
    const std::vector<std::vector<float>>& inputs) {
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> fs,
                       RunKeepingTensors(float_tflite, inputs));
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> qs,
                       RunKeepingTensors(quantized_tflite, inputs));
  const ir::Graph& fg = fs->graph();
  const ir::Graph& qg = qs->graph();
  std::map<std::string, int> float_by_name;
  for (int t = 0; t < static_cast<int>(fg.tensors.size()); ++t) {
    const ir::Tensor& x = fg.tensors[t];
    if (x.dtype == DType::kFloat32 && !x.is_constant()) {
      float_by_name.emplace(x.name, t);
    }
  }
  // With float I/O the quantizer names the DEQUANTIZE output after the
  // float output; the int8 tensor it reads stands for that float tensor.
  std::map<int, std::string> dequantized_as;
  for (const ir::Node& node : qg.nodes) {
    if (node.op == ir::OpCode::kDequantize && !node.inputs.empty() &&
        !node.outputs.empty()) {
      dequantized_as[node.inputs[0]] = qg.tensors[node.outputs[0]].name;
    }
  }
  std::vector<LayerError> layers;
  for (int n = 0; n < static_cast<int>(qg.nodes.size()); ++n) {
    const ir::Node& node = qg.nodes[n];
    for (int t : node.outputs) {
      const ir::Tensor& q = qg.tensors[t];
      auto it = float_by_name.find(q.name);
      if (it == float_by_name.end() && dequantized_as.count(t) > 0) {
        it = float_by_name.find(dequantized_as[t]);
      }
      if (q.dtype != DType::kInt8 || q.quant.empty() ||
          it == float_by_name.end()) {
        continue;
      }
      std::span<const uint8_t> qb = qs->tensor_data(t);
      std::span<const uint8_t> fb = fs->tensor_data(it->second);
      if (qb.empty() || fb.size() != qb.size() * 4) continue;
      const double scale = q.quant.scale[0];
      const double zp = static_cast<double>(q.quant.zero_point[0]);
      const double lo = scale * (-128 - zp), hi = scale * (127 - zp);
      double signal = 0, noise = 0;
      int64_t clipped = 0;
      for (size_t k = 0; k < qb.size(); ++k) {
        float f;
        std::memcpy(&f, fb.data() + 4 * k, 4);
        const double d =
            scale * (static_cast<int8_t>(qb[k]) - zp) - static_cast<double>(f);
        signal += static_cast<double>(f) * f;
        noise += d * d;
        clipped += (f < lo - scale / 2 || f > hi + scale / 2) ? 1 : 0;
      }
      LayerError e;
      e.node = n;
      e.op = node.OpName();
      e.tensor = it->first;
      e.sqnr_db = noise == 0 ? std::numeric_limits<double>::infinity()
                             : 10 * std::log10(signal / noise);
      e.rmse = std::sqrt(noise / static_cast<double>(qb.size()));
      e.rmse_steps = e.rmse / scale;
      e.clipped = static_cast<double>(clipped) / static_cast<double>(qb.size());
      layers.push_back(e);
    }
  }
  return layers;
}

}  // namespace mai::quant
