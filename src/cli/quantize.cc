// `mai quantize FLOAT.tflite --out INT8.tflite`: post-training full-integer
// quantization (src/quant/quantize_model.h), then the int8-vs-float error of
// every output on a validation input: --validation FILE, or one that is not
// a calibration sample: with --calibration DIR the first file after the
// calibration files (or, when the folder has no more, the last calibration
// file, marked as such); otherwise the seeded input of seed calibration_seed +
// calibration_samples.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/npy.h"
#include "mai/session.h"
#include "quant/calibration_folder.h"
#include "quant/layer_error.h"
#include "quant/quantize_model.h"

namespace mai::cli {
namespace {

struct QuantizeCliOptions {
  std::string model;
  std::string out;
  std::string calibration_dir;
  std::string validation_file;
  std::string input_range = "0,1";
  std::string calibration_backend = "ref";
  uint32_t seed = 1;
  int samples = 8;
  std::string method = "minmax";
  bool per_tensor = false;
  bool int8_io = false;
  bool keep_float_io = false;
  bool layer_report = false;
};

// The float model's only input shape, for folder samples.
Result<Shape> SingleFloatInputShape(const std::vector<uint8_t>& model) {
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, Session::LoadBytes(model));
  const std::vector<TensorInfo> inputs = s->inputs();
  if (inputs.size() != 1 || inputs[0].dtype != DType::kFloat32) {
    return InvalidArgument(
        "--calibration and --validation files need a model with one float32 "
        "input (this one has {} inputs); use seeded samples",
        inputs.size());
  }
  return inputs[0].shape;
}

// Calibration and validation samples from --calibration DIR.
struct FolderSamples {
  std::vector<std::string> calibration_files;
  std::vector<std::vector<std::vector<float>>> calibration;  // [k][input]
  std::string validation_file;                               // may be empty
  std::vector<std::vector<float>> validation;
};

Result<FolderSamples> LoadFolder(const QuantizeCliOptions& opt,
                                 const std::vector<uint8_t>& model) {
  MAI_ASSIGN_OR_RETURN(quant::SampleRange range,
                       quant::ParseSampleRange(opt.input_range));
  MAI_ASSIGN_OR_RETURN(Shape shape, SingleFloatInputShape(model));
  MAI_ASSIGN_OR_RETURN(std::vector<std::string> files,
                       quant::ListSampleFiles(opt.calibration_dir));
  FolderSamples out;
  const size_t used = std::min(files.size(), static_cast<size_t>(opt.samples));
  for (size_t k = 0; k < used; ++k) {
    MAI_ASSIGN_OR_RETURN(std::vector<float> x,
                         quant::LoadSample(files[k], shape, range));
    out.calibration_files.push_back(files[k]);
    out.calibration.push_back({std::move(x)});
  }
  if (used < files.size()) {
    MAI_ASSIGN_OR_RETURN(std::vector<float> x,
                         quant::LoadSample(files[used], shape, range));
    out.validation_file = files[used];
    out.validation = {std::move(x)};
  } else {
    // No held-out file: the last calibration file, said so in the output.
    out.validation_file = files[used - 1] + " (a calibration file too)";
    out.validation = out.calibration.back();
  }
  return out;
}

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

  if (opt.int8_io && opt.keep_float_io) {
    return Fail("--int8_io and --keep_float_io exclude each other");
  }
  quant::QuantizeOptions qo;
  qo.calibration.num_seeded_samples = opt.samples;
  qo.calibration.seed = opt.seed;
  FolderSamples folder;
  if (!opt.calibration_dir.empty()) {
    auto loaded = LoadFolder(opt, *bytes);
    if (!loaded.ok()) return Fail(loaded.status().message());
    folder = std::move(*loaded);
    qo.calibration.samples = folder.calibration;
  }
  if (opt.calibration_backend != "ref" && opt.calibration_backend != "auto") {
    return Fail("--calibration_backend must be ref or auto, not '" +
                opt.calibration_backend + "'");
  }
  qo.calibration_run.backend = opt.calibration_backend;
  qo.method = *method;
  qo.per_channel = !opt.per_tensor;
  qo.keep_float_io = !opt.int8_io;
  auto q = quant::QuantizeModel(*bytes, qo);
  if (!q.ok()) return Fail(q.status().message());
  Status written = WriteFileBytes(opt.out, *q);
  if (!written.ok()) return Fail(written.message());

