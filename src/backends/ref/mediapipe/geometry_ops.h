// MediaPipe's geometry custom ops, as found in the face mesh (with attention)
// and holistic models:
//
//   Landmarks2TransformMatrix  landmarks → 4x4 crop matrix     (v1, v2)
//   TransformTensorBilinear    warps a feature map by a matrix (v1, v2)
//                              (v1 is also named "TransformTensor")
//   TransformLandmarks         applies a matrix to landmarks   (v1, v2)
//
// The node's `version` selects the semantics (input layouts and options
// differ between versions; MediaPipe's own resolver registers version 2 of
// each). Options are FlexBuffers maps in the node's custom_options; they are
// read through FlexOptions, which verifies the buffer first and turns every
// missing key, wrong type or out-of-range value into a Status. All three ops
// are float32 only.
//
// Each op file has a static shape function (ir::ShapeFn) and a kernel; the
// Register* functions below add both to a KernelRegistry and are called from
// backends/ref/mediapipe_registry.cc.
#ifndef MAI_BACKENDS_REF_MEDIAPIPE_GEOMETRY_OPS_H_
#define MAI_BACKENDS_REF_MEDIAPIPE_GEOMETRY_OPS_H_

// flexbuffers' string-to-number conversions otherwise need the locale object
// compiled into libflatbuffers, which the engine does not link.
#ifndef FLATBUFFERS_LOCALE_INDEPENDENT
#define FLATBUFFERS_LOCALE_INDEPENDENT 0
#endif
#include <flatbuffers/flexbuffers.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "backends/kernel.h"
#include "core/status.h"
#include "ir/graph.h"

namespace mai::backends::ref::mediapipe {

// Registers "Landmarks2TransformMatrix".
void RegisterLandmarksToTransformMatrix(KernelRegistry& registry);
// Registers "TransformTensorBilinear" and its version-1 name "TransformTensor".
void RegisterTransformTensorBilinear(KernelRegistry& registry);
// Registers "TransformLandmarks".
void RegisterTransformLandmarks(KernelRegistry& registry);

// Prefixes a failed status with "node N (OP)" (keeps its code).
inline Status WithNodeContext(const Status& status, const ir::Graph& graph,
                              int node_index) {
  return status.WithContext(graph.NodeLabel(node_index));
}

// Read-only view of a custom_options FlexBuffers map. The bytes must outlive
// the view. Empty bytes read as a map without keys.
//
//   MAI_ASSIGN_OR_RETURN(FlexOptions opts,
//   FlexOptions::Parse(node.custom_options)); MAI_ASSIGN_OR_RETURN(int32_t h,
//   opts.Int("output_height"));
class FlexOptions {
 public:
  static Result<FlexOptions> Parse(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return FlexOptions(flexbuffers::Map::EmptyMap());
    if (!flexbuffers::VerifyBuffer(bytes.data(), bytes.size())) {
      return InvalidModel("custom options are not a valid FlexBuffer");
    }
    flexbuffers::Reference root =
        flexbuffers::GetRoot(bytes.data(), bytes.size());
    if (!root.IsMap()) {
      return InvalidModel("custom options are not a FlexBuffer map");
    }
    return FlexOptions(root.AsMap());
  }

  bool Has(const char* key) const { return !map_[key].IsNull(); }

  // An integer option; an integral float value is accepted too.
  Result<int32_t> Int(const char* key) const {
    flexbuffers::Reference r = map_[key];
    if (r.IsNull()) return Missing(key);
    return ToInt32(r, key);
  }
  Result<int32_t> Int(const char* key, int32_t fallback) const {
    if (!Has(key)) return fallback;
    return Int(key);
  }

  // A finite floating-point option (integers are accepted too).
  Result<float> Float(const char* key) const {
    flexbuffers::Reference r = map_[key];
    if (r.IsNull()) return Missing(key);
    if (!r.IsNumeric()) return WrongType(key, "a number");
    double v = r.IsFloat() ? r.AsDouble()
               : r.IsInt() ? static_cast<double>(r.AsInt64())
                           : static_cast<double>(r.AsUInt64());
    if (!std::isfinite(v) || std::fabs(v) > std::numeric_limits<float>::max()) {
      return InvalidModel("custom option '{}' is not a finite float: {}", key,
                          v);
    }
    return static_cast<float>(v);
  }
  Result<float> Float(const char* key, float fallback) const {
    if (!Has(key)) return fallback;
    return Float(key);
  }

  // A vector of integers (typed, fixed-size typed or untyped vector).
  Result<std::vector<int32_t>> IntVector(const char* key) const {
    flexbuffers::Reference r = map_[key];
    if (r.IsNull()) return Missing(key);
    std::vector<int32_t> out;
    auto append_all = [&](const auto& vec) -> Status {
      for (size_t i = 0; i < vec.size(); ++i) {
        Result<int32_t> v = ToInt32(vec[i], key);
        if (!v.ok()) return v.status();
        out.push_back(*v);
      }
      return Status::Ok();
    };
    if (r.IsTypedVector()) {
      MAI_RETURN_IF_ERROR(append_all(r.AsTypedVector()));
    } else if (r.IsFixedTypedVector()) {
      MAI_RETURN_IF_ERROR(append_all(r.AsFixedTypedVector()));
    } else if (r.IsUntypedVector()) {
      MAI_RETURN_IF_ERROR(append_all(r.AsVector()));
    } else {
      return WrongType(key, "a vector of integers");
    }
    return out;
  }

  Result<std::string> String(const char* key) const {
    flexbuffers::Reference r = map_[key];
    if (r.IsNull()) return Missing(key);
    if (!r.IsString() && !r.IsKey()) return WrongType(key, "a string");
    return r.IsString() ? r.AsString().str() : std::string(r.AsKey());
  }

 private:
  explicit FlexOptions(flexbuffers::Map map) : map_(map) {}

  static Status Missing(const char* key) {
    return InvalidModel("custom option '{}' is missing", key);
  }
  static Status WrongType(const char* key, const char* expected) {
    return InvalidModel("custom option '{}' is not {}", key, expected);
  }
  static Result<int32_t> ToInt32(const flexbuffers::Reference& r,
                                 const char* key) {
    constexpr int64_t kMin = std::numeric_limits<int32_t>::min();
    constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
    if (r.IsInt()) {
      int64_t v = r.AsInt64();
      if (v < kMin || v > kMax) {
        return InvalidModel("custom option '{}' value {} overflows int32", key,
                            v);
      }
      return static_cast<int32_t>(v);
    }
    if (r.IsUInt()) {
      uint64_t v = r.AsUInt64();
      if (v > static_cast<uint64_t>(kMax)) {
        return InvalidModel("custom option '{}' value {} overflows int32", key,
                            v);
      }
      return static_cast<int32_t>(v);
    }
    if (r.IsFloat()) {
      double v = r.AsDouble();
      if (!std::isfinite(v) || v != std::trunc(v) || v < kMin || v > kMax) {
        return InvalidModel("custom option '{}' value {} is not an int32", key,
                            v);
      }
      return static_cast<int32_t>(v);
    }
    return WrongType(key, "an integer");
  }

  flexbuffers::Map map_;
};

}  // namespace mai::backends::ref::mediapipe

#endif  // MAI_BACKENDS_REF_MEDIAPIPE_GEOMETRY_OPS_H_
