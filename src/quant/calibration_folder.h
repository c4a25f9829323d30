// Calibration samples from a folder of photographs or tensors, for models
// with one float32 input.
//
//   MAI_ASSIGN_OR_RETURN(auto files, ListSampleFiles("calib/"));
//   MAI_ASSIGN_OR_RETURN(std::vector<float> x,
//                        LoadSample(files[0], {1, 256, 256, 3}, {0.f, 1.f}));
//
// Files: *.png, *.jpg, *.jpeg (any case) and *.npy directly in the folder,
// in name order; other entries are ignored.
//
// An image becomes an NHWC input [1, H, W, C]:
//   1. alpha is dropped; its full range maps linearly to [lo, hi]
//      (SampleRange, e.g. [0, 1] or [-1, 1]);
//   2. it is scaled, keeping its aspect ratio, to the smallest size covering
//      the target (anti-aliased bilinear, image/resize.h), and centre-cropped;
//   3. channels: C = 3 is RGB (gray replicated); C = 1 is luma
//      0.299 R + 0.587 G + 0.114 B (BT.601; gray as is); C = 4 is a Bayer
//      RGGB mosaic packed as in learned-ISP models: the image is brought to
//      2H x 2W and channel 0 takes R at (2y, 2x), 1 G at (2y, 2x + 1),
//      2 G at (2y + 1, 2x), 3 B at (2y + 1, 2x + 1).
// A .npy file is used as is: float32 with exactly the input's element count
// (its shape may omit the batch dimension).
#ifndef MAI_QUANT_CALIBRATION_FOLDER_H_
#define MAI_QUANT_CALIBRATION_FOLDER_H_

#include <string>
#include <vector>

#include "core/shape.h"
#include "core/status.h"

namespace mai::quant {

// The input values black and white map to.
struct SampleRange {
  float lo = 0.0f;
  float hi = 1.0f;
};

// Parses "LO,HI" (e.g. "-1,1"); error unless both are finite and LO < HI.
Result<SampleRange> ParseSampleRange(const std::string& text);

// The sample files of `dir`, sorted by name. Errors: NotFound when `dir` is
// not a readable directory; InvalidArgument when it holds no sample file.
Result<std::vector<std::string>> ListSampleFiles(const std::string& dir);

// One file as the float values of an input of `shape`. Errors name the file:
// unreadable or corrupt images (image/image.h), an image for an input that
// is not [1, H, W, C] with C in {1, 3, 4}, a .npy of another dtype or size.
Result<std::vector<float>> LoadSample(const std::string& path,
                                      const Shape& shape,
                                      const SampleRange& range);

}  // namespace mai::quant

#endif  // MAI_QUANT_CALIBRATION_FOLDER_H_
