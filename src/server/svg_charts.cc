#include "server/svg_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "bench/latency_stats.h"

namespace mai::server {
namespace {

constexpr char kFont[] = "system-ui, sans-serif";
constexpr char kTextColor[] = "#4a5a70";
constexpr char kGridColor[] = "#e3e8ef";
constexpr char kHistogramBarColor[] = "#4c7bd9";
constexpr char kOpBarColor[] = "#2f9e6b";
constexpr char kOtherBarColor[] = "#8a99ad";
constexpr char kMedianColor[] = "#c0392b";
constexpr char kP90Color[] = "#b7791f";
// The op chart's one element id (the label column's clip path); prefixed
// so that it stays unique if the document is ever inlined into a page.
constexpr char kLabelClipId[] = "mai-op-label-clip";

// Inputs beyond this magnitude are clamped so that spans never overflow.
constexpr double kMaxMagnitude = 1e300;

// Fixed-point with `decimals` fraction digits, locale-independent. Never
// prints NaN/inf (as "0"), never "-0"; magnitudes >= 1e15 use exponent
// notation so that a hostile value cannot produce a 300-digit number.
std::string FormatFixed(double v, int decimals) {
  if (!std::isfinite(v)) return "0";
  v = std::clamp(v, -kMaxMagnitude, kMaxMagnitude);  // 1.798e+308 overflows
  decimals = std::clamp(decimals, 0, 12);
  std::string s = std::fabs(v) >= 1e15 ? fmt::format("{:.3e}", v)
                                       : fmt::format("{:.{}f}", v, decimals);
  if (s[0] == '-' && s.find_first_of("123456789") == std::string::npos) {
    s.erase(0, 1);
  }
  return s;
}

// FormatFixed without trailing fraction zeros (coordinates, data-*).
std::string FormatTrimmed(double v, int decimals) {
  std::string s = FormatFixed(v, decimals);
  if (s.find('.') == std::string::npos || s.find('e') != std::string::npos) {
    return s;
  }
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string Px(double v) { return FormatTrimmed(v, 2); }

// At least three significant digits, at most six fraction digits.
std::string FormatMs(double v) {
  if (!(v > 0)) return FormatFixed(v, 0);
  const int magnitude = static_cast<int>(std::floor(std::log10(v)));
  return FormatFixed(v, std::clamp(2 - magnitude, 0, 6));
}

double NonNegative(double v) {
  return std::isfinite(v) && v > 0 ? std::min(v, kMaxMagnitude) : 0;
}

// Appends one code point as UTF-8.
void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the code point at text[i], advancing i. Ill-formed input gives
// U+FFFD and advances over the maximal ill-formed subpart (at least one
// byte), per Unicode's "U+FFFD substitution of maximal subparts".
uint32_t DecodeUtf8(std::string_view text, size_t& i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t len = 0;
  uint32_t cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlongs
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    ++i;
    return 0xFFFD;
  }
  size_t k = 1;
  for (; k < len; ++k) {
    if (i + k >= text.size()) break;
    const unsigned char b = byte(i + k);
    const unsigned char min = k == 1 ? lo : 0x80;
    const unsigned char max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) break;
    cp = (cp << 6) | (b & 0x3F);
  }
  i += k;
  return k == len ? cp : 0xFFFD;
}

// Characters that must not reach the output (see SanitizeLabel).
bool Dropped(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Writes the document head: XML declaration, <svg> root with the shared
// text attributes, and the <title>.
std::string SvgHead(int width, int height, const std::string& title) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
      "width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" "
      "font-family=\"{2}\" font-size=\"11\" fill=\"{3}\">\n"
      "<title>{4}</title>\n",
      width, height, kFont, kTextColor, XmlEscape(title));
}

// A small document with one centred message (empty inputs).
std::string MessageSvg(int width, const std::string& title,
                       const std::string& message) {
  std::string out = SvgHead(width, 40, title);
  out +=
      fmt::format("<text x=\"{}\" y=\"24\" text-anchor=\"middle\">{}</text>\n",
                  width / 2, XmlEscape(message));
  return out + "</svg>\n";
}

// Integer ticks from 0 to a nice value >= max_count (max_count >= 1).
NiceScale CountTicks(double max_count) {
  NiceScale scale = NiceTicks(0, max_count, 5);
  if (scale.step >= 1) return scale;
  scale.step = 1;
  scale.decimals = 0;
  scale.ticks.clear();
  for (double t = 0; t < max_count + 1; t += 1) scale.ticks.push_back(t);
  return scale;
}

