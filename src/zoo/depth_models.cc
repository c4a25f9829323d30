// Monocular depth: a FastDepth-like encoder-decoder. MobileNet-style
// depthwise-separable encoder with five stride-2 stages, a decoder of
// nearest-neighbour upsampling + depthwise-separable 5x5 convs with additive
// skips, and a final bilinear upsampling to the input size.
#include "zoo/zoo_net.h"

namespace mai::zoo {

using ir::Activation;

namespace {
Act Separable(ZooNet& net, const Act& x, int cout, int k, int stride) {
  Act y = net.DepthwiseConv(x, k, stride, Activation::kRelu6);
  return net.Conv(y, cout, 1, 1, Activation::kRelu6);
}
}  // namespace

Result<std::vector<uint8_t>> BuildFastDepth(const ZooOptions& o) {
  MAI_RETURN_IF_ERROR(CheckSize("fastdepth", o.height, o.width, 32));
  const int c = o.channels > 0 ? o.channels : 16;
  ZooNet net(o.seed);
  Act x = net.Input({1, o.height, o.width, 3});
  std::vector<Act> skips;
  Act y = net.Conv(x, c, 3, 2, Activation::kRelu6);  // 1/2
  skips.push_back(y);
  y = Separable(net, y, 2 * c, 3, 2);  // 1/4
  skips.push_back(y);
  y = Separable(net, y, 4 * c, 3, 2);  // 1/8
  skips.push_back(y);
  y = Separable(net, y, 8 * c, 3, 2);  // 1/16
  skips.push_back(y);
  y = Separable(net, y, 16 * c, 3, 2);  // 1/32
  y = Separable(net, y, 16 * c, 3, 1);
  for (int i = 3; i >= 0; --i) {
    const Act& skip = skips[i];
    y = net.ResizeNearest(y, skip.h(), skip.w());
    y = Separable(net, y, skip.c(), 5, 1);
    y = net.Add(y, skip);
  }
  y = Separable(net, y, c / 2 > 0 ? c / 2 : 1, 5, 1);
  y = net.ResizeBilinear(y, o.height, o.width);
  net.Output(net.Conv(y, 1, 1, 1));
  return net.Build();
}

}  // namespace mai::zoo
