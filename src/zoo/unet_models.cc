// U-Nets: a small residual U-Net for denoising (max-pool down, nearest
// upsampling, concatenated skips, output added to the input) and a small
// U-Net for bokeh rendering (strided-conv down, bilinear upsampling,
// additive skips).
#include "zoo/zoo_net.h"

namespace mai::zoo {

using ir::Activation;

namespace {
Act DoubleConv(ZooNet& net, const Act& x, int c) {
  Act y = net.Conv(x, c, 3, 1, Activation::kRelu);
  return net.Conv(y, c, 3, 1, Activation::kRelu);
}
}  // namespace

Result<std::vector<uint8_t>> BuildUnetDenoise(const ZooOptions& o) {
  const int levels = 3;
  MAI_RETURN_IF_ERROR(
      CheckSize("unet_denoise", o.height, o.width, 1 << levels));
  const int c = o.channels > 0 ? o.channels : 16;
  ZooNet net(o.seed);
  Act x = net.Input({1, o.height, o.width, 3});
  std::vector<Act> skips;
  Act y = x;
  for (int l = 0; l < levels; ++l) {
    y = DoubleConv(net, y, c << l);
    skips.push_back(y);
    y = net.MaxPool(y, 2, 2);
  }
  y = DoubleConv(net, y, c << levels);
  for (int l = levels - 1; l >= 0; --l) {
    const Act& skip = skips[l];
    y = net.ResizeNearest(y, skip.h(), skip.w());
    y = net.Conv(y, c << l, 1, 1, Activation::kRelu);
    y = DoubleConv(net, net.Concat({y, skip}), c << l);
  }
  y = net.Conv(y, 3, 3, 1);
  net.Output(net.Add(y, x));  // predicts the noise residual
  return net.Build();
}

Result<std::vector<uint8_t>> BuildBokehUnet(const ZooOptions& o) {
  const int levels = 4;
  MAI_RETURN_IF_ERROR(CheckSize("bokeh_unet", o.height, o.width, 1 << levels));
  const int c = o.channels > 0 ? o.channels : 8;
  ZooNet net(o.seed);
  Act x = net.Input({1, o.height, o.width, 3});
  std::vector<Act> skips;
  Act y = net.Conv(x, c, 3, 1, Activation::kRelu);
  for (int l = 0; l < levels; ++l) {
    skips.push_back(y);
    y = net.Conv(y, c << (l + 1), 3, 2, Activation::kRelu);
    y = net.Conv(y, c << (l + 1), 3, 1, Activation::kRelu);
  }
  for (int l = levels - 1; l >= 0; --l) {
    const Act& skip = skips[l];
    y = net.ResizeBilinear(y, skip.h(), skip.w());
    y = net.Conv(y, skip.c(), 3, 1, Activation::kRelu);
    y = net.Add(y, skip);
  }
  y = net.Conv(y, 3, 3, 1);
  net.Output(net.Add(y, x));
  return net.Build();
}

}  // namespace mai::zoo
