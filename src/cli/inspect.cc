// `mai inspect MODEL`: what is inside a .tflite file, whether or not mai can
// run it.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "ir/op_cost.h"
#include "mai/session.h"
#include "tflite/model_reader.h"

namespace mai::cli {
namespace {

struct InspectOptions {
  std::string model;
  bool json = false;
  bool nodes = false;
  std::string backend = "auto";
};

std::string QuantToString(const ir::QuantParams& q) {
  if (q.empty()) return "";
  if (q.scale.size() == 1) {
    return fmt::format(" scale={:g} zero_point={}", q.scale[0],
                       q.zero_point.empty() ? 0 : q.zero_point[0]);
  }
  return fmt::format(" per-channel({} scales, dim {})", q.scale.size(),
                     q.quantized_dimension);
}

nlohmann::json TensorJson(const ir::Tensor& t, int index) {
  nlohmann::json j = {{"index", index},
                      {"name", t.name},
                      {"dtype", DTypeName(t.dtype)},
                      {"shape", t.shape}};
  if (!t.shape_signature.empty()) j["shape_signature"] = t.shape_signature;
  if (!t.quant.empty()) {
    j["quantization"] = {{"scale", t.quant.scale},
                         {"zero_point", t.quant.zero_point},
                         {"quantized_dimension", t.quant.quantized_dimension}};
  }
  return j;
}

int RunInspect(const InspectOptions& opt) {
  auto model = tflite::ReadModelFile(opt.model);
  if (!model.ok()) {
    fmt::print(stderr, "mai inspect: {}: {}\n", opt.model,
               model.status().message());
    return 1;
  }
  const ir::Graph& g = model->main_graph();

  // Op histogram, MACs and parameters from the file's static shapes.
  std::map<std::string, int> histogram;
  std::map<std::string, int64_t> macs_by_op;
  int64_t total_macs = 0;
  nlohmann::json nodes = nlohmann::json::array();
  for (int n = 0; n < static_cast<int>(g.nodes.size()); ++n) {
    const ir::Node& node = g.nodes[n];
    std::string name = node.OpName();
    histogram[name]++;
    int64_t macs = ir::NodeMacs(g, n);
    macs_by_op[name] += macs;
    total_macs += macs;
    nodes.push_back({{"index", n},
                     {"op", name},
                     {"version", node.version},
                     {"inputs", node.inputs},
                     {"outputs", node.outputs},
                     {"macs", macs}});
  }
  std::map<std::string, std::pair<int64_t, int64_t>>
      params;  // dtype -> (count, bytes)
  for (const ir::Tensor& t : g.tensors) {
    if (!t.is_constant()) continue;
    auto& p = params[std::string(DTypeName(t.dtype))];
    p.first += NumElementsUnchecked(t.shape);
    p.second += static_cast<int64_t>(t.data_bytes);
  }
  int64_t total_params = 0, total_param_bytes = 0;
  for (auto& [dtype, p] : params) {
    total_params += p.first;
    total_param_bytes += p.second;
  }

  // Planned arena and where each node runs: needs every op to be supported.
  std::string arena_text;
  nlohmann::json arena_json;
  SessionOptions so;
  so.backend = opt.backend;
  auto session = Session::LoadFile(opt.model, so);
  Status prepared = session.ok() ? (*session)->Prepare() : session.status();
  std::vector<std::string> node_backend(g.nodes.size());
  std::map<std::string, int> backend_counts;
  nlohmann::json fallbacks = nlohmann::json::array();
  if (prepared.ok()) {
    const Session& s = **session;
    MemoryStats m = s.memory();
    arena_text = fmt::format("{} bytes ({:.2f} MiB)", m.arena_bytes,
                             m.arena_bytes / 1048576.0);
    arena_json = {{"arena_bytes", m.arena_bytes},
                  {"folded_constant_bytes", m.folded_bytes}};
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      node_backend[n] = s.node_backend(static_cast<int>(n));
      backend_counts[node_backend[n]]++;
      nodes[n]["backend"] = node_backend[n];
    }
    for (const Session::Fallback& f : s.fallbacks()) {
      fallbacks.push_back(
          {{"node", f.node_index}, {"op", f.op}, {"reason", f.reason}});
    }
  } else {
    arena_text = "n/a (" + prepared.message() + ")";
    arena_json = {{"error", prepared.message()}};
  }

