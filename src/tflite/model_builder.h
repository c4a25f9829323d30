// ModelBuilder: builds a model op by op and serializes it as a .tflite file
// that real TensorFlow Lite loads. Tests build one-op models with it; the
// model zoo and the quantizer build whole networks.
//
//   ModelBuilder b;
//   int x = b.AddInput("x", DType::kFloat32, {1, 8, 8, 3});
//   int w = b.AddConstant<float>("w", {4, 3, 3, 3}, weights);
//   int bias = b.AddConstant<float>("b", {4}, bias_values);
//   int y = b.AddTensor("y", DType::kFloat32, {1, 8, 8, 4});
//   b.AddOp(ir::OpCode::kConv2D, {x, w, bias}, {y}, ir::Conv2DParams{...});
//   b.MarkOutput(y);
//   Result<std::vector<uint8_t>> bytes = b.Build();   // .tflite bytes
//
// Tensor indices returned by Add* are the indices in the built graph. Shapes
// of intermediate/output tensors are given by the caller (the file stores
// them); use AddTensor with an empty optional shape to let Build() infer it
// with mai's shape inference instead.
#ifndef MAI_TFLITE_MODEL_BUILDER_H_
#define MAI_TFLITE_MODEL_BUILDER_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/status.h"
#include "ir/graph.h"

namespace mai::tflite {

class ModelBuilder {
 public:
  ModelBuilder();

  // A graph input (an activation the caller fills). `shape_signature` may
  // hold -1 for resizable dims (then `shape` holds the default size).
  int AddInput(const std::string& name, DType dtype, const Shape& shape,
               const ir::QuantParams& quant = {},
               const Shape& shape_signature = {});

  // A constant tensor; `bytes` must hold NumElements(shape) * DTypeSize(dtype)
  // bytes (checked by Build()).
  int AddConstantBytes(const std::string& name, DType dtype, const Shape& shape,
                       std::vector<uint8_t> bytes,
                       const ir::QuantParams& quant = {});
  template <typename T>
  int AddConstant(const std::string& name, const Shape& shape,
                  const std::vector<T>& values,
                  const ir::QuantParams& quant = {}) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return AddConstantBytes(name, DTypeOf<T>(), shape, std::move(bytes), quant);
  }

  // A sparse constant (for DENSIFY tests): `bytes` are the packed non-zero
  // values as TFLite stores them.
  int AddSparseConstant(const std::string& name, DType dtype,
                        const Shape& shape, std::vector<uint8_t> bytes,
                        ir::SparsityParams sparsity,
                        const ir::QuantParams& quant = {});

  // An activation tensor (op output). With std::nullopt the shape is
  // inferred at Build() time by ir::InferShapes.
  int AddTensor(const std::string& name, DType dtype,
                const std::optional<Shape>& shape,
                const ir::QuantParams& quant = {});

  // Appends a node; nodes run in the order they are added. Use
  // ir::kNoTensor for absent optional inputs.
  void AddOp(ir::OpCode op, const std::vector<int>& inputs,
             const std::vector<int>& outputs, ir::OpParams params = {},
             int version = 1);
  void AddCustomOp(const std::string& name, const std::vector<int>& inputs,
                   const std::vector<int>& outputs,
                   std::vector<uint8_t> custom_options = {});

  void MarkOutput(int tensor);

  // Adds a signature def over the main graph (inputs/outputs by tensor).
  void AddSignature(const std::string& key,
                    const std::vector<std::pair<std::string, int>>& inputs,
                    const std::vector<std::pair<std::string, int>>& outputs);

  // The model as IR (owned constant data, no storage).
  Result<ir::Model> BuildModel() const;
  // Serialized .tflite bytes.
  Result<std::vector<uint8_t>> Build() const;

  ir::Graph& graph() { return model_.main_graph(); }

 private:
  ir::Model model_;
  std::vector<bool> infer_shape_;  // per tensor: shape left to inference
};

}  // namespace mai::tflite

#endif  // MAI_TFLITE_MODEL_BUILDER_H_
