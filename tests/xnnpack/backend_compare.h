// Test helpers for XNNPACK kernels: run a one-op model on the xnnpack
// backend (no fallback, 1 and 2 threads) and on the reference backend, and
// compare; check that declined nodes really fall back to the reference.
//
//   auto model = BuildModel(b);
//   ExpectXnnMatchesRefFloat(model, {x});      // fp32, relative 1e-5
//   ExpectXnnMatchesRefQuantized(model, {x});  // int8/uint8, within 1
//   ExpectFallsBack(model, {x});               // xnnpack declines node 0
#ifndef MAI_TESTS_XNNPACK_BACKEND_COMPARE_H_
#define MAI_TESTS_XNNPACK_BACKEND_COMPARE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "mai/session.h"
#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai::testing {

inline SessionOptions XnnOptions(int num_threads = 1) {
  SessionOptions o;
  o.backend = "xnnpack";
  o.allow_fallback = false;
  o.num_threads = num_threads;
  return o;
}

inline SessionOptions RefOptions() {
  SessionOptions o;
  o.backend = "ref";
  return o;
}

inline std::vector<uint8_t> BuildModel(const tflite::ModelBuilder& b) {
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// Outputs of the reference backend and of xnnpack with 1 thread; fails when
// either run fails or when xnnpack with 2 threads differs in any byte from
// xnnpack with 1 thread.
struct BackendOutputs {
  std::vector<HostTensor> ref;
  std::vector<HostTensor> xnn;
};
inline ::testing::AssertionResult RunBothBackends(
    const std::vector<uint8_t>& model, const std::vector<HostTensor>& inputs,
    BackendOutputs* out) {
  auto ref = RunMai(model, inputs, RefOptions());
  if (!ref.ok()) {
    return ::testing::AssertionFailure()
           << "ref backend: " << ref.status().message();
  }
  auto xnn = RunMai(model, inputs, XnnOptions(1));
  if (!xnn.ok()) {
    return ::testing::AssertionFailure()
           << "xnnpack backend: " << xnn.status().message();
  }
  auto xnn2 = RunMai(model, inputs, XnnOptions(2));
  if (!xnn2.ok()) {
    return ::testing::AssertionFailure()
           << "xnnpack backend, 2 threads: " << xnn2.status().message();
  }
  if (xnn->size() != ref->size() || xnn2->size() != xnn->size()) {
    return ::testing::AssertionFailure() << "output counts differ";
  }
  for (size_t i = 0; i < xnn->size(); ++i) {
    if ((*xnn)[i].shape != (*ref)[i].shape ||
        (*xnn)[i].dtype != (*ref)[i].dtype) {
      return ::testing::AssertionFailure()
             << "output " << i << ": xnnpack " << ShapeToString((*xnn)[i].shape)
             << " vs ref " << ShapeToString((*ref)[i].shape);
    }
    if ((*xnn2)[i].bytes != (*xnn)[i].bytes) {
      return ::testing::AssertionFailure()
             << "output " << i << ": 2 threads differ from 1 thread";
    }
  }
  out->ref = std::move(*ref);
  out->xnn = std::move(*xnn);
  return ::testing::AssertionSuccess();
}

// Every output of the model (float32) within `tol` relative to max |ref|.
inline void ExpectXnnMatchesRefFloat(const std::vector<uint8_t>& model,
                                     const std::vector<HostTensor>& inputs,
                                     double tol = 1e-5) {
  BackendOutputs o;
  ASSERT_TRUE(RunBothBackends(model, inputs, &o));
  for (size_t i = 0; i < o.ref.size(); ++i) {
    const std::vector<float> x = o.xnn[i].values<float>();
    const std::vector<float> r = o.ref[i].values<float>();
    EXPECT_TRUE(NearRelative(x, r, tol)) << "output " << i;
  }
}

// Every output (int8/uint8/int32) within `tol` of the reference.
inline void ExpectXnnMatchesRefQuantized(const std::vector<uint8_t>& model,
                                         const std::vector<HostTensor>& inputs,
                                         int tol = 1) {
  BackendOutputs o;
  ASSERT_TRUE(RunBothBackends(model, inputs, &o));
  for (size_t i = 0; i < o.ref.size(); ++i) {
    EXPECT_TRUE(QuantizedNear(o.xnn[i], o.ref[i], tol)) << "output " << i;
  }
}

// Every output byte for byte equal (data movement ops).
inline void ExpectXnnMatchesRefExactly(const std::vector<uint8_t>& model,
                                       const std::vector<HostTensor>& inputs) {
  BackendOutputs o;
  ASSERT_TRUE(RunBothBackends(model, inputs, &o));
  for (size_t i = 0; i < o.ref.size(); ++i) {
    EXPECT_EQ(o.xnn[i].bytes, o.ref[i].bytes) << "output " << i;
  }
}

// Node `node` of the model is declined by xnnpack: in auto mode it runs on
// the reference backend (listed as a fallback) and gives the reference
// result; with fallback forbidden, Prepare fails with Unimplemented.
inline void ExpectFallsBack(const std::vector<uint8_t>& model,
                            const std::vector<HostTensor>& inputs,
                            int node = 0) {
  SessionOptions autos;
  autos.backend = "auto";
  auto session = Session::LoadBytes(model, autos);
  ASSERT_TRUE(session.ok()) << session.status().message();
  Status s = (*session)->Prepare();
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ((*session)->node_backend(node), "ref");
  bool listed = false;
  for (const Session::Fallback& f : (*session)->fallbacks()) {
    listed = listed || f.node_index == node;
  }
  EXPECT_TRUE(listed) << "node " << node << " is not listed as a fallback";

  auto strict = Session::LoadBytes(model, XnnOptions());
  ASSERT_TRUE(strict.ok()) << strict.status().message();
  Status strict_status = (*strict)->Prepare();
  EXPECT_EQ(strict_status.code(), StatusCode::kUnimplemented)
      << strict_status.message();

  auto with_fallback = RunMai(model, inputs, autos);
  auto ref = RunMai(model, inputs, RefOptions());
  ASSERT_TRUE(with_fallback.ok()) << with_fallback.status().message();
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  ASSERT_EQ(with_fallback->size(), ref->size());
  for (size_t i = 0; i < ref->size(); ++i) {
    EXPECT_EQ((*with_fallback)[i].bytes, (*ref)[i].bytes);
  }
}

// The backend node `node` runs on in auto mode ("xnnpack", "ref", "folded").
inline std::string AutoNodeBackend(const std::vector<uint8_t>& model,
                                   int node = 0) {
  SessionOptions autos;
  autos.backend = "auto";
  auto session = Session::LoadBytes(model, autos);
  if (!session.ok()) return "load error: " + session.status().message();
  Status s = (*session)->Prepare();
  if (!s.ok()) return "prepare error: " + s.message();
  return (*session)->node_backend(node);
}

}  // namespace mai::testing

#endif  // MAI_TESTS_XNNPACK_BACKEND_COMPARE_H_
