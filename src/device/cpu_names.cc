#include "device/cpu_names.h"

#include <cpuinfo.h>

namespace mai::device {
namespace {

struct Named {
  uint32_t value;
  const char* name;
};

constexpr Named kVendors[] = {
    {cpuinfo_vendor_intel, "Intel"},
    {cpuinfo_vendor_amd, "AMD"},
    {cpuinfo_vendor_arm, "ARM"},
    {cpuinfo_vendor_qualcomm, "Qualcomm"},
    {cpuinfo_vendor_apple, "Apple"},
    {cpuinfo_vendor_samsung, "Samsung"},
    {cpuinfo_vendor_nvidia, "NVIDIA"},
    {cpuinfo_vendor_mips, "MIPS"},
    {cpuinfo_vendor_ibm, "IBM"},
    {cpuinfo_vendor_ingenic, "Ingenic"},
    {cpuinfo_vendor_via, "VIA"},
    {cpuinfo_vendor_cavium, "Cavium"},
    {cpuinfo_vendor_broadcom, "Broadcom"},
    {cpuinfo_vendor_apm, "Applied Micro"},
    {cpuinfo_vendor_huawei, "Huawei"},
    {cpuinfo_vendor_hygon, "Hygon"},
    {cpuinfo_vendor_texas_instruments, "Texas Instruments"},
    {cpuinfo_vendor_marvell, "Marvell"},
    {cpuinfo_vendor_rdc, "RDC"},
    {cpuinfo_vendor_dmp, "DM&P"},
    {cpuinfo_vendor_motorola, "Motorola"},
};

// Lookup is by first match, so aliases (same value) may stay out.
constexpr Named kUarchs[] = {
    // Intel
    {cpuinfo_uarch_p5, "P5"},
    {cpuinfo_uarch_quark, "Quark"},
    {cpuinfo_uarch_p6, "P6"},
    {cpuinfo_uarch_dothan, "Dothan"},
    {cpuinfo_uarch_yonah, "Yonah"},
    {cpuinfo_uarch_conroe, "Conroe"},
    {cpuinfo_uarch_penryn, "Penryn"},
    {cpuinfo_uarch_nehalem, "Nehalem"},
    {cpuinfo_uarch_sandy_bridge, "Sandy Bridge"},
    {cpuinfo_uarch_ivy_bridge, "Ivy Bridge"},
    {cpuinfo_uarch_haswell, "Haswell"},
    {cpuinfo_uarch_broadwell, "Broadwell"},
    {cpuinfo_uarch_sky_lake, "Skylake"},
    {cpuinfo_uarch_palm_cove, "Palm Cove"},
    {cpuinfo_uarch_sunny_cove, "Sunny Cove"},
    {cpuinfo_uarch_willamette, "Willamette"},
    {cpuinfo_uarch_prescott, "Prescott"},
    {cpuinfo_uarch_bonnell, "Bonnell"},
    {cpuinfo_uarch_saltwell, "Saltwell"},
    {cpuinfo_uarch_silvermont, "Silvermont"},
    {cpuinfo_uarch_airmont, "Airmont"},
    {cpuinfo_uarch_goldmont, "Goldmont"},
    {cpuinfo_uarch_goldmont_plus, "Goldmont Plus"},
    {cpuinfo_uarch_knights_ferry, "Knights Ferry"},
    {cpuinfo_uarch_knights_corner, "Knights Corner"},
    {cpuinfo_uarch_knights_landing, "Knights Landing"},
    {cpuinfo_uarch_knights_hill, "Knights Hill"},
    {cpuinfo_uarch_knights_mill, "Knights Mill"},
    {cpuinfo_uarch_xscale, "XScale"},
    // AMD
    {cpuinfo_uarch_k5, "K5"},
    {cpuinfo_uarch_k6, "K6"},
    {cpuinfo_uarch_k7, "K7"},
    {cpuinfo_uarch_k8, "K8"},
    {cpuinfo_uarch_k10, "K10"},
    {cpuinfo_uarch_bulldozer, "Bulldozer"},
    {cpuinfo_uarch_piledriver, "Piledriver"},
    {cpuinfo_uarch_steamroller, "Steamroller"},
    {cpuinfo_uarch_excavator, "Excavator"},
    {cpuinfo_uarch_zen, "Zen"},
    {cpuinfo_uarch_zen2, "Zen 2"},
    {cpuinfo_uarch_zen3, "Zen 3"},
    {cpuinfo_uarch_geode, "Geode"},
    {cpuinfo_uarch_bobcat, "Bobcat"},
    {cpuinfo_uarch_jaguar, "Jaguar"},
    {cpuinfo_uarch_puma, "Puma"},
    // ARM
    {cpuinfo_uarch_arm7, "ARM7"},
    {cpuinfo_uarch_arm9, "ARM9"},
    {cpuinfo_uarch_arm11, "ARM11"},
    {cpuinfo_uarch_cortex_a5, "Cortex-A5"},
    {cpuinfo_uarch_cortex_a7, "Cortex-A7"},
    {cpuinfo_uarch_cortex_a8, "Cortex-A8"},
    {cpuinfo_uarch_cortex_a9, "Cortex-A9"},
    {cpuinfo_uarch_cortex_a12, "Cortex-A12"},
    {cpuinfo_uarch_cortex_a15, "Cortex-A15"},
    {cpuinfo_uarch_cortex_a17, "Cortex-A17"},
    {cpuinfo_uarch_cortex_a32, "Cortex-A32"},
    {cpuinfo_uarch_cortex_a35, "Cortex-A35"},
    {cpuinfo_uarch_cortex_a53, "Cortex-A53"},
    {cpuinfo_uarch_cortex_a55r0, "Cortex-A55r0"},
    {cpuinfo_uarch_cortex_a55, "Cortex-A55"},
    {cpuinfo_uarch_cortex_a57, "Cortex-A57"},
    {cpuinfo_uarch_cortex_a65, "Cortex-A65"},
    {cpuinfo_uarch_cortex_a72, "Cortex-A72"},
    {cpuinfo_uarch_cortex_a73, "Cortex-A73"},
    {cpuinfo_uarch_cortex_a75, "Cortex-A75"},
    {cpuinfo_uarch_cortex_a76, "Cortex-A76"},
    {cpuinfo_uarch_cortex_a77, "Cortex-A77"},
    {cpuinfo_uarch_cortex_a78, "Cortex-A78"},
    {cpuinfo_uarch_neoverse_n1, "Neoverse N1"},
    {cpuinfo_uarch_neoverse_e1, "Neoverse E1"},
    {cpuinfo_uarch_neoverse_v1, "Neoverse V1"},
    {cpuinfo_uarch_neoverse_n2, "Neoverse N2"},
    {cpuinfo_uarch_cortex_x1, "Cortex-X1"},
    // Qualcomm, NVIDIA, Samsung, Apple and others
    {cpuinfo_uarch_scorpion, "Scorpion"},
    {cpuinfo_uarch_krait, "Krait"},
    {cpuinfo_uarch_kryo, "Kryo"},
    {cpuinfo_uarch_falkor, "Falkor"},
    {cpuinfo_uarch_saphira, "Saphira"},
    {cpuinfo_uarch_denver, "Denver"},
    {cpuinfo_uarch_denver2, "Denver 2"},
    {cpuinfo_uarch_carmel, "Carmel"},
    {cpuinfo_uarch_exynos_m1, "Exynos M1"},
    {cpuinfo_uarch_exynos_m2, "Exynos M2"},
    {cpuinfo_uarch_exynos_m3, "Exynos M3"},
    {cpuinfo_uarch_exynos_m4, "Exynos M4"},
    {cpuinfo_uarch_exynos_m5, "Exynos M5"},
    {cpuinfo_uarch_swift, "Swift"},
    {cpuinfo_uarch_cyclone, "Cyclone"},
    {cpuinfo_uarch_typhoon, "Typhoon"},
    {cpuinfo_uarch_twister, "Twister"},
    {cpuinfo_uarch_hurricane, "Hurricane"},
    {cpuinfo_uarch_monsoon, "Monsoon"},
    {cpuinfo_uarch_mistral, "Mistral"},
    {cpuinfo_uarch_vortex, "Vortex"},
    {cpuinfo_uarch_tempest, "Tempest"},
    {cpuinfo_uarch_lightning, "Lightning"},
    {cpuinfo_uarch_thunder, "Thunder"},
    {cpuinfo_uarch_firestorm, "Firestorm"},
    {cpuinfo_uarch_icestorm, "Icestorm"},
    {cpuinfo_uarch_thunderx, "ThunderX"},
    {cpuinfo_uarch_thunderx2, "ThunderX2"},
    {cpuinfo_uarch_pj4, "PJ4"},
    {cpuinfo_uarch_brahma_b15, "Brahma B15"},
    {cpuinfo_uarch_brahma_b53, "Brahma B53"},
    {cpuinfo_uarch_xgene, "X-Gene"},
    {cpuinfo_uarch_dhyana, "Dhyana"},
    {cpuinfo_uarch_taishan_v110, "TaiShan v110"},
};

// Intel family 6 models newer than the cpuinfo release.
constexpr Named kIntelFamily6Models[] = {
    {0x6A, "Sunny Cove"},   {0x6C, "Sunny Cove"},   {0x7D, "Sunny Cove"},
    {0x7E, "Sunny Cove"},   {0x8C, "Willow Cove"},  {0x8D, "Willow Cove"},
    {0x8F, "Golden Cove"},  {0x97, "Golden Cove"},  {0x9A, "Golden Cove"},
    {0xB7, "Raptor Cove"},  {0xBA, "Raptor Cove"},  {0xBF, "Raptor Cove"},
    {0xCF, "Raptor Cove"},  {0xAA, "Redwood Cove"}, {0xAC, "Redwood Cove"},
    {0xAD, "Redwood Cove"}, {0xAE, "Redwood Cove"}, {0xAF, "Crestmont"},
    {0xBD, "Lion Cove"},    {0xC5, "Lion Cove"},    {0xC6, "Lion Cove"},
};

// ARM Ltd. (MIDR implementer 0x41) part numbers newer than the cpuinfo
// release.
constexpr Named kArmParts[] = {
    {0xD46, "Cortex-A510"}, {0xD47, "Cortex-A710"}, {0xD48, "Cortex-X2"},
    {0xD49, "Neoverse N2"}, {0xD4B, "Cortex-A78C"}, {0xD4C, "Cortex-X1C"},
    {0xD4D, "Cortex-A715"}, {0xD4E, "Cortex-X3"},   {0xD4F, "Neoverse V2"},
    {0xD80, "Cortex-A520"}, {0xD81, "Cortex-A720"}, {0xD82, "Cortex-X4"},
};

template <size_t N>
const char* Find(const Named (&table)[N], uint32_t value) {
  for (const Named& n : table) {
    if (n.value == value) return n.name;
  }
  return nullptr;
}

}  // namespace

std::string VendorName(uint32_t cpuinfo_vendor) {
  const char* name = Find(kVendors, cpuinfo_vendor);
  return name ? name : "unknown";
}

std::string UarchName(uint32_t cpuinfo_uarch) {
  if (cpuinfo_uarch == cpuinfo_uarch_unknown) return "";
  const char* name = Find(kUarchs, cpuinfo_uarch);
  return name ? name : "";
}

X86Signature DecodeX86Signature(uint32_t eax) {
  X86Signature sig;
  const uint32_t base_family = (eax >> 8) & 0xF;
  const uint32_t base_model = (eax >> 4) & 0xF;
  sig.stepping = eax & 0xF;
  sig.family = base_family;
  if (base_family == 0xF) sig.family += (eax >> 20) & 0xFF;
  sig.model = base_model;
  if (base_family == 0x6 || base_family == 0xF) {
    sig.model += ((eax >> 16) & 0xF) << 4;
  }
  return sig;
}

std::string X86UarchFromSignature(const std::string& vendor,
                                  const X86Signature& sig) {
  if (vendor == "AMD" && sig.family == 0x19) {
    const uint32_t m = sig.model;
    if ((m >= 0x10 && m <= 0x1F) || (m >= 0x60 && m <= 0x7F) ||
        (m >= 0xA0 && m <= 0xAF)) {
      return "Zen 4";
    }
    return "Zen 3";
  }
  if (vendor == "AMD" && sig.family == 0x1A) return "Zen 5";
  if (vendor == "Intel" && sig.family == 0x6) {
    const char* name = Find(kIntelFamily6Models, sig.model);
    return name ? name : "";
  }
  return "";
}

std::string ArmUarchFromMidr(uint32_t midr) {
  const uint32_t implementer = midr >> 24;
  const uint32_t part = (midr >> 4) & 0xFFF;
  if (implementer != 0x41) return "";  // ARM Ltd. designs only
  const char* name = Find(kArmParts, part);
  return name ? name : "";
}

}  // namespace mai::device
