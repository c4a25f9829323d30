// `mai quantize FLOAT.tflite --out INT8.tflite`: post-training full-integer
// quantization (src/quant/quantize_model.h), then the int8-vs-float error of
// every output on a seeded validation input (seed calibration_seed +
// calibration_samples, never one of the calibration samples).
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/npy.h"
#include "quant/quantize_model.h"

namespace mai::cli {
namespace {

struct QuantizeCliOptions {
  std::string model;
  std::string out;
  uint32_t seed = 1;
  int samples = 8;
  std::string method = "minmax";
  bool per_tensor = false;
  bool int8_io = false;
};

int Fail(const std::string& message) {
  fmt::print(stderr, "mai quantize: {}\n", message);
  return 1;
}

int RunQuantize(const QuantizeCliOptions& opt) {
  if (opt.samples < 1) return Fail("--calibration_samples must be >= 1");
  auto method = quant::ParseCalibrationMethod(opt.method);
  if (!method.ok()) return Fail(method.status().message());
  auto bytes = ReadFileBytes(opt.model);
  if (!bytes.ok()) return Fail(bytes.status().message());

  quant::QuantizeOptions qo;
  qo.calibration.num_seeded_samples = opt.samples;
  qo.calibration.seed = opt.seed;
  qo.method = *method;
  qo.per_channel = !opt.per_tensor;
  qo.keep_float_io = !opt.int8_io;
  auto q = quant::QuantizeModel(*bytes, qo);
  if (!q.ok()) return Fail(q.status().message());
  Status written = WriteFileBytes(opt.out, *q);
  if (!written.ok()) return Fail(written.message());

  const uint32_t validation_seed =
      opt.seed + static_cast<uint32_t>(opt.samples);
  auto errors = quant::CompareQuantized(*bytes, *q, validation_seed);
  if (!errors.ok()) return Fail(errors.status().message());
  fmt::print("wrote {} ({} bytes; float model {} bytes)\n", opt.out, q->size(),
             bytes->size());
  fmt::print(
      "calibration: {} seeded samples from seed {}, {}, {} weights, {} I/O\n",
      opt.samples, opt.seed, quant::CalibrationMethodName(*method),
      opt.per_tensor ? "per-tensor" : "per-channel",
      opt.int8_io ? "int8" : "float32");
  fmt::print("int8 vs float on validation seed {}:\n", validation_seed);
  for (const quant::OutputError& e : *errors) {
    fmt::print("  {}: PSNR {:.2f} dB, max abs error {:.6g}\n", e.name,
               e.psnr_db, e.max_abs_error);
  }
  return 0;
}

}  // namespace

void SetupQuantize(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<QuantizeCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "quantize", "Post-training int8 quantization of a float .tflite model");
  cmd->add_option("model", opt->model, "Float .tflite model")->required();
  cmd->add_option("--out", opt->out, "Where to write the int8 .tflite")
      ->required();
  cmd->add_option("--calibration_seed", opt->seed,
                  "Seed of the calibration inputs (sample k uses seed + k)");
  cmd->add_option("--calibration_samples", opt->samples,
                  "Number of seeded calibration samples");
  cmd->add_option("--calibration_method", opt->method,
                  "Range method: minmax, percentile or mse");
  cmd->add_flag("--per_tensor", opt->per_tensor,
                "One weight scale per tensor (default: per output channel)");
  cmd->add_flag("--per_channel{false}", opt->per_tensor,
                "One weight scale per output channel (the default)");
  cmd->add_flag("--int8_io", opt->int8_io,
                "int8 model inputs/outputs (default: float32 with "
                "QUANTIZE/DEQUANTIZE inside)");
  cmd->callback([opt, exit_code] { *exit_code = RunQuantize(*opt); });
}

}  // namespace mai::cli