// A 1, 2 or 5 x 10^e close to x > 0 (rounded, or the smallest >= x).
std::pair<double, int> NiceNumber(double x, bool round) {
  int e = static_cast<int>(std::floor(std::log10(x)));
  const double f = x / std::pow(10.0, e);
  double nice;
  if (round) {
    nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  } else {
    nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  }
  if (nice == 10) {
    nice = 1;
    ++e;
  }
  return {nice, e};
}

}  // namespace

NiceScale NiceTicks(double lo, double hi, int target_count) {
  if (!std::isfinite(lo)) lo = 0;
  if (!std::isfinite(hi)) hi = lo;
  lo = std::clamp(lo, -kMaxMagnitude, kMaxMagnitude);
  hi = std::clamp(hi, -kMaxMagnitude, kMaxMagnitude);
  if (hi < lo) std::swap(lo, hi);
  target_count = std::clamp(target_count, 2, 50);
  const double magnitude = std::max({std::fabs(lo), std::fabs(hi), 1.0});
  if (hi - lo < 1e-12 * magnitude) {
    const double pad = std::max(std::fabs(hi) * 0.1, 1e-3);
    lo -= pad;
    hi += pad;
  }
  const double range = [&] {
    auto [m, e] = NiceNumber(hi - lo, false);
    return m * std::pow(10.0, e);
  }();
  const auto [mantissa, exponent] =
      NiceNumber(range / (target_count - 1), true);
  // k * step, computed as an exact integer divided by an exact power of ten
  // when step < 1, so 3 x 0.1 is the double nearest 0.3.
  const double scale = std::pow(10.0, std::abs(exponent));
  const auto tick = [&, m = mantissa, e = exponent](int64_t k) {
    const double km = static_cast<double>(k) * m;
    return e < 0 ? km / scale : km * scale;
  };
  NiceScale s;
  s.step = exponent < 0 ? mantissa / scale : mantissa * scale;
  s.decimals = std::max(0, -exponent);
  auto k_lo = static_cast<int64_t>(std::floor(lo / s.step));
  auto k_hi = static_cast<int64_t>(std::ceil(hi / s.step));
  for (int i = 0; i < 4 && tick(k_lo) > lo; ++i) --k_lo;
  for (int i = 0; i < 4 && tick(k_hi) < hi; ++i) ++k_hi;
  for (int64_t k = k_lo; k <= k_hi; ++k) s.ticks.push_back(tick(k));
  return s;
}

std::string SanitizeLabel(std::string_view text, size_t max_code_points) {
  std::string out;
  if (max_code_points == 0) return out;
  size_t count = 0;
  size_t keep_bytes = 0;  // length of the first max_code_points - 1
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = DecodeUtf8(text, i);
    if (cp == '\t' || cp == '\n' || cp == '\r') cp = ' ';
    if (Dropped(cp)) continue;
    if (cp == 0xFFFE || cp == 0xFFFF) cp = 0xFFFD;
    if (count == max_code_points) {  // one more than fits: truncate
      out.resize(keep_bytes);
      AppendUtf8(out, 0x2026);
      return out;
    }
    if (count + 1 == max_code_points) keep_bytes = out.size();
    AppendUtf8(out, cp);
    ++count;
  }
  return out;
}


