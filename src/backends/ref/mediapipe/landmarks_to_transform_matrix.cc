// Landmarks2TransformMatrix: from landmarks (x, y, z triplets) to the 4x4
// matrix that maps crop pixels to input pixels, for a crop aligned with two
// "rotation" landmarks and bounding a subset of the landmarks.
//
// v1: input [1, 1, 1, 3N]; options dimensions (= 3), landmarks_range,
//     bbox_size_multiplier, left/right_rotation_idx, input_hw, output_hw,
//     subset. The matrix maps crop pixel centres (0 .. output-1) to input
//     pixel centres, landmarks being in [0, landmarks_range].
// v2: input [B, N, 3] (read as consecutive triplets); options subset_idxs,
//     left/right_rotation_idx, target_rotation_radians (default 0),
//     output_height, output_width, scale_x, scale_y. The matrix maps crop
//     pixel corners (0 .. output) to landmark coordinates.
// Output: [1, 4, 4], row-major.
#include <array>
#include <cmath>
#include <vector>

#include "backends/ref/mediapipe/geometry_ops.h"

namespace mai::backends::ref::mediapipe {
namespace {

constexpr char kOpName[] = "Landmarks2TransformMatrix";

struct OptionsV1 {
  int32_t landmarks_range = 0;
  float bbox_size_multiplier = 0;
  int32_t left_rotation_idx = 0, right_rotation_idx = 0;
  int32_t input_h = 0, input_w = 0;
  int32_t output_h = 0, output_w = 0;
  std::vector<int32_t> subset;
};

struct OptionsV2 {
  int32_t left_rotation_idx = 0, right_rotation_idx = 0;
  float target_rotation_radians = 0;
  int32_t output_h = 0, output_w = 0;
  float scale_x = 0, scale_y = 0;
  std::vector<int32_t> subset;
};

struct Options {
  int version = 2;
  OptionsV1 v1;
  OptionsV2 v2;
};

// [height, width]; the output size divides by (size - 1), so it needs 2.
Result<std::array<int32_t, 2>> ReadHw(const FlexOptions& opts, const char* key,
                                      int32_t min_size) {
  MAI_ASSIGN_OR_RETURN(std::vector<int32_t> hw, opts.IntVector(key));
  if (hw.size() != 2) {
    return InvalidModel("custom option '{}' must hold 2 values, has {}", key,
                        hw.size());
  }
  if (hw[0] < min_size || hw[1] < min_size) {
    return InvalidModel(
        "custom option '{}' must be at least [{}, {}], is [{}, {}]", key,
        min_size, min_size, hw[0], hw[1]);
  }
  return std::array<int32_t, 2>{hw[0], hw[1]};
}

Status CheckIndices(const std::vector<int32_t>& subset, const char* key) {
  if (subset.empty()) return InvalidModel("custom option '{}' is empty", key);
  for (size_t i = 0; i < subset.size(); ++i) {
    if (subset[i] < 0) {
      return InvalidModel("custom option '{}'[{}] is negative: {}", key, i,
                          subset[i]);
    }
  }
  return Status::Ok();
}

Status CheckIndex(int32_t index, const char* key) {
  if (index < 0) {
    return InvalidModel("custom option '{}' is negative: {}", key, index);
  }
  return Status::Ok();
}

Result<Options> ParseOptions(const ir::Node& node) {
  Options o;
  o.version = node.version;
  if (o.version != 1 && o.version != 2) {
    return Unimplemented("{} version {} is not supported (1 or 2)", kOpName,
                         node.version);
  }
  MAI_ASSIGN_OR_RETURN(FlexOptions opts,
                       FlexOptions::Parse(node.custom_options));
  if (o.version == 1) {
    OptionsV1& v = o.v1;
    MAI_ASSIGN_OR_RETURN(int32_t dimensions, opts.Int("dimensions"));
    if (dimensions != 3) {
      return InvalidModel("custom option 'dimensions' must be 3, is {}",
                          dimensions);
    }
    MAI_ASSIGN_OR_RETURN(v.landmarks_range, opts.Int("landmarks_range"));
    if (v.landmarks_range <= 0) {
      return InvalidModel(
          "custom option 'landmarks_range' must be positive, is {}",
          v.landmarks_range);
    }
    MAI_ASSIGN_OR_RETURN(v.bbox_size_multiplier,
                         opts.Float("bbox_size_multiplier"));
    if (v.bbox_size_multiplier == 0) {
      return InvalidModel("custom option 'bbox_size_multiplier' is 0");
    }
    MAI_ASSIGN_OR_RETURN(v.left_rotation_idx, opts.Int("left_rotation_idx"));
    MAI_ASSIGN_OR_RETURN(v.right_rotation_idx, opts.Int("right_rotation_idx"));
    MAI_ASSIGN_OR_RETURN(auto input_hw, ReadHw(opts, "input_hw", 1));
    MAI_ASSIGN_OR_RETURN(auto output_hw, ReadHw(opts, "output_hw", 2));
    v.input_h = input_hw[0];
    v.input_w = input_hw[1];
    v.output_h = output_hw[0];
    v.output_w = output_hw[1];
    MAI_ASSIGN_OR_RETURN(v.subset, opts.IntVector("subset"));
    MAI_RETURN_IF_ERROR(CheckIndices(v.subset, "subset"));
    MAI_RETURN_IF_ERROR(CheckIndex(v.left_rotation_idx, "left_rotation_idx"));
    MAI_RETURN_IF_ERROR(CheckIndex(v.right_rotation_idx, "right_rotation_idx"));
  } else {
    OptionsV2& v = o.v2;
    MAI_ASSIGN_OR_RETURN(v.subset, opts.IntVector("subset_idxs"));
    MAI_RETURN_IF_ERROR(CheckIndices(v.subset, "subset_idxs"));
    MAI_ASSIGN_OR_RETURN(v.left_rotation_idx, opts.Int("left_rotation_idx"));
    MAI_ASSIGN_OR_RETURN(v.right_rotation_idx, opts.Int("right_rotation_idx"));
    MAI_RETURN_IF_ERROR(CheckIndex(v.left_rotation_idx, "left_rotation_idx"));
    MAI_RETURN_IF_ERROR(CheckIndex(v.right_rotation_idx, "right_rotation_idx"));
    MAI_ASSIGN_OR_RETURN(v.target_rotation_radians,
                         opts.Float("target_rotation_radians", 0.0f));
    MAI_ASSIGN_OR_RETURN(v.output_h, opts.Int("output_height"));
    MAI_ASSIGN_OR_RETURN(v.output_w, opts.Int("output_width"));
    if (v.output_h <= 0 || v.output_w <= 0) {
      return InvalidModel("output size must be positive, is {}x{}", v.output_h,
                          v.output_w);
    }
    MAI_ASSIGN_OR_RETURN(v.scale_x, opts.Float("scale_x"));
    MAI_ASSIGN_OR_RETURN(v.scale_y, opts.Float("scale_y"));
    if (!(v.scale_x > 0) || !(v.scale_y > 0)) {
      return InvalidModel("scale_x and scale_y must be positive, are {} and {}",
                          v.scale_x, v.scale_y);
    }
  }
  return o;
}

// Checks the landmarks input layout and that every index the options name
// is a landmark of the input.
Status CheckInput(const Options& o, const Shape& shape) {
  if (o.version == 1) {
    if (shape.size() != 4 || shape[0] != 1 || shape[1] != 1 || shape[2] != 1) {
      return InvalidModel("{} v1 expects landmarks of shape [1,1,1,3N], got {}",
                          kOpName, ShapeToString(shape));
    }
  } else if (shape.size() != 3) {
    return InvalidModel("{} v2 expects landmarks of rank 3, got {}", kOpName,
                        ShapeToString(shape));
  }
  const int64_t num_landmarks = NumElementsUnchecked(shape) / 3;
  auto check = [&](int32_t index, const char* what) -> Status {
    if (index >= num_landmarks) {
      return InvalidModel(
          "{} index {} is out of range: the input has {} landmarks", what,
          index, num_landmarks);
    }
    return Status::Ok();
  };
  const std::vector<int32_t>& subset =
      o.version == 1 ? o.v1.subset : o.v2.subset;
  for (int32_t index : subset) MAI_RETURN_IF_ERROR(check(index, "subset"));
  MAI_RETURN_IF_ERROR(
      check(o.version == 1 ? o.v1.left_rotation_idx : o.v2.left_rotation_idx,
            "left_rotation_idx"));
  MAI_RETURN_IF_ERROR(
      check(o.version == 1 ? o.v1.right_rotation_idx : o.v2.right_rotation_idx,
            "right_rotation_idx"));
  return Status::Ok();
}

Status ShapeFn(ir::ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  Result<Options> o = ParseOptions(ctx.node());
  if (!o.ok())
    return WithNodeContext(o.status(), ctx.graph(), ctx.node_index());
  Status s = CheckInput(*o, ctx.input(0)->shape);
  if (!s.ok()) return WithNodeContext(s, ctx.graph(), ctx.node_index());
  return ctx.SetOutputShape(0, {1, 4, 4});
}

using Mat3 = std::array<std::array<double, 3>, 3>;

Mat3 Mul(const Mat3& a, const Mat3& b) {
  Mat3 c{};
  for (int r = 0; r < 3; ++r) {
    for (int k = 0; k < 3; ++k) {
      for (int col = 0; col < 3; ++col) c[r][col] += a[r][k] * b[k][col];
    }
  }
  return c;
}

// Writes the 2D affine map [a00 a01 t0; a10 a11 t1] as a 4x4 matrix that
// keeps z.
void WriteAffine(const Mat3& m, float* out) {
  const double rows[4][4] = {{m[0][0], m[0][1], 0, m[0][2]},
                             {m[1][0], m[1][1], 0, m[1][2]},
                             {m[2][0], m[2][1], m[2][2], 0},
                             {0, 0, 0, 1}};
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) out[r * 4 + c] = static_cast<float>(rows[r][c]);
  }
}

