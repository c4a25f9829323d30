// Calibration for post-training quantization: run the float model on sample
// inputs and collect the range of every float activation tensor.
//
//   CalibrationInputs inputs;
//   inputs.num_seeded_samples = 8;          // or inputs.samples = {...}
//   inputs.seed = 1;
//   Result<RangeCollector> c = Calibrate(model, inputs);
//   Result<std::vector<TensorRange>> r = c->Ranges(CalibrationMethod::kMse);
//   AsymmetricParams p = ChooseInt8Asymmetric((*r)[t].min, (*r)[t].max);
//
// Range methods (docs/quantization.md):
//   kMinMax      the exact smallest and largest value seen (TFLite's
//                calibrator does this).
//   kPercentile  the (100 - p)-th and p-th percentiles of all values seen
//                (p = 99.99 by default), read from the histogram with linear
//                interpolation inside a bin, never beyond min/max.
//   kMse         the clipping range minimizing the expected squared int8
//                error over the histogram; see RangeCollector::Ranges.
#ifndef MAI_QUANT_CALIBRATION_H_
#define MAI_QUANT_CALIBRATION_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mai::quant {

enum class CalibrationMethod { kMinMax, kPercentile, kMse };

// "minmax", "percentile", "mse"; parse error names the accepted values.
Result<CalibrationMethod> ParseCalibrationMethod(const std::string& name);
const char* CalibrationMethodName(CalibrationMethod method);

struct TensorRange {
  float min = 0.0f;
  float max = 0.0f;
  int64_t count = 0;  // finite values observed; 0 = never observed
};

struct RangeCollectorOptions {
  // Histogram bins per tensor (needed by kPercentile and kMse); 0 keeps only
  // min/max. Memory: num_bins * 8 bytes per observed tensor.
  int num_bins = 2048;
};

struct RangeOptions {
  double percentile = 99.99;  // kPercentile, in [50, 100]
  int mse_candidates = 256;   // kMse: clipping points tried per bound
};

// Per-tensor statistics: exact min/max and a histogram of fixed bin count
// over a range that grows as values arrive. The histogram starts over the
// first observation's [min, max]; when a value falls outside, the range
// doubles (to the left or right) and pairs of bins merge, so no count is
// ever redistributed inexactly and memory stays bounded. Non-finite values
// are ignored (counted in skipped()).
class RangeCollector {
 public:
  explicit RangeCollector(int num_tensors, RangeCollectorOptions options = {});

  // Adds `values` to tensor `tensor`'s statistics. Error when the index is
  // outside [0, num_tensors).
  Status Observe(int tensor, std::span<const float> values);

  // One range per tensor (count 0 and [0, 0] for tensors never observed).
  // kMse searches, per tensor, clipping bounds [lo, hi] within the observed
  // [min, max]: candidates hi = max * k / K and lo = min * k / K
  // (k = 1..K, K = mse_candidates), optimized one bound at a time (hi with
  // lo = min, then lo, then hi again). A candidate's cost is, over histogram
  // bins with center x and count n, after nudging [lo, hi] with
  // ChooseInt8Asymmetric to the representable [a, b] with step s:
  //   n * s^2 / 12        for a <= x <= b   (rounding noise)
  //   n * (x - clamp(x, a, b))^2 otherwise   (clipping error)
  // The smallest cost wins; ties keep the wider range. Error for
  // kPercentile/kMse without a histogram (num_bins 0) or bad options.
  Result<std::vector<TensorRange>> Ranges(
      CalibrationMethod method, const RangeOptions& options = {}) const;

  int num_tensors() const { return static_cast<int>(stats_.size()); }
  int64_t skipped() const { return skipped_; }

 private:
  struct Stats {
    float min = 0.0f;
    float max = 0.0f;
    int64_t count = 0;
    double lo = 0.0;  // histogram covers [lo, lo + width]
    double width = 0.0;
    std::vector<int64_t> bins;
  };
  void Grow(Stats& s, double new_min, double new_max) const;
  double Quantile(const Stats& s, double q) const;
  TensorRange MseRange(const Stats& s, int candidates) const;

  RangeCollectorOptions options_;
  std::vector<Stats> stats_;
  int64_t skipped_ = 0;
};

// Calibration samples. With `samples` empty, `num_seeded_samples` inputs are
// generated: sample k fills model input i with FillDeterministic(dtype,
// seed + k, i) (values in [-1, 1) for float inputs; docs/inputs.md).
// Otherwise samples[k][i] holds the float values of input i for sample k
// (exactly as many as the input has elements).
struct CalibrationInputs {
  std::vector<std::vector<std::vector<float>>> samples;
  int num_seeded_samples = 8;
  uint32_t seed = 1;
};

struct CalibrationOptions {
  std::string backend = "ref";  // SessionOptions::backend: "ref" or "auto"
  int num_threads = 1;
  RangeCollectorOptions collector;
};

// Runs the float model once per sample with every tensor kept
// (SessionOptions::keep_all_tensors) and observes every float32 activation
// of the main graph: inputs, intermediates and outputs (constants, including
// weights folded at prepare, are skipped). Tensor indices are those of the
// model's main graph. Errors: load/prepare/invoke failures, sample count or
// sizes that do not match the inputs, non-float32 inputs with explicit
// samples.
Result<RangeCollector> Calibrate(const ir::Model& model,
                                 const CalibrationInputs& inputs,
                                 const CalibrationOptions& options = {});
Result<RangeCollector> Calibrate(std::vector<uint8_t> tflite_bytes,
                                 const CalibrationInputs& inputs,
                                 const CalibrationOptions& options = {});

}  // namespace mai::quant

#endif  // MAI_QUANT_CALIBRATION_H_