std::string LatencyHistogramSvg(const std::vector<double>& samples_ms) {
  std::vector<double> kept;
  kept.reserve(samples_ms.size());
  for (double s : samples_ms) {
    if (std::isfinite(s) && s >= 0) kept.push_back(s);
  }
  const size_t skipped = samples_ms.size() - kept.size();
  const std::string skipped_note =
      skipped == 0
          ? ""
          : fmt::format("; {} sample{} skipped (negative or not finite)",
                        skipped, skipped == 1 ? "" : "s");
  constexpr int kWidth = 560, kHeight = 240;
  if (kept.empty()) {
    return MessageSvg(kWidth, "Latency histogram: no samples" + skipped_note,
                      "no samples");
  }
  std::sort(kept.begin(), kept.end());
  const size_t n = kept.size();
  const double lo = std::min(kept.front(), kMaxMagnitude);
  const double hi = std::min(kept.back(), kMaxMagnitude);
  const double median = bench::QuantileOfSorted(kept, 0.5);
  const double p90 = bench::QuantileOfSorted(kept, 0.9);
  const bool degenerate = hi - lo < 1e-9 * std::max(hi, 1.0);

  // Bins: counts[i] samples in [edge(i), edge(i + 1)).
  const size_t bins =
      degenerate ? 1
                 : std::clamp<size_t>(static_cast<size_t>(std::ceil(
                                          std::sqrt(static_cast<double>(n)))),
                                      5, 30);
  const double span = hi - lo;
  const auto edge = [&](size_t i) {
    return i == bins ? hi : lo + span * static_cast<double>(i) / bins;
  };
  std::vector<int64_t> counts(bins, 0);
  for (double s : kept) {
    size_t i = degenerate ? 0
                          : static_cast<size_t>(std::max(
                                0.0, (std::min(s, hi) - lo) / span * bins));
    ++counts[std::min(i, bins - 1)];
  }
  const int64_t max_count = *std::max_element(counts.begin(), counts.end());

  // Plot area and scales.
  constexpr double kX0 = 56, kX1 = kWidth - 20, kY0 = 36, kY1 = kHeight - 44;
  constexpr double kPlotW = kX1 - kX0, kPlotH = kY1 - kY0;
  const double pad = std::max(hi * 0.1, 1e-3);
  const NiceScale xs = degenerate
                           ? NiceTicks(std::max(0.0, lo - pad), hi + pad, 6)
                           : NiceTicks(lo, hi, 6);
  const NiceScale ys = CountTicks(static_cast<double>(max_count));
  const double x_lo = xs.ticks.front(), x_span = xs.ticks.back() - x_lo;
  const double y_top = ys.ticks.back();
  const auto x_of = [&](double v) {
    return kX0 + std::clamp((v - x_lo) / x_span, 0.0, 1.0) * kPlotW;
  };
  const auto y_of = [&](double count) { return kY1 - count / y_top * kPlotH; };

  std::string out = SvgHead(
      kWidth, kHeight,
      fmt::format("Latency histogram of {} runs: median {} ms, p90 {} ms{}", n,
                  FormatMs(median), FormatMs(p90), skipped_note));
  out += fmt::format(
      "<rect class=\"plot\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
      "fill=\"#f7f9fc\"/>\n",
      Px(kX0), Px(kY0), Px(kPlotW), Px(kPlotH));

  // Grid and y ticks.
  for (double t : ys.ticks) {
    const double y = y_of(t);
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\"/>"
        "<text class=\"y-tick\" x=\"{4}\" y=\"{5}\" "
        "text-anchor=\"end\">{6}</text>\n",
        Px(kX0), Px(y), Px(kX1), kGridColor, Px(kX0 - 6), Px(y + 4),
        FormatFixed(t, 0));
  }
  // X ticks.
  for (double t : xs.ticks) {
    const double x = x_of(t);
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\"/>"
        "<text class=\"x-tick\" x=\"{0}\" y=\"{4}\" "
        "text-anchor=\"middle\">{5}</text>\n",
        Px(x), Px(kY1), Px(kY1 + 4), kTextColor, Px(kY1 + 15),
        FormatFixed(t, xs.decimals));
  }

  // Bars.
  const double bin_width = degenerate ? xs.step : span / bins;
  const int edge_decimals = std::clamp(
      3 - static_cast<int>(std::floor(std::log10(bin_width))), 0, 12);
  for (size_t i = 0; i < bins; ++i) {
    double x, w;
    if (degenerate) {
      w = kPlotW / 12;
      x = std::clamp(x_of(lo) - w / 2, kX0, kX1 - w);
    } else {
      x = x_of(edge(i)) + 0.5;
      w = std::max(x_of(edge(i + 1)) - x_of(edge(i)) - 1, 1.0);
    }
    const double y = y_of(static_cast<double>(counts[i]));
    out += fmt::format(
        "<rect class=\"bar\" data-count=\"{}\" data-lo=\"{}\" data-hi=\"{}\" "
        "x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
        counts[i], FormatTrimmed(edge(i), edge_decimals),
        FormatTrimmed(edge(i + 1), edge_decimals), Px(x), Px(y), Px(w),
        Px(kY1 - y), kHistogramBarColor);
  }

  // Axes and their labels.
  out += fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{4}\"/>"
      "<line x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{1}\" stroke=\"{4}\"/>\n",
      Px(kX0), Px(kY1), Px(kX1), Px(kY0), kTextColor);
  out += fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">latency (ms)</text>\n",
      Px(kX0 + kPlotW / 2), kHeight - 6);
  out += fmt::format(
      "<text x=\"14\" y=\"{0}\" text-anchor=\"middle\" "
      "transform=\"rotate(-90 14 {0})\">runs</text>\n",
      Px(kY0 + kPlotH / 2));

  // Median and p90 markers; labels on two rows above the plot, pointing
  // inwards so that they never leave the image.
  const struct {
    const char* kind;
    double value;
    const char* color;
    const char* dash;
    double label_y;
  } markers[] = {{"median", median, kMedianColor, "", 13},
                 {"p90", p90, kP90Color, " stroke-dasharray=\"4 3\"", 27}};
  for (const auto& m : markers) {
    const double x = x_of(m.value);
    const bool right_half = x > kX0 + kPlotW / 2;
    out += fmt::format(
        "<line class=\"marker\" data-kind=\"{0}\" data-ms=\"{1}\" x1=\"{2}\" "
        "y1=\"{3}\" x2=\"{2}\" y2=\"{4}\" stroke=\"{5}\" "
        "stroke-width=\"1.5\"{6}/>"
        "<text x=\"{7}\" y=\"{8}\" text-anchor=\"{9}\" fill=\"{5}\">{0} {10} "
        "ms</text>\n",
        m.kind, FormatTrimmed(m.value, 9), Px(x), Px(m.label_y + 3), Px(kY1),
        m.color, m.dash, Px(right_half ? x - 4 : x + 4), Px(m.label_y),
        right_half ? "end" : "start", FormatMs(m.value));
  }
  return out + "</svg>\n";
}

