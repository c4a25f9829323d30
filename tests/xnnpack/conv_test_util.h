// Test helpers of the XNNPACK convolution family: a model runs on the
// reference backend (the oracle) and on XNNPACK without fallback, with one
// and two threads, and the results must agree (fp32 within 1e-5 relative to
// the largest reference value, int8/uint8 within 1). Declined nodes must
// fall back to the reference kernel in "auto" mode.
#ifndef MAI_TESTS_XNNPACK_CONV_TEST_UTIL_H_
#define MAI_TESTS_XNNPACK_CONV_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "mai/session.h"
#include "testing/op_test_util.h"

namespace mai::xnn_test {

using testing::HostTensor;
using testing::Rng;

inline SessionOptions XnnOptions(int threads) {
  SessionOptions o;
  o.backend = "xnnpack";
  o.allow_fallback = false;
  o.num_threads = threads;
  return o;
}

inline SessionOptions RefOptions() {
  SessionOptions o;
  o.backend = "ref";
  return o;
}

// Compares one output of XNNPACK with the reference output.
inline ::testing::AssertionResult OutputsAgree(const HostTensor& xnn,
                                               const HostTensor& ref,
                                               double float_tol,
                                               int quant_tol) {
  if (xnn.dtype != ref.dtype || xnn.shape != ref.shape) {
    return ::testing::AssertionFailure()
           << "dtype/shape " << DTypeName(xnn.dtype) << ShapeToString(xnn.shape)
           << " vs " << DTypeName(ref.dtype) << ShapeToString(ref.shape);
  }
  if (xnn.dtype == DType::kFloat32) {
    return testing::NearRelative(xnn.values<float>(), ref.values<float>(),
                                 float_tol);
  }
  return testing::QuantizedNear(xnn, ref, quant_tol);
}

// Runs `model` on ref and on XNNPACK (no fallback; 1 and 2 threads) and
// expects every output to agree; the two XNNPACK runs must be identical.
inline void ExpectXnnMatchesRef(const std::vector<uint8_t>& model,
                                const std::vector<HostTensor>& inputs,
                                double float_tol = 1e-5, int quant_tol = 1) {
  auto ref = testing::RunMai(model, inputs, RefOptions());
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  auto one = testing::RunMai(model, inputs, XnnOptions(1));
  ASSERT_TRUE(one.ok()) << one.status().message();
  auto two = testing::RunMai(model, inputs, XnnOptions(2));
  ASSERT_TRUE(two.ok()) << two.status().message();
  ASSERT_EQ(one->size(), ref->size());
  ASSERT_EQ(two->size(), ref->size());
  for (size_t i = 0; i < ref->size(); ++i) {
    EXPECT_TRUE(OutputsAgree(one->at(i), ref->at(i), float_tol, quant_tol))
        << "output " << i;
    EXPECT_TRUE(one->at(i).bytes == two->at(i).bytes)
        << "output " << i << " differs between 1 and 2 threads";
  }
}

// The model's node `node` is declined by XNNPACK: "auto" runs it on ref
// (with a reason containing `reason`) and gives ref's result, and
// "xnnpack" without fallback fails with Unimplemented.
inline void ExpectFallsBack(const std::vector<uint8_t>& model,
                            const std::vector<HostTensor>& inputs,
                            const std::string& reason, int node = 0) {
  SessionOptions auto_options;
  auto_options.backend = "auto";
  auto session = Session::LoadBytes(model, auto_options);
  ASSERT_TRUE(session.ok()) << session.status().message();
  Status prepared = (*session)->Prepare();
  ASSERT_TRUE(prepared.ok()) << prepared.message();
  EXPECT_EQ((*session)->node_backend(node), "ref");
  bool found = false;
  for (const Session::Fallback& f : (*session)->fallbacks()) {
    if (f.node_index != node) continue;
    found = true;
    EXPECT_NE(f.reason.find(reason), std::string::npos)
        << "reason: " << f.reason;
  }
  EXPECT_TRUE(found) << "node " << node << " is not listed as a fallback";

  auto ref = testing::RunMai(model, inputs, RefOptions());
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  auto mixed = testing::RunMai(model, inputs, auto_options);
  ASSERT_TRUE(mixed.ok()) << mixed.status().message();
  for (size_t i = 0; i < ref->size(); ++i) {
    EXPECT_TRUE(mixed->at(i).bytes == ref->at(i).bytes) << "output " << i;
  }
  auto strict = testing::RunMai(model, inputs, XnnOptions(1));
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), StatusCode::kUnimplemented)
      << strict.status().message();
}

// The node runs on XNNPACK in "auto" mode (no fallback).
inline void ExpectRunsOnXnnpack(const std::vector<uint8_t>& model,
                                int node = 0) {
  SessionOptions o;
  o.backend = "auto";
  auto session = Session::LoadBytes(model, o);
  ASSERT_TRUE(session.ok()) << session.status().message();
  Status prepared = (*session)->Prepare();
  ASSERT_TRUE(prepared.ok()) << prepared.message();
  EXPECT_EQ((*session)->node_backend(node), "xnnpack");
  EXPECT_TRUE((*session)->fallbacks().empty());
}

// An output scale for a quantized dot product of `taps` terms whose inputs
// use the whole integer range: about three standard deviations of the real
// accumulator map to the int8/uint8 half range.
inline float OutputScaleFor(int taps, float input_scale, float weight_scale) {
  const double per_term = (128.0 / std::sqrt(3.0)) * (127.0 / std::sqrt(3.0));
  return static_cast<float>(3.0 * per_term * std::sqrt(std::max(taps, 1)) *
                            input_scale * weight_scale / 128.0);
}

// Whether quantized values spread over more than `span` steps (a guard
// against degenerate, all-saturated outputs).
inline bool Spread(const HostTensor& t, int span) {
  std::vector<int> v;
  if (t.dtype == DType::kInt8) {
    for (int8_t x : t.values<int8_t>()) v.push_back(x);
  } else {
    for (uint8_t x : t.values<uint8_t>()) v.push_back(x);
  }
  if (v.empty()) return false;
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *hi - *lo > span;
}

}  // namespace mai::xnn_test

#endif  // MAI_TESTS_XNNPACK_CONV_TEST_UTIL_H_
