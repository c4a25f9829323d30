// Test helper for mai's fast kernels: many independent one-op cases built
// into ONE model, so each backend (reference, xnnpack on 1 and 2 threads)
// runs all of them in one session — creating sessions, above all ones with
// a thread pool, is what costs time in these tests. Every output carries
// the description of its case for failure messages.
//
//   CaseBatch batch;
//   for (...) {
//     const int x = batch.Input("x", RandomTensor(...), quant);
//     const int y = batch.Output(dtype, quant, "transpose " + ...);
//     batch.builder.AddOp(ir::OpCode::kTranspose, {x, perm}, {y});
//     batch.NextCase();
//   }
//   batch.ExpectExact();  // or ExpectFloatNear(1e-5) / ExpectQuantizedNear(1)
#ifndef MAI_TESTS_XNNPACK_FAST_CASE_BATCH_H_
#define MAI_TESTS_XNNPACK_FAST_CASE_BATCH_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xnnpack/backend_compare.h"

namespace mai::testing {

struct CaseBatch {
  tflite::ModelBuilder builder;
  std::vector<HostTensor> inputs;    // in model input order
  std::vector<std::string> outputs;  // description of each output
  int cases = 0;

  // Unique tensor names per case.
  std::string Name(const std::string& name) const {
    return "c" + std::to_string(cases) + "_" + name;
  }
  // A model input holding `value`.
  int Input(const std::string& name, const HostTensor& value,
            const ir::QuantParams& quant = {}) {
    inputs.push_back(value);
    return builder.AddInput(Name(name), value.dtype, value.shape, quant);
  }
  template <typename T>
  int Constant(const std::string& name, const Shape& shape,
               const std::vector<T>& values) {
    return builder.AddConstant<T>(Name(name), shape, values);
  }
  // A model output whose shape shape inference derives.
  int Output(DType dtype, const ir::QuantParams& quant,
             const std::string& what) {
    const int t = builder.AddTensor(Name("y" + std::to_string(outputs.size())),
                                    dtype, std::nullopt, quant);
    builder.MarkOutput(t);
    outputs.push_back("case " + std::to_string(cases) + ": " + what);
    return t;
  }
  void NextCase() { ++cases; }

  // Byte-for-byte equality of every output (data movement).
  void ExpectExact() { Run(Mode::kExact, 0); }
  // fp32 outputs within `tol` relative to max |ref|.
  void ExpectFloatNear(double tol) { Run(Mode::kFloat, tol); }
  // int8/uint8 outputs within `tol`.
  void ExpectQuantizedNear(int tol) { Run(Mode::kQuantized, tol); }

 private:
  enum class Mode { kExact, kFloat, kQuantized };

  static ::testing::AssertionResult SameBytes(
      const std::vector<uint8_t>& actual,
      const std::vector<uint8_t>& expected) {
    if (actual.size() != expected.size()) {
      return ::testing::AssertionFailure()
             << actual.size() << " bytes, expected " << expected.size();
    }
    size_t differ = 0, first = 0;
    for (size_t k = 0; k < actual.size(); ++k) {
      if (actual[k] != expected[k] && differ++ == 0) first = k;
    }
    if (differ == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << differ << " of " << actual.size() << " bytes differ, first at "
           << first << " (" << int{actual[first]} << " vs "
           << int{expected[first]} << ")";
  }

  void Run(Mode mode, double tol) {
    const std::vector<uint8_t> model = BuildModel(builder);
    ASSERT_FALSE(model.empty());
    BackendOutputs o;
    ASSERT_TRUE(RunBothBackends(model, inputs, &o));
    ASSERT_EQ(o.ref.size(), outputs.size());
    for (size_t i = 0; i < outputs.size(); ++i) {
      switch (mode) {
        case Mode::kExact:
          EXPECT_TRUE(SameBytes(o.xnn[i].bytes, o.ref[i].bytes)) << outputs[i];
          break;
        case Mode::kFloat:
          EXPECT_TRUE(NearRelative(o.xnn[i].values<float>(),
                                   o.ref[i].values<float>(), tol))
              << outputs[i];
          break;
        case Mode::kQuantized:
          EXPECT_TRUE(QuantizedNear(o.xnn[i], o.ref[i], static_cast<int>(tol)))
              << outputs[i];
          break;
      }
    }
  }
};

}  // namespace mai::testing

#endif  // MAI_TESTS_XNNPACK_FAST_CASE_BATCH_H_
