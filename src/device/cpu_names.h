// Human-readable names for what cpuinfo reports as enums and raw CPU ids.
#ifndef MAI_DEVICE_CPU_NAMES_H_
#define MAI_DEVICE_CPU_NAMES_H_

#include <cstdint>
#include <string>

namespace mai::device {

// "AMD", "Intel", "ARM", ... for a cpuinfo_vendor value; "unknown" otherwise.
std::string VendorName(uint32_t cpuinfo_vendor);

// "Zen 3", "Cortex-A76", ... for a cpuinfo_uarch value; "" when cpuinfo
// does not know the microarchitecture (cpuinfo_uarch_unknown or a value
// this table lacks).
std::string UarchName(uint32_t cpuinfo_uarch);

// x86: family / model / stepping decoded from CPUID leaf 1 EAX (the
// extended fields folded in as the vendors specify).
struct X86Signature {
  uint32_t family = 0;
  uint32_t model = 0;
  uint32_t stepping = 0;
};
X86Signature DecodeX86Signature(uint32_t cpuid_eax);

// Microarchitectures newer than the cpuinfo release the engine is built
// against, named from the CPU id; "" when unknown here too.
std::string X86UarchFromSignature(const std::string& vendor,
                                  const X86Signature& sig);
std::string ArmUarchFromMidr(uint32_t midr);

}  // namespace mai::device

#endif  // MAI_DEVICE_CPU_NAMES_H_
