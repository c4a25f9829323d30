#include "backends/xnnpack/dispatch_kernel.h"

namespace mai::backends::xnnpack {
namespace {

class FirstTakerKernel final : public OpKernel {
 public:
  explicit FirstTakerKernel(std::vector<KernelFactory> factories)
      : factories_(std::move(factories)), kernels_(factories_.size()) {}

  Status Prepare(const KernelContext& ctx) override {
    active_ = nullptr;
    Status declined = ctx.Unsupported("no candidate kernel");
    for (size_t i = 0; i < factories_.size(); ++i) {
      if (!kernels_[i]) kernels_[i] = factories_[i]();
      if (!kernels_[i]) continue;
      Status status = kernels_[i]->Prepare(ctx);
      if (status.ok()) {
        active_ = kernels_[i].get();
        return status;
      }
      if (status.code() != StatusCode::kUnimplemented) return status;
      declined = std::move(status);
    }
    return declined;
  }

  Status Invoke(const KernelContext& ctx) override {
    if (active_ == nullptr) return ctx.Error("kernel is not prepared");
    return active_->Invoke(ctx);
  }

 private:
  std::vector<KernelFactory> factories_;
  std::vector<std::unique_ptr<OpKernel>> kernels_;
  OpKernel* active_ = nullptr;
};

}  // namespace

std::unique_ptr<OpKernel> NewFirstTakerKernel(
    std::vector<KernelFactory> candidates) {
  return std::make_unique<FirstTakerKernel>(std::move(candidates));
}

}  // namespace mai::backends::xnnpack
