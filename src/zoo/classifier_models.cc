// MobileNetV2-like classifier: inverted residual blocks (1x1 expand, 3x3
// depthwise, 1x1 linear projection; RELU6), global MEAN, FULLY_CONNECTED to
// 1000 classes, SOFTMAX. Batch norm is taken as folded into the convs.
#include <algorithm>
#include <cmath>

#include "zoo/zoo_net.h"

namespace mai::zoo {

using ir::Activation;

namespace {
// Channels scaled by the width multiplier, rounded to a multiple of 8 and
// never below 90% of the scaled value (the MobileNet rule).
int Scaled(int c, float m) {
  const float v = c * m;
  int r = std::max(8, static_cast<int>(v + 4) / 8 * 8);
  if (r < 0.9f * v) r += 8;
  return r;
}
}  // namespace

Result<std::vector<uint8_t>> BuildMobileNetV2(const ZooOptions& o) {
  MAI_RETURN_IF_ERROR(CheckSize("mobilenet_v2", o.height, o.width, 1));
  const float m = o.width_multiplier > 0 ? o.width_multiplier : 1.0f;
  if (m < 0.35f - 1e-6f || m > 1.0f + 1e-6f) {
    return InvalidArgument(
        "mobilenet_v2: width multiplier {} not in "
        "[0.35, 1.0]",
        m);
  }
  struct Stage {
    int t, c, n, s;
  };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2},
                          {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2},
                          {6, 320, 1, 1}};
  ZooNet net(o.seed);
  Act x = net.Input({1, o.height, o.width, 3});
  Act y = net.Conv(x, Scaled(32, m), 3, 2, Activation::kRelu6);
  for (const Stage& st : stages) {
    const int cout = Scaled(st.c, m);
    for (int i = 0; i < st.n; ++i) {
      const int stride = i == 0 ? st.s : 1;
      Act h = y;
      if (st.t != 1) h = net.Conv(h, y.c() * st.t, 1, 1, Activation::kRelu6);
      h = net.DepthwiseConv(h, 3, stride, Activation::kRelu6);
      h = net.Conv(h, cout, 1, 1);
      y = (stride == 1 && y.c() == cout) ? net.Add(y, h) : h;
    }
  }
  y = net.Conv(y, m > 1.0f ? Scaled(1280, m) : 1280, 1, 1, Activation::kRelu6);
  y = net.FullyConnected(net.Mean(y), 1000);
  net.Output(net.Softmax(y));
  return net.Build();
}

}  // namespace mai::zoo
