#include "quant/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include "mai/session.h"
#include "quant/quant_math.h"

namespace mai::quant {

Result<CalibrationMethod> ParseCalibrationMethod(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::kMinMax;
  if (name == "percentile") return CalibrationMethod::kPercentile;
  if (name == "mse") return CalibrationMethod::kMse;
  return InvalidArgument(
      "unknown calibration method '{}' (expected minmax, percentile or mse)",
      name);
}

const char* CalibrationMethodName(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::kMinMax:
      return "minmax";
    case CalibrationMethod::kPercentile:
      return "percentile";
    case CalibrationMethod::kMse:
      return "mse";
  }
  return "unknown";
}

RangeCollector::RangeCollector(int num_tensors, RangeCollectorOptions options)
    : options_(options), stats_(std::max(num_tensors, 0)) {
  // Growth merges pairs of bins: keep the count even.
  if (options_.num_bins < 0) options_.num_bins = 0;
  if (options_.num_bins % 2 != 0) ++options_.num_bins;
}

void RangeCollector::Grow(Stats& s, double new_min, double new_max) const {
  const int n = static_cast<int>(s.bins.size());
  std::vector<int64_t> merged(n);
  while (new_min < s.lo || new_max > s.lo + s.width) {
    std::fill(merged.begin(), merged.end(), 0);
    const bool left = new_min < s.lo;
    const int offset = left ? n / 2 : 0;
    for (int i = 0; i < n; ++i) merged[offset + i / 2] += s.bins[i];
    s.bins.swap(merged);
    if (left) s.lo -= s.width;
    s.width *= 2.0;
  }
}

Status RangeCollector::Observe(int tensor, std::span<const float> values) {
  if (tensor < 0 || tensor >= num_tensors()) {
    return OutOfRange("tensor {} outside [0, {})", tensor, num_tensors());
  }
  Stats& s = stats_[tensor];
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  int64_t finite = 0;
  for (float v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    ++finite;
  }
  skipped_ += static_cast<int64_t>(values.size()) - finite;
  if (finite == 0) return Status::Ok();

  const int n = options_.num_bins;
  if (s.count == 0) {
    s.min = lo;
    s.max = hi;
    if (n > 0) {
      s.bins.assign(n, 0);
      s.lo = lo;
      s.width = static_cast<double>(hi) - lo;
      if (s.width <= 0.0) {
        s.width =
            lo != 0.0f ? std::fabs(static_cast<double>(lo)) * 0x1p-10 : 0x1p-20;
      }
    }
  } else {
    s.min = std::min(s.min, lo);
    s.max = std::max(s.max, hi);
    if (n > 0) Grow(s, lo, hi);
  }
  s.count += finite;
  if (n == 0) return Status::Ok();

  const double per_bin = n / s.width;
  for (float v : values) {
    if (!std::isfinite(v)) continue;
    int64_t i = static_cast<int64_t>((v - s.lo) * per_bin);
    s.bins[std::clamp<int64_t>(i, 0, n - 1)] += 1;
  }
  return Status::Ok();
}

double RangeCollector::Quantile(const Stats& s, double q) const {
  const int n = static_cast<int>(s.bins.size());
  const double target = q * static_cast<double>(s.count);
  const double bin_width = s.width / n;
  double cumulative = 0.0;
  double value = s.max;
  for (int i = 0; i < n; ++i) {
    const double c = static_cast<double>(s.bins[i]);
    if (c > 0.0 && cumulative + c >= target) {
      const double fraction = std::clamp((target - cumulative) / c, 0.0, 1.0);
      value = s.lo + (i + fraction) * bin_width;
      break;
    }
    cumulative += c;
  }
  return std::clamp(value, static_cast<double>(s.min),
                    static_cast<double>(s.max));
}

TensorRange RangeCollector::MseRange(const Stats& s, int candidates) const {
  const int n = static_cast<int>(s.bins.size());
  const double bin_width = s.width / n;
  std::vector<std::pair<double, double>> mass;  // (bin center, count)
  for (int i = 0; i < n; ++i) {
    if (s.bins[i] == 0) continue;
    const double center =
        std::clamp(s.lo + (i + 0.5) * bin_width, static_cast<double>(s.min),
                   static_cast<double>(s.max));
    mass.emplace_back(center, static_cast<double>(s.bins[i]));
  }
  auto cost = [&](float lo, float hi) {
    const AsymmetricParams p = ChooseInt8Asymmetric(lo, hi);
    const double step = p.scale;
    const double a = step * (kInt8Min - p.zero_point);
    const double b = step * (kInt8Max - p.zero_point);
    const double noise = step * step / 12.0;
    double total = 0.0;
    for (const auto& [x, count] : mass) {
      if (x >= a && x <= b) {
        total += count * noise;
      } else {
        const double d = x - std::clamp(x, a, b);
        total += count * d * d;
      }
    }
    return total;
  };
  float lo = s.min;
  float hi = s.max;
  auto search_hi = [&] {
    if (s.max <= 0.0f) return;
    double best = cost(lo, hi);
    for (int k = candidates - 1; k >= 1; --k) {
      const float h =
          static_cast<float>(static_cast<double>(s.max) * k / candidates);
      const double c = cost(lo, h);
      if (c < best) {
        best = c;
        hi = h;
      }
    }
  };
  auto search_lo = [&] {
    if (s.min >= 0.0f) return;
    double best = cost(lo, hi);
    for (int k = candidates - 1; k >= 1; --k) {
      const float l =
          static_cast<float>(static_cast<double>(s.min) * k / candidates);
      const double c = cost(l, hi);
      if (c < best) {
        best = c;
        lo = l;
      }
    }
  };
  search_hi();
  search_lo();
  search_hi();
  return TensorRange{lo, hi, s.count};
}

