#include "backends/xnnpack/table_unary.h"

#include <cpuinfo.h>

#include <algorithm>
#include <array>
#include <cstring>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "backends/ref/binary.h"
#include "backends/ref/quant_util.h"
#include "backends/ref/unary.h"
#include "backends/xnnpack/fast_util.h"

namespace mai::backends::xnnpack {
namespace {

void LookupScalar(const uint8_t* in, uint8_t* out, int64_t n,
                  const uint8_t* table) {
  // A local copy: `out` (uint8_t*) may alias anything, the stack copy
  // cannot, so the table is not reloaded after every store.
  uint8_t local[256];
  std::memcpy(local, table, 256);
  for (int64_t i = 0; i < n; ++i) out[i] = local[in[i]];
}

#if defined(__x86_64__)
// 64 lookups per step: VPERMI2B picks from 128 table bytes by the low 7
// bits; the top bit chooses between the two halves.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void LookupVbmi(
    const uint8_t* in, uint8_t* out, int64_t n, const uint8_t* table) {
  const __m512i t0 = _mm512_loadu_si512(table);
  const __m512i t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128);
  const __m512i t3 = _mm512_loadu_si512(table + 192);
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i x = _mm512_loadu_si512(in + i);
    const __m512i lo = _mm512_permutex2var_epi8(t0, x, t1);
    const __m512i hi = _mm512_permutex2var_epi8(t2, x, t3);
    const __mmask64 top = _mm512_movepi8_mask(x);
    _mm512_storeu_si512(out + i, _mm512_mask_blend_epi8(top, lo, hi));
  }
  LookupScalar(in + i, out + i, n - i, table);
}
#endif

using LookupFn = void (*)(const uint8_t*, uint8_t*, int64_t, const uint8_t*);

LookupFn ChooseLookup() {
#if defined(__x86_64__)
  if (cpuinfo_initialize() && cpuinfo_has_x86_avx512vbmi()) {
    return LookupVbmi;
  }
#endif
  return LookupScalar;
}

class TableUnaryKernel final : public OpKernel {
 public:
  explicit TableUnaryKernel(ref::UnaryOp op) : op_(op) {}

  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1) {
      return ctx.Unsupported("expects 1 input and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    const DType dtype = in.dtype();
    if ((dtype != DType::kInt8 && dtype != DType::kUInt8) ||
        out.dtype() != dtype) {
      return ctx.UnsupportedDType(dtype);
    }
    MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, in, "input"));
    MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, out, "output"));
    if (in.num_elements() != out.num_elements()) {
      return ctx.Error("input and output sizes differ");
    }
    ref::UnaryAttrs attrs;
    if (const auto* p = ctx.params_if<ir::LeakyReluParams>()) {
      attrs.alpha = p->alpha;
    }
    if (const auto* p = ctx.params_if<ir::GeluParams>()) {
      attrs.approximate = p->approximate;
    }
    ref::UnaryQuant q;
    q.dtype = dtype;
    q.input_scale = in.scale();
    q.input_zero_point = in.zero_point();
    q.output_scale = out.scale();
    q.output_zero_point = out.zero_point();
    ref::QuantTable table;
    Status built = ref::BuildActivationTable(op_, attrs, q, table);
    if (!built.ok()) return ctx.Unsupported("{}", built.message());
    // Index by the input byte: int8 values -128..127 are table entries
    // 0..255, i.e. the byte with its top bit flipped.
    const uint8_t flip = dtype == DType::kInt8 ? 0x80 : 0x00;
    for (int b = 0; b < 256; ++b) {
      bytes_[b] = static_cast<uint8_t>(table[b ^ flip]);
    }
    count_ = in.num_elements();
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const uint8_t* in = ctx.input(0).data_as<const uint8_t>();
    uint8_t* out = ctx.output(0).data_as<uint8_t>();
    const std::array<uint8_t, 256>& t = bytes_;
    constexpr int64_t kChunk = 16384;
    const int64_t chunks = (count_ + kChunk - 1) / kChunk;
    static const LookupFn lookup = ChooseLookup();
    fast::ParallelFor(ctx, chunks, 2 * count_, [&](int64_t b, int64_t e) {
      const int64_t begin = b * kChunk;
      const int64_t end = std::min(count_, e * kChunk);
      lookup(in + begin, out + begin, end - begin, t.data());
    });
    return Status::Ok();
  }

 private:
  ref::UnaryOp op_;
  std::array<uint8_t, 256> bytes_{};
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> CreateTableUnaryKernel(ir::OpCode op) {
  switch (op) {
    case ir::OpCode::kHardSwish:
      return std::make_unique<TableUnaryKernel>(ref::UnaryOp::kHardSwish);
    case ir::OpCode::kLeakyRelu:
      return std::make_unique<TableUnaryKernel>(ref::UnaryOp::kLeakyRelu);
    case ir::OpCode::kGelu:
      return std::make_unique<TableUnaryKernel>(ref::UnaryOp::kGelu);
    default:
      return nullptr;
  }
}

}  // namespace mai::backends::xnnpack