void ComputeV1(const OptionsV1& o, const float* lm, float* out) {
  auto x = [&](int i) { return static_cast<double>(lm[i * 3]); };
  auto y = [&](int i) { return static_cast<double>(lm[i * 3 + 1]); };
  // Angle that brings the left→right rotation landmarks to horizontal.
  const double alpha =
      -std::atan((y(o.right_rotation_idx) - y(o.left_rotation_idx)) /
                 (x(o.right_rotation_idx) - x(o.left_rotation_idx)));
  const double ca = std::cos(alpha), sa = std::sin(alpha);
  // Bounding box of the subset in the rotated frame (MediaPipe starts the
  // search from +-1e5).
  double min_x = 100000, min_y = 100000, max_x = -100000, max_y = -100000;
  for (int32_t i : o.subset) {
    const double rx = x(i) * ca - y(i) * sa;
    const double ry = x(i) * sa + y(i) * ca;
    min_x = std::min(min_x, rx);
    max_x = std::max(max_x, rx);
    min_y = std::min(min_y, ry);
    max_y = std::max(max_y, ry);
  }
  const double range = o.landmarks_range;
  const double box_w = (max_x - min_x) * o.bbox_size_multiplier;
  const double box_h = (max_y - min_y) * o.bbox_size_multiplier;
  const double mid_x = (max_x + min_x) / 2, mid_y = (max_y + min_y) / 2;
  // Back to the unrotated frame: rotate the box centre by -alpha.
  const double cx = mid_x * ca + mid_y * sa;
  const double cy = -mid_x * sa + mid_y * ca;

  const Mat3 scale = {
      {{box_w / range, 0, 0}, {0, box_h / range, 0}, {0, 0, 1}}};
  const Mat3 rotation = {
      {{ca, sa, cx / range * 2 - 1}, {-sa, ca, cy / range * 2 - 1}, {0, 0, 1}}};
  const Mat3 to_relative = {{{2.0 / (o.output_w - 1), 0, -1},
                             {0, 2.0 / (o.output_h - 1), -1},
                             {0, 0, 1}}};
  const double half_w = (o.input_w - 1) / 2.0, half_h = (o.input_h - 1) / 2.0;
  const Mat3 to_absolute = {
      {{half_w, 0, half_w}, {0, half_h, half_h}, {0, 0, 1}}};
  WriteAffine(Mul(Mul(Mul(to_absolute, rotation), scale), to_relative), out);
}

