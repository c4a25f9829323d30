// Running a fixed-size model over a bigger image: tiles with overlap, and
// their outputs blended back together.
#ifndef MAI_CHALLENGE_TILING_H_
#define MAI_CHALLENGE_TILING_H_

#include <span>
#include <vector>

namespace mai::challenge {

// Start positions of windows of `window` samples covering [0, size): the
// first at 0, the last at size - window, the rest evenly spaced so that
// neighbours overlap by at least `overlap`. Empty when window > size or
// window < 1; {0} when window == size.
std::vector<int> TileOrigins(int size, int window, int overlap);

// Accumulates tile outputs into one HWC image. A tile's samples are
// weighted by a ramp that rises linearly across the first and last `ramp`
// rows/columns of the tile, except on image borders, so overlapping tiles
// cross-fade; each output pixel is the weighted sum divided by its total
// weight.
class TileBlender {
 public:
  TileBlender(int height, int width, int channels, int ramp);

  // Adds a tile of tile_h x tile_w x channels at (top, left); it must lie
  // inside the image.
  void Add(std::span<const float> tile, int top, int left, int tile_h,
           int tile_w);

  // The blended image (pixels no tile covered are 0).
  std::vector<float> Result() const;

 private:
  float Weight(int t, int length, bool ramp_start, bool ramp_end) const;

  int height_, width_, channels_, ramp_;
  std::vector<double> sum_;
  std::vector<double> weight_;
};

}  // namespace mai::challenge

#endif  // MAI_CHALLENGE_TILING_H_
