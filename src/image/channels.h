// Converting decoded images to the channel layout a model or metric takes.
#ifndef MAI_IMAGE_CHANNELS_H_
#define MAI_IMAGE_CHANNELS_H_

#include <vector>

#include "image/image.h"

namespace mai::image {

// The image as `channels` float channels in HWC order, black..white mapped
// to [lo, hi] (as ToFloat); alpha is dropped. channels 3: RGB, gray
// replicated; channels 1: gray as is, RGB as BT.601 luma
// 0.299 R + 0.587 G + 0.114 B. Empty for other channel counts or a bit
// depth ToFloat does not take.
std::vector<float> ToChannels(const Image& image, int channels, float lo,
                              float hi);

}  // namespace mai::image

#endif  // MAI_IMAGE_CHANNELS_H_