void ComputeV2(const OptionsV2& o, const float* lm, float* out) {
  auto x = [&](int i) { return static_cast<double>(lm[i * 3]); };
  auto y = [&](int i) { return static_cast<double>(lm[i * 3 + 1]); };
  // Rotation r that turns the left→right direction into the target angle.
  const double r = o.target_rotation_radians -
                   std::atan2(y(o.right_rotation_idx) - y(o.left_rotation_idx),
                              x(o.right_rotation_idx) - x(o.left_rotation_idx));
  const double c = std::cos(r), s = std::sin(r);
  // Bounding box of the subset after rotating by r.
  double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
  for (size_t k = 0; k < o.subset.size(); ++k) {
    const int32_t i = o.subset[k];
    const double rx = c * x(i) - s * y(i);
    const double ry = s * x(i) + c * y(i);
    if (k == 0 || rx < min_x) min_x = rx;
    if (k == 0 || rx > max_x) max_x = rx;
    if (k == 0 || ry < min_y) min_y = ry;
    if (k == 0 || ry > max_y) max_y = ry;
  }
  const double mid_x = (min_x + max_x) / 2, mid_y = (min_y + max_y) / 2;
  // Box centre in landmark coordinates (rotated back by -r).
  const double cx = c * mid_x + s * mid_y;
  const double cy = -s * mid_x + c * mid_y;
  const double sx = o.scale_x * (max_x - min_x) / o.output_w;
  const double sy = o.scale_y * (max_y - min_y) / o.output_h;
  // M = Translate(c) * Rotate(-r) * Scale(sx, sy) * Translate(-W/2, -H/2).
  const double a00 = c * sx, a01 = s * sy;
  const double a10 = -s * sx, a11 = c * sy;
  const double hw = o.output_w / 2.0, hh = o.output_h / 2.0;
  const Mat3 m = {{{a00, a01, cx - a00 * hw - a01 * hh},
                   {a10, a11, cy - a10 * hw - a11 * hh},
                   {0, 0, 1}}};
  WriteAffine(m, out);
}

class LandmarksToTransformMatrixKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 1 input and 1 output");
    }
    for (const TensorView* t : {&ctx.input(0), &ctx.output(0)}) {
      if (t->dtype() != DType::kFloat32)
        return ctx.UnsupportedDType(t->dtype());
    }
    Result<Options> o = ParseOptions(*ctx.node);
    if (!o.ok()) return WithNodeContext(o.status(), *ctx.graph, ctx.node_index);
    Status s = CheckInput(*o, ctx.input(0).shape());
    if (!s.ok()) return WithNodeContext(s, *ctx.graph, ctx.node_index);
    if (ctx.output(0).num_elements() != 16) {
      return ctx.Error("output must hold a 4x4 matrix, has shape {}",
                       ShapeToString(ctx.output(0).shape()));
    }
    options_ = std::move(o).value();
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const float* landmarks = ctx.input(0).data_as<const float>();
    float* out = ctx.output(0).data_as<float>();
    if (options_.version == 1) {
      ComputeV1(options_.v1, landmarks, out);
    } else {
      ComputeV2(options_.v2, landmarks, out);
    }
    return Status::Ok();
  }

 private:
  Options options_;
};

}  // namespace

void RegisterLandmarksToTransformMatrix(KernelRegistry& registry) {
  registry.RegisterCustom(kOpName, &ShapeFn,
                          MakeFactory<LandmarksToTransformMatrixKernel>());
}

}  // namespace mai::backends::ref::mediapipe
