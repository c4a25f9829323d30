#include "core/npy.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

namespace mai {
namespace {

struct NpyType {
  const char* descr;
  DType dtype;
};
constexpr NpyType kNpyTypes[] = {
    {"<f4", DType::kFloat32}, {"<f2", DType::kFloat16},
    {"<f8", DType::kFloat64}, {"<i4", DType::kInt32},
    {"<i8", DType::kInt64},   {"<i2", DType::kInt16},
    {"|i1", DType::kInt8},    {"|u1", DType::kUInt8},
    {"|b1", DType::kBool},    {"<u2", DType::kUInt16},
    {"<u4", DType::kUInt32},  {"<u8", DType::kUInt64},
};

// Returns the value text after 'key': in a Python dict literal.
Result<std::string_view> FindValue(std::string_view header,
                                   std::string_view key) {
  std::string quoted = "'" + std::string(key) + "'";
  size_t k = header.find(quoted);
  if (k == std::string_view::npos)
    return InvalidArgument("npy header lacks {}", quoted);
  size_t colon = header.find(':', k + quoted.size());
  if (colon == std::string_view::npos)
    return InvalidArgument("npy header malformed");
  size_t v = header.find_first_not_of(' ', colon + 1);
  if (v == std::string_view::npos)
    return InvalidArgument("npy header malformed");
  return header.substr(v);
}

}  // namespace

Result<NpyArray> ParseNpy(std::span<const uint8_t> bytes) {
  static const uint8_t kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) {
    return InvalidArgument("not a .npy file (bad magic)");
  }
  uint8_t major = bytes[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return InvalidArgument(".npy file truncated");
    header_len = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) |
                 (size_t{bytes[11]} << 24);
    header_start = 12;
  } else {
    return InvalidArgument("unsupported .npy version {}", major);
  }
  if (header_len > bytes.size() - header_start)
    return InvalidArgument(".npy header truncated");
  std::string_view header(
      reinterpret_cast<const char*>(bytes.data() + header_start), header_len);

  NpyArray arr;
  MAI_ASSIGN_OR_RETURN(std::string_view descr, FindValue(header, "descr"));
  bool found = false;
  for (const NpyType& t : kNpyTypes) {
    std::string q = "'" + std::string(t.descr) + "'";
    if (descr.substr(0, q.size()) == q) {
      arr.dtype = t.dtype;
      found = true;
    }
  }
  // numpy writes single-byte types with '|' but accept '<' as well.
  if (!found &&
      (descr.substr(0, 5) == "'<i1'" || descr.substr(0, 5) == "'<u1'")) {
    arr.dtype = descr[3] == 'i' ? DType::kInt8 : DType::kUInt8;
    found = true;
  }
  if (!found)
    return Unimplemented(".npy dtype {} is not supported", descr.substr(0, 6));
  MAI_ASSIGN_OR_RETURN(std::string_view order,
                       FindValue(header, "fortran_order"));
  if (order.substr(0, 5) != "False")
    return Unimplemented(".npy in Fortran order is not supported");
  MAI_ASSIGN_OR_RETURN(std::string_view shape_text, FindValue(header, "shape"));
  if (shape_text.empty() || shape_text[0] != '(')
    return InvalidArgument(".npy shape malformed");
  size_t close = shape_text.find(')');
  if (close == std::string_view::npos)
    return InvalidArgument(".npy shape malformed");
  std::string_view dims = shape_text.substr(1, close - 1);
  size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    int64_t d = 0;
    size_t start = pos;
    while (pos < dims.size() && dims[pos] >= '0' && dims[pos] <= '9') {
      d = d * 10 + (dims[pos] - '0');
      if (d > kMaxElements) return InvalidArgument(".npy dimension too large");
      ++pos;
    }
    if (pos == start) return InvalidArgument(".npy shape malformed");
    arr.shape.push_back(static_cast<int32_t>(d));
    if (arr.shape.size() > 16) return InvalidArgument(".npy rank too large");
  }
  MAI_ASSIGN_OR_RETURN(int64_t n, NumElements(arr.shape));
  size_t data_start = header_start + header_len;
  size_t need = static_cast<size_t>(n) * DTypeSize(arr.dtype);
  if (bytes.size() - data_start != need) {
    return InvalidArgument(".npy data has {} bytes, shape {} of {} needs {}",
                           bytes.size() - data_start, ShapeToString(arr.shape),
                           DTypeName(arr.dtype), need);
  }
  arr.data.assign(bytes.begin() + data_start, bytes.end());
  return arr;
}

std::vector<uint8_t> SerializeNpy(DType dtype, const Shape& shape,
                                  std::span<const uint8_t> data) {
  const char* descr = "<f4";
  for (const NpyType& t : kNpyTypes) {
    if (t.dtype == dtype) descr = t.descr;
  }
  std::string shape_text = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    shape_text += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) shape_text += ",";
    if (i + 1 < shape.size()) shape_text += " ";
  }
  shape_text += ")";
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': " + shape_text +
                       ", }";
  size_t total = 10 + header.size() + 1;
  size_t pad = (64 - total % 64) % 64;
  header.append(pad, ' ');
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.push_back(header.size() & 0xff);
  out.push_back((header.size() >> 8) & 0xff);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path,
                                           size_t max_bytes) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"),
                                          &std::fclose);
  if (!f) return NotFound("cannot open '{}': {}", path, std::strerror(errno));
  if (std::fseek(f.get(), 0, SEEK_END) != 0)
    return IoError("cannot seek '{}'", path);
  long size = std::ftell(f.get());
  if (size < 0) return IoError("cannot size '{}' (not a regular file?)", path);
  if (static_cast<size_t>(size) > max_bytes) {
    return OutOfRange("'{}' has {} bytes, more than the limit {}", path, size,
                      max_bytes);
  }
  std::fseek(f.get(), 0, SEEK_SET);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (size > 0 &&
      std::fread(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) {
    return IoError("short read from '{}'", path);
  }
  return bytes;
}

Status WriteFileBytes(const std::string& path, std::span<const uint8_t> bytes) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"),
                                          &std::fclose);
  if (!f) return IoError("cannot write '{}': {}", path, std::strerror(errno));
  if (!bytes.empty() &&
      std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) {
    return IoError("short write to '{}'", path);
  }
  if (std::fclose(f.release()) != 0) return IoError("cannot close '{}'", path);
  return Status::Ok();
}

}  // namespace mai
