#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <system_error>

#include "bench/power/power_internal.h"

namespace mai::bench::power_internal {

namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Splits "hwmon12" into ("hwmon", 12) for natural ordering; names without a
// trailing number compare as (name, -1).
std::pair<std::string, long long> NaturalKey(const std::string& name) {
  size_t i = name.size();
  while (i > 0 && std::isdigit(static_cast<unsigned char>(name[i - 1]))) --i;
  if (i == name.size() || name.size() - i > 15) return {name, -1};
  return {name.substr(0, i), std::stoll(name.substr(i))};
}

}  // namespace

Result<std::string> ReadTrimmedFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string reason =
        std::error_code(err, std::generic_category()).message();
    if (err == ENOENT) return NotFound("{} does not exist", path.string());
    return IoError("cannot read {}: {}", path.string(), reason);
  }
  std::string text;
  char buf[4096];
  constexpr size_t kMaxBytes = 1 << 16;  // sysfs attributes are one page
  while (text.size() < kMaxBytes) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return IoError("cannot read {}: {}", path.string(),
                     std::error_code(err, std::generic_category()).message());
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return Trim(text);
}

Result<int64_t> ReadIntFile(const fs::path& path) {
  MAI_ASSIGN_OR_RETURN(std::string text, ReadTrimmedFile(path));
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return InvalidArgument("{} does not hold an integer: '{}'", path.string(),
                           text.substr(0, 40));
  }
  return value;
}

std::vector<std::string> ListDirNatural(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return names;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end(),
            [](const std::string& a, const std::string& b) {
              return NaturalKey(a) < NaturalKey(b);
            });
  return names;
}

std::optional<std::string> MatchIndexed(const std::string& name,
                                        const std::string& prefix,
                                        const std::string& suffix) {
  if (name.size() <= prefix.size() + suffix.size()) return std::nullopt;
  if (name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  std::string digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return digits;
}

std::string ToLower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

double SecondsSince(Clock::time_point origin, Clock::time_point t) {
  return std::chrono::duration<double>(t - origin).count();
}

}  // namespace mai::bench::power_internal