  if (opt.json) {
    nlohmann::json j;
    j["model"] = opt.model;
    j["version"] = model->version;
    j["description"] = model->description;
    j["subgraphs"] = model->subgraphs.size();
    nlohmann::json sigs = nlohmann::json::array();
    for (const ir::SignatureDef& s : model->signatures) {
      nlohmann::json in = nlohmann::json::object(),
                     out = nlohmann::json::object();
      for (auto& t : s.inputs) in[t.name] = t.tensor_index;
      for (auto& t : s.outputs) out[t.name] = t.tensor_index;
      sigs.push_back({{"key", s.key},
                      {"subgraph", s.subgraph_index},
                      {"inputs", in},
                      {"outputs", out}});
    }
    j["signatures"] = sigs;
    for (int t : g.inputs) j["inputs"].push_back(TensorJson(g.tensors[t], t));
    for (int t : g.outputs) j["outputs"].push_back(TensorJson(g.tensors[t], t));
    j["op_histogram"] = histogram;
    j["macs_by_op"] = macs_by_op;
    j["total_macs"] = total_macs;
    nlohmann::json pj = nlohmann::json::object();
    for (auto& [dtype, p] : params)
      pj[dtype] = {{"count", p.first}, {"bytes", p.second}};
    j["parameters"] = pj;
    j["total_parameters"] = total_params;
    j["nodes"] = nodes;
    j["memory_plan"] = arena_json;
    j["backend"] = opt.backend;
    j["nodes_by_backend"] = backend_counts;
    j["fallbacks"] = fallbacks;
    fmt::print("{}\n", j.dump(2));
    return 0;
  }

  fmt::print("model        {}\n", opt.model);
  fmt::print("version      {}   subgraphs {}   tensors {}   nodes {}\n",
             model->version, model->subgraphs.size(), g.tensors.size(),
             g.nodes.size());
  if (!model->description.empty())
    fmt::print("description  {}\n", model->description);
  for (const ir::SignatureDef& s : model->signatures) {
    fmt::print("signature    '{}' (subgraph {}, {} inputs, {} outputs)\n",
               s.key, s.subgraph_index, s.inputs.size(), s.outputs.size());
  }
  auto print_tensor = [&](const char* kind, int t) {
    const ir::Tensor& tensor = g.tensors[t];
    std::string sig =
        tensor.shape_signature.empty() || tensor.shape_signature == tensor.shape
            ? ""
            : " signature " + ShapeToString(tensor.shape_signature);
    fmt::print("{:<12} {} '{}' {} {}{}{}\n", kind, t, tensor.name,
               DTypeName(tensor.dtype), ShapeToString(tensor.shape), sig,
               QuantToString(tensor.quant));
  };
  for (int t : g.inputs) print_tensor("input", t);
  for (int t : g.outputs) print_tensor("output", t);
  fmt::print("\nops ({} nodes)\n", g.nodes.size());
  for (auto& [name, count] : histogram) {
    fmt::print("  {:<36} {:>5}   {:>14} MACs\n", name, count, macs_by_op[name]);
  }
  fmt::print("total MACs   {} ({:.3f} G)\n", total_macs, total_macs / 1e9);
  fmt::print("\nparameters   {} ({} bytes)\n", total_params, total_param_bytes);
  for (auto& [dtype, p] : params) {
    fmt::print("  {:<10} {:>12} values {:>12} bytes\n", dtype, p.first,
               p.second);
  }
  fmt::print("\narena        {}\n", arena_text);
  if (prepared.ok()) {
    std::string counts;
    for (auto& [name, count] : backend_counts)
      counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", count, name);
    fmt::print("backend      {}: {}\n", opt.backend, counts);
    for (const auto& f : fallbacks) {
      fmt::print("  fallback   node {} {}: {}\n", f["node"].get<int>(),
                 f["op"].get<std::string>(), f["reason"].get<std::string>());
    }
  }
  if (opt.nodes) {
    fmt::print("\n{:>5}  {:<28} {:>3}  {:<40} {:>12}  {}\n", "node", "op",
               "ver", "output", "MACs", "backend");
    for (int n = 0; n < static_cast<int>(g.nodes.size()); ++n) {
      const ir::Node& node = g.nodes[n];
      std::string out;
      if (!node.outputs.empty()) {
        const ir::Tensor& t = g.tensors[node.outputs[0]];
        out = fmt::format("{} {}", DTypeName(t.dtype), ShapeToString(t.shape));
      }
      fmt::print("{:>5}  {:<28} {:>3}  {:<40} {:>12}  {}\n", n, node.OpName(),
                 node.version, out, ir::NodeMacs(g, n), node_backend[n]);
    }
  }
  return 0;
}

}  // namespace

void SetupInspect(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Show a model's inputs, outputs, ops, MACs, parameters and memory plan");
  cmd->add_option("model", opt->model, "Path of the .tflite model")->required();
  cmd->add_flag("--json", opt->json, "Print JSON instead of text");
  cmd->add_flag("--nodes", opt->nodes,
                "Also list every node with its output, MACs and backend");
  cmd->add_option("--backend", opt->backend,
                  "Backend whose placement to show: auto, xnnpack, ref")
      ->default_val("auto");
  cmd->callback([opt, exit_code] { *exit_code = RunInspect(*opt); });
}

}  // namespace mai::cli
