// Learned smartphone ISP: a MicroISP / PyNET-lite-like net from packed Bayer
// (RGGB as 4 channels at half resolution) to RGB at full resolution.
#include "zoo/zoo_net.h"

namespace mai::zoo {

using ir::Activation;

Result<std::vector<uint8_t>> BuildMicroIsp(const ZooOptions& o) {
  MAI_RETURN_IF_ERROR(CheckSize("microisp", o.height, o.width, 1));
  const int c = o.channels > 0 ? o.channels : 16;
  ZooNet net(o.seed);
  Act x = net.Input({1, o.height, o.width, 4});
  Act y = net.Conv(x, c, 3, 1, Activation::kRelu);
  for (int block = 0; block < 3; ++block) {  // residual blocks
    Act r = net.Conv(y, c, 3, 1, Activation::kRelu);
    r = net.Conv(r, c, 3, 1);
    y = net.Add(y, r, Activation::kRelu);
  }
  y = net.Conv(y, 12, 3, 1);  // 2x2 sub-pixels of RGB
  net.Output(net.DepthToSpace(y, 2));
  return net.Build();
}

}  // namespace mai::zoo
