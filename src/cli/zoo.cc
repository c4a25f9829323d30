// `mai zoo list [--json]` and `mai zoo build NAME|all --out DIR`: the
// challenge reference models (src/zoo/zoo.h) as .tflite files.
#include "zoo/zoo.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/npy.h"
#include "ir/op_cost.h"
#include "quant/quantize_model.h"
#include "tflite/model_reader.h"

namespace mai::cli {
namespace {

constexpr char kRandomWeightsNote[] =
    "weights are random (seeded): the zoo measures runtime and memory, not "
    "accuracy";

struct ZooCliOptions {
  bool json = false;
  std::string name;
  std::string out;
  zoo::ZooOptions model;
  bool int8 = false;            // also write NAME.int8.tflite
  int calibration_samples = 4;  // seeded calibration inputs for --int8
};

struct Stats {
  Shape input, output;
  int64_t params = 0, macs = 0, bytes = 0;
};

Result<Stats> ModelStats(const std::vector<uint8_t>& bytes) {
  Stats s;
  s.bytes = static_cast<int64_t>(bytes.size());
  MAI_ASSIGN_OR_RETURN(ir::Model model, tflite::ReadModelBytes(bytes));
  const ir::Graph& g = model.main_graph();
  for (int n = 0; n < static_cast<int>(g.nodes.size()); ++n)
    s.macs += ir::NodeMacs(g, n);
  for (const ir::Tensor& t : g.tensors)
    if (t.is_constant() && t.dtype == DType::kFloat32)
      s.params += NumElementsUnchecked(t.shape);
  if (!g.inputs.empty()) s.input = g.tensors[g.inputs[0]].shape;
  if (!g.outputs.empty()) s.output = g.tensors[g.outputs[0]].shape;
  return s;
}

std::string Shp(const Shape& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "x" : "") + std::to_string(s[i]);
  return r;
}

int RunList(const ZooCliOptions& opt) {
  nlohmann::json models = nlohmann::json::array();
  std::string text;
  for (const zoo::ZooModelInfo& info : zoo::ListZooModels()) {
    auto bytes = zoo::BuildZooModel(info.name, opt.model);
    if (!bytes.ok()) {
      fmt::print(stderr, "mai zoo list: {}\n", bytes.status().message());
      return 1;
    }
    auto stats = ModelStats(*bytes);
    if (!stats.ok()) {
      fmt::print(stderr, "mai zoo list: {}: {}\n", info.name,
                 stats.status().message());
      return 1;
    }
    models.push_back({{"name", info.name},
                      {"track", info.track},
                      {"description", info.description},
                      {"input_shape", stats->input},
                      {"output_shape", stats->output},
                      {"parameters", stats->params},
                      {"macs", stats->macs},
                      {"file_bytes", stats->bytes},
                      {"notes", info.notes}});
    text += fmt::format("{:<13} {:<40} {:>14} -> {:<14} {:>9} {:>8.2f}\n",
                        info.name, info.track, Shp(stats->input),
                        Shp(stats->output), stats->params, stats->macs / 1e9);
  }
  if (opt.json) {
    nlohmann::json j = {{"models", models}, {"note", kRandomWeightsNote}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{:<13} {:<40} {:>14}    {:<14} {:>9} {:>8}\n", "name", "track",
               "input", "output", "params", "GMACs");
    fmt::print("{}", text);
    fmt::print("note: {}\n", kRandomWeightsNote);
  }
  return 0;
}

int RunBuild(const ZooCliOptions& opt) {
  std::vector<std::string> names;
  if (opt.name == "all") {
    for (const zoo::ZooModelInfo& info : zoo::ListZooModels())
      names.push_back(info.name);
  } else {
    names.push_back(opt.name);
  }
  std::error_code ec;
  std::filesystem::create_directories(opt.out, ec);
  if (ec) {
    fmt::print(stderr, "mai zoo build: cannot create {}: {}\n", opt.out,
               ec.message());
    return 1;
  }
  for (const std::string& name : names) {
    auto bytes = zoo::BuildZooModel(name, opt.model);
    if (!bytes.ok()) {
      fmt::print(stderr, "mai zoo build: {}\n", bytes.status().message());
      return 1;
    }
    const std::string path =
        (std::filesystem::path(opt.out) / (name + ".tflite")).string();
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes->data()),
            static_cast<std::streamsize>(bytes->size()));
    f.close();
    if (!f) {
      fmt::print(stderr, "mai zoo build: cannot write {}\n", path);
      return 1;
    }
    auto stats = ModelStats(*bytes);
    if (stats.ok()) {
      fmt::print("{}: {} -> {}, {} parameters, {:.3f} GMACs\n", path,
                 Shp(stats->input), Shp(stats->output), stats->params,
                 stats->macs / 1e9);
    }
    if (opt.int8) {
      // `mai quantize` with seeded calibration inputs.
      quant::QuantizeOptions qo;
      qo.calibration.num_seeded_samples = opt.calibration_samples;
      qo.calibration.seed = opt.model.seed;
      auto q = quant::QuantizeModel(*bytes, qo);
      if (!q.ok()) {
        fmt::print(stderr, "mai zoo build: {} --int8: {}\n", name,
                   q.status().message());
        return 1;
      }
      const std::string qpath =
          (std::filesystem::path(opt.out) / (name + ".int8.tflite")).string();
      if (Status st = WriteFileBytes(qpath, *q); !st.ok()) {
        fmt::print(stderr, "mai zoo build: {}\n", st.message());
        return 1;
      }
      fmt::print("{}: int8 ({} calibration samples), {} bytes\n", qpath,
                 opt.calibration_samples, q->size());
    }
  }
  fmt::print("note: {}\n", kRandomWeightsNote);
  return 0;
}

void AddShapeOptions(CLI::App* cmd, ZooCliOptions* opt) {
  cmd->add_option("--height", opt->model.height,
                  "Input height (0 = the track default)");
  cmd->add_option("--width", opt->model.width,
                  "Input width (0 = the track default)");
  cmd->add_option("--channels", opt->model.channels,
                  "Base channel count of image-to-image models (0 = default)");
  cmd->add_option("--width_multiplier", opt->model.width_multiplier,
                  "mobilenet_v2 width multiplier, 0.35..1.0 (0 = 1.0)");
  cmd->add_option("--seed", opt->model.seed, "Seed of the random weights");
}

}  // namespace

void SetupZoo(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<ZooCliOptions>();
  CLI::App* zoo = app.add_subcommand(
      "zoo", "Challenge reference models (random weights) as .tflite files");
  zoo->require_subcommand(1);
  CLI::App* list = zoo->add_subcommand("list", "List the zoo models");
  list->add_flag("--json", opt->json, "Print JSON instead of text");
  AddShapeOptions(list, opt.get());
  list->callback([opt, exit_code] { *exit_code = RunList(*opt); });
  CLI::App* build =
      zoo->add_subcommand("build", "Write NAME.tflite (or all models) to DIR");
  build->add_option("name", opt->name, "Model name or 'all'")->required();
  build->add_option("--out", opt->out, "Output directory")->required();
  AddShapeOptions(build, opt.get());
  build->add_flag("--int8", opt->int8,
                  "Also write NAME.int8.tflite (mai quantize, seeded "
                  "calibration)");
  build
      ->add_option("--calibration_samples", opt->calibration_samples,
                   "Seeded calibration inputs for --int8")
      ->default_val(4);
  build->callback([opt, exit_code] { *exit_code = RunBuild(*opt); });
}

}  // namespace mai::cli