Result<std::vector<TensorRange>> RangeCollector::Ranges(
    CalibrationMethod method, const RangeOptions& options) const {
  if (method != CalibrationMethod::kMinMax && options_.num_bins == 0) {
    return InvalidArgument(
        "calibration method {} needs histograms (num_bins 0)",
        CalibrationMethodName(method));
  }
  if (method == CalibrationMethod::kPercentile &&
      !(options.percentile >= 50.0 && options.percentile <= 100.0)) {
    return InvalidArgument("percentile {} outside [50, 100]",
                           options.percentile);
  }
  if (method == CalibrationMethod::kMse && options.mse_candidates < 1) {
    return InvalidArgument("mse_candidates {} < 1", options.mse_candidates);
  }
  std::vector<TensorRange> ranges(stats_.size());
  for (size_t t = 0; t < stats_.size(); ++t) {
    const Stats& s = stats_[t];
    if (s.count == 0) continue;
    switch (method) {
      case CalibrationMethod::kMinMax:
        ranges[t] = {s.min, s.max, s.count};
        break;
      case CalibrationMethod::kPercentile: {
        const double q = options.percentile / 100.0;
        ranges[t] = {static_cast<float>(Quantile(s, 1.0 - q)),
                     static_cast<float>(Quantile(s, q)), s.count};
        break;
      }
      case CalibrationMethod::kMse:
        ranges[t] = MseRange(s, options.mse_candidates);
        break;
    }
  }
  return ranges;
}

namespace {

Result<RangeCollector> RunCalibration(Session& session,
                                      const CalibrationInputs& inputs,
                                      const CalibrationOptions& options) {
  MAI_RETURN_IF_ERROR(session.Prepare());
  const ir::Graph& graph = session.graph();
  const int num_samples = inputs.samples.empty()
                              ? inputs.num_seeded_samples
                              : static_cast<int>(inputs.samples.size());
  if (num_samples <= 0) {
    return InvalidArgument("calibration needs at least one sample");
  }
  std::vector<int> observed;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const ir::Tensor& tensor = graph.tensors[t];
    if (tensor.dtype == DType::kFloat32 && !tensor.is_constant() &&
        !tensor.is_variable) {
      observed.push_back(static_cast<int>(t));
    }
  }
  RangeCollector collector(static_cast<int>(graph.tensors.size()),
                           options.collector);
  const std::vector<TensorInfo> infos = session.inputs();
  for (int k = 0; k < num_samples; ++k) {
    for (int i = 0; i < session.num_inputs(); ++i) {
      std::span<uint8_t> bytes = session.input_data(i);
      if (inputs.samples.empty()) {
        FillDeterministic(infos[i].dtype,
                          inputs.seed + static_cast<uint32_t>(k), i, bytes);
        continue;
      }
      const auto& sample = inputs.samples[k];
      if (static_cast<int>(sample.size()) != session.num_inputs()) {
        return InvalidArgument(
            "calibration sample {} has {} inputs, the model has {}", k,
            sample.size(), session.num_inputs());
      }
      if (infos[i].dtype != DType::kFloat32) {
        return Unimplemented(
            "calibration input {} ('{}') is {}, explicit samples must be "
            "float32",
            i, infos[i].name, DTypeName(infos[i].dtype));
      }
      if (sample[i].size() * sizeof(float) != bytes.size()) {
        return InvalidArgument(
            "calibration sample {} input {} has {} values, the input {} "
            "needs {}",
            k, i, sample[i].size(), ShapeToString(infos[i].shape),
            bytes.size() / sizeof(float));
      }
      std::memcpy(bytes.data(), sample[i].data(), bytes.size());
    }
    MAI_RETURN_IF_ERROR(
        session.Invoke().WithContext(fmt::format("calibration sample {}", k)));
    for (int t : observed) {
      std::span<const uint8_t> data = session.tensor_data(t);
      if (data.empty()) continue;
      MAI_RETURN_IF_ERROR(
          collector.Observe(t, {reinterpret_cast<const float*>(data.data()),
                                data.size() / sizeof(float)}));
    }
  }
  return collector;
}

SessionOptions CalibrationSessionOptions(const CalibrationOptions& options) {
  SessionOptions so;
  so.backend = options.backend;
  so.num_threads = options.num_threads;
  so.keep_all_tensors = true;
  so.optimize_graph = false;
  return so;
}

}  // namespace

Result<RangeCollector> Calibrate(const ir::Model& model,
                                 const CalibrationInputs& inputs,
                                 const CalibrationOptions& options) {
  MAI_ASSIGN_OR_RETURN(
      std::unique_ptr<Session> session,
      Session::FromModel(model, CalibrationSessionOptions(options)));
  return RunCalibration(*session, inputs, options);
}

Result<RangeCollector> Calibrate(std::vector<uint8_t> tflite_bytes,
                                 const CalibrationInputs& inputs,
                                 const CalibrationOptions& options) {
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                       Session::LoadBytes(std::move(tflite_bytes),
                                          CalibrationSessionOptions(options)));
  return RunCalibration(*session, inputs, options);
}

}  // namespace mai::quant
