// Resampling float images stored in HWC order.
#ifndef MAI_IMAGE_RESIZE_H_
#define MAI_IMAGE_RESIZE_H_

#include <span>
#include <vector>

namespace mai::image {

// Resizes `src` (src_h x src_w x channels floats, HWC) to dst_h x dst_w with a
// separable triangle (bilinear) filter, the same resampling as Pillow's
// Image.resize(size, Image.BILINEAR) on mode "F" images:
//   - output index i covers input coordinate center = (i + 0.5) * scale, where
//     scale = in_size / out_size (half-pixel centres);
//   - input sample j gets weight max(0, 1 - |x|) with
//     x = (j + 0.5 - center) / max(scale, 1), so when downscaling the kernel
//     widens by the scale factor (anti-aliasing) and when upscaling it is plain
//     linear interpolation;
//   - samples outside the image are dropped and the remaining weights are
//     normalised to sum to 1 (edges are not padded).
// The horizontal pass runs first, then the vertical one; weights and sums are
// computed in double, the intermediate image is float. An unchanged dimension
// is copied exactly.
//
// Returns dst_h * dst_w * channels floats, or an empty vector when a size is
// not positive, when src.size() != src_h * src_w * channels, or when either
// image would hold more than 2^31 floats.
std::vector<float> ResizeHwc(std::span<const float> src, int src_h, int src_w,
                             int channels, int dst_h, int dst_w);

}  // namespace mai::image

#endif  // MAI_IMAGE_RESIZE_H_
