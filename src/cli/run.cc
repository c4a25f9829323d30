// `mai run MODEL`: one inference, outputs written to files.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/session_setup.h"
#include "core/npy.h"

namespace mai::cli {
namespace {

struct RunOptions {
  std::string model;
  std::vector<std::string> inputs;
  uint32_t seed = 1;
  std::string output_dir;
  std::string backend = "auto";
  bool no_fallback = false;
  int num_threads = 1;
};

// min / max / mean of an output, as doubles, for the summary line.
std::string Summary(const TensorInfo& info, std::span<const uint8_t> bytes) {
  size_t n = info.bytes / std::max<size_t>(DTypeSize(info.dtype), 1);
  if (n == 0) return "empty";
  auto value = [&](size_t i) -> double {
    const uint8_t* p = bytes.data() + i * DTypeSize(info.dtype);
    switch (info.dtype) {
      case DType::kFloat32: {
        float v;
        std::memcpy(&v, p, 4);
        return v;
      }
      case DType::kInt32: {
        int32_t v;
        std::memcpy(&v, p, 4);
        return v;
      }
      case DType::kInt64: {
        int64_t v;
        std::memcpy(&v, p, 8);
        return static_cast<double>(v);
      }
      case DType::kInt16: {
        int16_t v;
        std::memcpy(&v, p, 2);
        return v;
      }
      case DType::kInt8:
        return static_cast<int8_t>(*p);
      case DType::kUInt8:
      case DType::kBool:
        return *p;
      default:
        return NAN;
    }
  };
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  for (size_t i = 0; i < n; ++i) {
    double v = value(i);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  return fmt::format("min {:.6g} max {:.6g} mean {:.6g}", lo, hi, sum / n);
}

int RunRun(const RunOptions& opt) {
  auto fail = [](const Status& s) {
    fmt::print(stderr, "mai run: {}\n", s.message());
    return 1;
  };
  SessionOptions so;
  so.backend = opt.backend;
  so.allow_fallback = !opt.no_fallback;
  so.num_threads = opt.num_threads;
  auto session = Session::LoadFile(opt.model, so);
  if (!session.ok()) return fail(session.status());
  std::vector<InputSpec> specs;
  for (const std::string& flag : opt.inputs) {
    auto spec = ParseInputFlag(flag);
    if (!spec.ok()) return fail(spec.status());
    specs.push_back(*spec);
  }
  Session& s = **session;
  if (Status st = PrepareAndFillInputs(s, specs, opt.seed); !st.ok())
    return fail(st);
  if (Status st = s.Invoke(); !st.ok()) return fail(st);

  std::vector<TensorInfo> outputs = s.outputs();
  if (!opt.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(opt.output_dir, ec);
    if (ec)
      return fail(
          IoError("cannot create '{}': {}", opt.output_dir, ec.message()));
    nlohmann::json meta = nlohmann::json::array();
    for (int i = 0; i < s.num_outputs(); ++i) {
      auto bytes = s.output_data(i);
      std::string base = fmt::format("{}/output{}", opt.output_dir, i);
      if (Status st = WriteFileBytes(base + ".bin", bytes); !st.ok())
        return fail(st);
      if (Status st = WriteFileBytes(
              base + ".npy",
              SerializeNpy(outputs[i].dtype, outputs[i].shape, bytes));
          !st.ok()) {
        return fail(st);
      }
      meta.push_back({{"index", i},
                      {"name", outputs[i].name},
                      {"shape", outputs[i].shape},
                      {"dtype", DTypeName(outputs[i].dtype)},
                      {"file", fmt::format("output{}.bin", i)}});
    }
    std::string text = meta.dump(2) + "\n";
    Status st = WriteFileBytes(
        opt.output_dir + "/outputs.json",
        {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
    if (!st.ok()) return fail(st);
  }
  for (int i = 0; i < s.num_outputs(); ++i) {
    fmt::print("output {} '{}' {} {}: {}\n", i, outputs[i].name,
               DTypeName(outputs[i].dtype), ShapeToString(outputs[i].shape),
               Summary(outputs[i], s.output_data(i)));
  }
  return 0;
}

}  // namespace

void SetupRun(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<RunOptions>();
  CLI::App* cmd =
      app.add_subcommand("run", "Run a model once and write its outputs");
  cmd->add_option("model", opt->model, "Path of the .tflite model")->required();
  cmd->add_option(
      "--input", opt->inputs,
      "NAME=FILE (.npy or raw .bin); inputs without a file get seeded values");
  cmd->add_option("--seed", opt->seed,
                  "Seed of the lcg-nr32-v1 input generator (default 1)");
  cmd->add_option("--output_dir", opt->output_dir,
                  "Write output<i>.bin, output<i>.npy and outputs.json here");
  cmd->add_option("--backend", opt->backend, "Backend: auto (xnnpack, ref for the rest), xnnpack, ref")
      ->default_val("auto");
  cmd->add_flag("--no_fallback", opt->no_fallback,
                "With --backend xnnpack: fail on ops xnnpack cannot run");
  cmd->add_option("--num_threads", opt->num_threads, "Threads")->default_val(1);
  cmd->callback([opt, exit_code] { *exit_code = RunRun(*opt); });
}

}  // namespace mai::cli
