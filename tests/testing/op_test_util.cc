#include "testing/op_test_util.h"

#include <cmath>

#include "oracle/tflite_oracle.h"

namespace mai::testing {

Result<std::vector<HostTensor>> RunMai(const std::vector<uint8_t>& model,
                                       const std::vector<HostTensor>& inputs,
                                       const SessionOptions& options) {
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                       Session::LoadBytes(model, options));
  if (static_cast<int>(inputs.size()) != session->num_inputs()) {
    return InvalidArgument("model has {} inputs, test gave {}",
                           session->num_inputs(), inputs.size());
  }
  std::vector<TensorInfo> infos = session->inputs();
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].shape != infos[i].shape) {
      MAI_RETURN_IF_ERROR(
          session->ResizeInput(static_cast<int>(i), inputs[i].shape));
    }
  }
  MAI_RETURN_IF_ERROR(session->Prepare());
  for (size_t i = 0; i < inputs.size(); ++i) {
    MAI_RETURN_IF_ERROR(
        session->SetInput(static_cast<int>(i), inputs[i].bytes));
  }
  MAI_RETURN_IF_ERROR(session->Invoke());
  std::vector<HostTensor> outputs;
  std::vector<TensorInfo> out_infos = session->outputs();
  for (int i = 0; i < session->num_outputs(); ++i) {
    HostTensor t;
    t.dtype = out_infos[i].dtype;
    t.shape = out_infos[i].shape;
    auto bytes = session->output_data(i);
    t.bytes.assign(bytes.begin(), bytes.end());
    outputs.push_back(std::move(t));
  }
  return outputs;
}

namespace {

Result<std::vector<HostTensor>> ToHostTensors(
    std::vector<OracleTensor> results) {
  std::vector<HostTensor> outputs;
  for (OracleTensor& r : results) {
    HostTensor t;
    auto dtype = DTypeFromName(r.dtype);
    if (!dtype) return Internal("oracle returned unknown dtype '{}'", r.dtype);
    t.dtype = *dtype;
    t.shape.assign(r.shape.begin(), r.shape.end());
    t.bytes = std::move(r.data);
    outputs.push_back(std::move(t));
  }
  return outputs;
}

std::vector<std::vector<uint8_t>> RawBytes(
    const std::vector<HostTensor>& inputs) {
  std::vector<std::vector<uint8_t>> raw;
  for (const HostTensor& t : inputs) raw.push_back(t.bytes);
  return raw;
}

}  // namespace

Result<std::vector<HostTensor>> RunTflite(
    const std::vector<uint8_t>& model, const std::vector<HostTensor>& inputs) {
  std::string why;
  TfliteOracle* oracle = SharedOracle(&why);
  if (oracle == nullptr) {
    return NotFound(
        "TFLite oracle unavailable ({}); run scripts/fetch_models.sh", why);
  }
  MAI_ASSIGN_OR_RETURN(std::vector<OracleTensor> results,
                       oracle->Run(model, RawBytes(inputs)));
  return ToHostTensors(std::move(results));
}

Result<std::vector<HostTensor>> RunTfliteNative(
    const std::vector<uint8_t>& model, const std::vector<HostTensor>& inputs,
    NativeKernels kernels) {
  std::string why;
  TfliteNative* native = SharedTfliteNative(&why);
  if (native == nullptr) {
    return NotFound("native TFLite unavailable ({})", why);
  }
  MAI_ASSIGN_OR_RETURN(std::vector<OracleTensor> results,
                       native->Run(model, RawBytes(inputs), kernels));
  return ToHostTensors(std::move(results));
}

template <typename E>
static ::testing::AssertionResult NearRelativeImpl(
    std::span<const float> actual, std::span<const E> expected, double tol) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "size mismatch: actual " << actual.size() << " vs expected "
           << expected.size();
  }
  double max_abs = 0;
  for (E e : expected)
    max_abs = std::max(max_abs, std::fabs(static_cast<double>(e)));
  double bound = tol * std::max(1.0, max_abs);
  double worst = 0;
  size_t worst_i = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double a = actual[i], e = static_cast<double>(expected[i]);
    double d = std::fabs(a - e);
    if (std::isnan(a) != std::isnan(e)) d = INFINITY;
    if (std::isnan(a) && std::isnan(e)) d = 0;
    if (std::isinf(e) && a == e) d = 0;
    if (d > worst) {
      worst = d;
      worst_i = i;
    }
  }
  if (worst > bound) {
    return ::testing::AssertionFailure()
           << "element " << worst_i << ": actual " << actual[worst_i]
           << " expected " << static_cast<double>(expected[worst_i])
           << " (|diff| " << worst << " > bound " << bound
           << ", max |expected| " << max_abs << ")";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult NearRelative(std::span<const float> actual,
                                        std::span<const double> expected,
                                        double tol) {
  return NearRelativeImpl(actual, expected, tol);
}
::testing::AssertionResult NearRelative(std::span<const float> actual,
                                        std::span<const float> expected,
                                        double tol) {
  return NearRelativeImpl(actual, expected, tol);
}

static int64_t ElementAt(const HostTensor& t, size_t i) {
  const uint8_t* p = t.bytes.data();
  switch (t.dtype) {
    case DType::kInt8:
      return static_cast<int8_t>(p[i]);
    case DType::kUInt8:
      return p[i];
    case DType::kBool:
      return p[i];
    case DType::kInt16: {
      int16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      return v;
    }
    case DType::kInt32: {
      int32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      return v;
    }
    case DType::kInt64: {
      int64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      return v;
    }
    default:
      return 0;
  }
}

::testing::AssertionResult QuantizedNear(const HostTensor& actual,
                                         const HostTensor& expected, int tol) {
  if (actual.dtype != expected.dtype) {
    return ::testing::AssertionFailure() << "dtype " << DTypeName(actual.dtype)
                                         << " vs " << DTypeName(expected.dtype);
  }
  if (actual.shape != expected.shape) {
    return ::testing::AssertionFailure()
           << "shape " << ShapeToString(actual.shape) << " vs "
           << ShapeToString(expected.shape);
  }
  if (actual.bytes.size() != expected.bytes.size() ||
      DTypeSize(actual.dtype) == 0) {
    return ::testing::AssertionFailure() << "byte size " << actual.bytes.size()
                                         << " vs " << expected.bytes.size();
  }
  size_t n = actual.bytes.size() / DTypeSize(actual.dtype);
  for (size_t i = 0; i < n; ++i) {
    int64_t a = ElementAt(actual, i), e = ElementAt(expected, i);
    if (std::llabs(a - e) > tol) {
      return ::testing::AssertionFailure()
             << "element " << i << ": actual " << a << " expected " << e
             << " (tolerance " << tol << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

ir::QuantParams Quant(float scale, int64_t zero_point) {
  ir::QuantParams q;
  q.scale = {scale};
  q.zero_point = {zero_point};
  return q;
}

ir::QuantParams PerChannelQuant(const std::vector<float>& scales, int dim) {
  ir::QuantParams q;
  q.scale = scales;
  q.zero_point.assign(scales.size(), 0);
  q.quantized_dimension = dim;
  return q;
}

}  // namespace mai::testing