std::string OpTimeChartSvg(const std::vector<OpTime>& ops) {
  constexpr int kWidth = 600;
  if (ops.empty()) {
    return MessageSvg(kWidth, "Time per op type: no profile", "no profile");
  }

  struct Row {
    std::string label;  // sanitized, not escaped
    double avg_us, percent;
    size_t other;  // > 0: the summary row of this many op types
  };
  std::vector<Row> rows;
  const size_t shown = ops.size() > kMaxOpRows ? kMaxOpRows - 1 : ops.size();
  for (size_t i = 0; i < shown; ++i) {
    std::string label = SanitizeLabel(ops[i].op, kMaxOpLabelCodePoints);
    if (label.empty()) label = "(unnamed)";
    rows.push_back({std::move(label), NonNegative(ops[i].avg_us),
                    NonNegative(ops[i].percent), 0});
  }
  if (shown < ops.size()) {
    double us = 0, percent = 0;
    for (size_t i = shown; i < ops.size(); ++i) {
      us = std::min(us + NonNegative(ops[i].avg_us), kMaxMagnitude);
      percent = std::min(percent + NonNegative(ops[i].percent), kMaxMagnitude);
    }
    const size_t other = ops.size() - shown;
    rows.push_back(
        {fmt::format("other ({} op types)", other), us, percent, other});
  }
  double max_us = 0;
  for (const Row& r : rows) max_us = std::max(max_us, r.avg_us);

  constexpr double kRow = 18, kPad = 6, kLabelX = 4, kBarX = 180,
                   kBarMaxW = kWidth - kBarX - 140;
  const int height = static_cast<int>(2 * kPad + kRow * rows.size());
  std::string out =
      SvgHead(kWidth, height,
              fmt::format("Time per op type: {} op type{}", ops.size(),
                          ops.size() == 1 ? "" : "s"));
  // Names of wide glyphs (W, CJK) can exceed the label column even after
  // truncation: clip them there rather than over the bars.
  out += fmt::format(
      "<defs><clipPath id=\"{}\"><rect x=\"0\" y=\"0\" width=\"{}\" "
      "height=\"{}\"/></clipPath></defs>\n",
      kLabelClipId, Px(kBarX - 4), height);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    const double top = kPad + kRow * i;
    const double w = max_us > 0 ? r.avg_us / max_us * kBarMaxW : 0;
    const std::string name = XmlEscape(r.label);
    const std::string other =
        r.other ? fmt::format(" data-other=\"{}\"", r.other) : "";
    out += fmt::format(
        "<text x=\"{0}\" y=\"{1}\" clip-path=\"url(#{12})\">{2}</text>"
        "<rect class=\"bar\" data-op=\"{2}\" data-us=\"{3}\"{4} x=\"{5}\" "
        "y=\"{6}\" width=\"{7}\" height=\"12\" fill=\"{8}\"/>"
        "<text x=\"{9}\" y=\"{1}\">{10} µs ({11} %)</text>\n",
        Px(kLabelX), Px(top + 13), name, FormatTrimmed(r.avg_us, 3), other,
        Px(kBarX), Px(top + 3), Px(w), r.other ? kOtherBarColor : kOpBarColor,
        Px(kBarX + w + 4), FormatFixed(r.avg_us, 1), FormatFixed(r.percent, 1),
        kLabelClipId);
  }
  return out + "</svg>\n";
}

}  // namespace mai::server
