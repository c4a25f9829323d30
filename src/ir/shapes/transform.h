// Index arithmetic of the transform family that shape inference and the
// reference kernels must agree on: STRIDED_SLICE's slice spec (masks,
// negative strides, ellipsis, new axes, offset) and RESHAPE's target shape.
// Implemented in ir/shapes/transform.cc next to the shape functions.
//
//   Result<StridedSlicePlan> plan =
//       PlanStridedSlice(input_shape, begin, end, strides, params);
//   // plan->output_shape is the op's output; plan->axes says, per axis of the
//   // expanded (pre-shrink) output, which input axis it reads and how.
#ifndef MAI_IR_SHAPES_TRANSFORM_H_
#define MAI_IR_SHAPES_TRANSFORM_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/shape.h"
#include "core/status.h"
#include "ir/op_params.h"

namespace mai::ir {

// One axis of a resolved strided slice, in expanded output order (new axes
// included, shrunk axes included with keep == false).
struct StridedSliceAxis {
  int32_t input_axis = -1;  // input axis read; -1 for an inserted axis
  int64_t begin = 0;        // first input index read (valid when size > 0)
  int64_t stride = 1;       // step between input indices (may be negative)
  int32_t size = 1;         // number of elements taken along this axis
  bool keep = true;         // false for a shrunk axis (size 1, not in output)
};

struct StridedSlicePlan {
  std::vector<StridedSliceAxis> axes;
  Shape output_shape;  // sizes of the kept axes
};

// Resolves a STRIDED_SLICE spec against `input` with TensorFlow Lite's
// semantics: begin/end clamped per direction, begin_mask/end_mask select the
// full range, one ellipsis expands to the unspecified axes, new_axis inserts
// size-1 axes, shrink_axis takes the single element at begin (error when it
// is out of range), `offset` makes end relative to begin. Every index the
// plan reads is in range. Errors (InvalidModel): mismatched spec lengths,
// zero stride, more than one ellipsis, more spec entries than input axes.
Result<StridedSlicePlan> PlanStridedSlice(const Shape& input,
                                          std::span<const int64_t> begin,
                                          std::span<const int64_t> end,
                                          std::span<const int64_t> strides,
                                          const StridedSliceParams& params);

// RESHAPE's output shape for `num_input_elements` elements and a requested
// shape that may hold one -1 (inferred). Errors: more than one -1, other
// negative values, an element count that differs, or a -1 next to a zero.
Result<Shape> ResolveReshape(int64_t num_input_elements,
                             std::span<const int64_t> requested);

}  // namespace mai::ir

#endif  // MAI_IR_SHAPES_TRANSFORM_H_