  if (!opt.validation_file.empty()) {
    auto range = quant::ParseSampleRange(opt.input_range);
    if (!range.ok()) return Fail(range.status().message());
    auto shape = SingleFloatInputShape(*bytes);
    if (!shape.ok()) return Fail(shape.status().message());
    auto x = quant::LoadSample(opt.validation_file, *shape, *range);
    if (!x.ok()) return Fail(x.status().message());
    folder.validation = {std::move(*x)};
    folder.validation_file = opt.validation_file;
  }
  const uint32_t validation_seed =
      opt.seed + static_cast<uint32_t>(opt.samples);
  if (folder.validation.empty()) {
    auto seeded = quant::SeededFloatInputs(*bytes, validation_seed);
    if (!seeded.ok()) return Fail(seeded.status().message());
    folder.validation = std::move(*seeded);
  }
  auto errors = quant::CompareQuantized(*bytes, *q, folder.validation);
  if (!errors.ok()) return Fail(errors.status().message());
  fmt::print("wrote {} ({} bytes; float model {} bytes)\n", opt.out, q->size(),
             bytes->size());
  const std::string weights = opt.per_tensor ? "per-tensor" : "per-channel";
  const std::string io = opt.int8_io ? "int8" : "float32";
  if (folder.calibration.empty()) {
    fmt::print(
        "calibration: {} seeded samples from seed {}, {}, {} weights, {} "
        "I/O\n",
        opt.samples, opt.seed, quant::CalibrationMethodName(*method), weights,
        io);
  } else {
    fmt::print(
        "calibration: {} files of {} (input range {}), {}, {} weights, {} "
        "I/O\n",
        folder.calibration.size(), opt.calibration_dir, opt.input_range,
        quant::CalibrationMethodName(*method), weights, io);
  }
  if (!folder.validation_file.empty()) {
    fmt::print("int8 vs float on {}:\n", folder.validation_file);
  } else {
    fmt::print("int8 vs float on validation seed {}:\n", validation_seed);
  }
  for (const quant::OutputError& e : *errors) {
    fmt::print("  {}: PSNR {:.2f} dB, max abs error {:.6g}\n", e.name,
               e.psnr_db, e.max_abs_error);
  }
  if (opt.layer_report) {
    auto layers = quant::CompareLayers(*bytes, *q, folder.validation);
    if (!layers.ok()) return Fail(layers.status().message());
    fmt::print("per layer (int8 activation vs float, same input):\n");
    fmt::print("  {:>5} {:<18} {:>9} {:>11} {:>8}  {}\n", "node", "op",
               "SQNR dB", "RMSE steps", "clipped", "tensor");
    for (const quant::LayerError& l : *layers) {
      fmt::print("  {:>5} {:<18} {:>9.2f} {:>11.2f} {:>7.2f}%  {}\n", l.node,
                 l.op, l.sqnr_db, l.rmse_steps, 100.0 * l.clipped, l.tensor);
    }
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
  cmd->add_option("--calibration", opt->calibration_dir,
                  "Folder of calibration images (.png/.jpg) or .npy tensors, "
                  "used in name order");
  cmd->add_option("--validation", opt->validation_file,
                  "Image or .npy to measure the int8-vs-float error on "
                  "(default: held out of --calibration, or seeded)");
  cmd->add_option("--input_range", opt->input_range,
                  "LO,HI: the input values image black and white map to "
                  "(default 0,1)");
  cmd->add_option("--calibration_seed", opt->seed,
                  "Seed of the calibration inputs (sample k uses seed + k)");
  cmd->add_option("--calibration_samples", opt->samples,
                  "Number of calibration samples (seeded, or the first files "
                  "of --calibration)");
  cmd->add_option("--calibration_backend", opt->calibration_backend,
                  "Backend running the float model on the samples: ref "
                  "(reproducible, the default) or auto (fast)");
  cmd->add_option("--calibration_method", opt->method,
                  "Range method: minmax, percentile or mse");
  cmd->add_flag("--per_tensor", opt->per_tensor,
                "One weight scale per tensor (default: per output channel)");
  cmd->add_flag("--per_channel{false}", opt->per_tensor,
                "One weight scale per output channel (the default)");
  cmd->add_flag("--int8_io", opt->int8_io,
                "int8 model inputs/outputs (default: float32 with "
                "QUANTIZE/DEQUANTIZE inside)");
  cmd->add_flag("--layer_report", opt->layer_report,
                "Also print every int8 activation's error against float "
                "(SQNR, RMSE in steps, clipped values) on the validation "
                "input");
  cmd->add_flag("--keep_float_io", opt->keep_float_io,
                "float32 model inputs/outputs (the default)");
  cmd->callback([opt, exit_code] { *exit_code = RunQuantize(*opt); });
}

}  // namespace mai::cli
