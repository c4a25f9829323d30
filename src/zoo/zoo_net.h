// ZooNet: layer-level helpers over tflite::ModelBuilder for the zoo models.
// Tracks NHWC activation shapes, names tensors uniquely and fills weights
// from a seeded generator (SplitMix64, the same on every platform):
// uniform in +-sqrt(3 * gain / fan_in), gain 2 before a ReLU and 1 before a
// linear output (He / LeCun scaling), biases in +-0.01.
//
//   ZooNet net(seed);
//   Act x = net.Input({1, 64, 64, 3});
//   Act y = net.Conv(x, 16, 3, 1, ir::Activation::kRelu);
//   net.Output(net.DepthToSpace(net.Conv(y, 12, 3, 1), 2));
//   Result<std::vector<uint8_t>> bytes = net.Build();
#ifndef MAI_ZOO_ZOO_NET_H_
#define MAI_ZOO_ZOO_NET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.h"
#include "core/status.h"
#include "ir/op_params.h"
#include "tflite/model_builder.h"
#include "zoo/zoo.h"

namespace mai::zoo {

struct Act {
  int id = -1;
  Shape shape;  // NHWC, or [N, C] after Mean / FullyConnected
  int c() const { return shape.back(); }
  int h() const { return shape[1]; }
  int w() const { return shape[2]; }
};

class ZooNet {
 public:
  explicit ZooNet(uint32_t seed);

  Act Input(const Shape& shape);
  void Output(const Act& x);

  // SAME padding; output spatial size ceil(in / stride). `gain` > 0
  // overrides the weight scale gain (e.g. small for a residual head whose
  // output is added to an image).
  Act Conv(const Act& x, int cout, int k, int stride,
           ir::Activation act = ir::Activation::kNone, float gain = 0.0f);
  Act DepthwiseConv(const Act& x, int k, int stride,
                    ir::Activation act = ir::Activation::kNone);
  Act Add(const Act& a, const Act& b,
          ir::Activation act = ir::Activation::kNone);
  Act Concat(const std::vector<Act>& parts);  // along channels
  Act DepthToSpace(const Act& x, int block);
  Act ResizeNearest(const Act& x, int h, int w);
  Act ResizeBilinear(const Act& x, int h, int w);
  Act MaxPool(const Act& x, int k, int stride);
  Act Clip(const Act& x, float lo, float hi);  // MAXIMUM then MINIMUM
  Act Mean(const Act& x);                      // over H, W -> [N, C]
  Act FullyConnected(const Act& x, int out);
  Act Softmax(const Act& x);

  Result<std::vector<uint8_t>> Build() const { return b_.Build(); }

 private:
  std::string Name(const std::string& base);
  std::vector<float> Weights(size_t n, int fan_in, float gain);
  std::vector<float> Biases(size_t n);
  float Uniform();  // [-1, 1)
  Act NewAct(const Shape& shape, const std::string& base);

  tflite::ModelBuilder b_;
  uint64_t state_;
  int counter_ = 0;
};

// Checks a requested input size: in [1, 8192] and a multiple of `multiple`.
Status CheckSize(const std::string& model, int h, int w, int multiple);

// Per-family builders (sizes already defaulted: options.height/width > 0).
Result<std::vector<uint8_t>> BuildFsrcnnX3(const ZooOptions& o);
Result<std::vector<uint8_t>> BuildXlsrX3(const ZooOptions& o);
Result<std::vector<uint8_t>> BuildAbpnX3(const ZooOptions& o);
Result<std::vector<uint8_t>> BuildVideoSrX4(const ZooOptions& o);
Result<std::vector<uint8_t>> BuildMicroIsp(const ZooOptions& o);
Result<std::vector<uint8_t>> BuildFastDepth(const ZooOptions& o);
Result<std::vector<uint8_t>> BuildUnetDenoise(const ZooOptions& o);
Result<std::vector<uint8_t>> BuildBokehUnet(const ZooOptions& o);
Result<std::vector<uint8_t>> BuildMobileNetV2(const ZooOptions& o);

}  // namespace mai::zoo

#endif  // MAI_ZOO_ZOO_NET_H_
