// Server-side SVG charts: histogram bins, bar heights, quantile markers and
// ticks against hand-derived values; the op chart's widths, labels and
// "other" row; escaping of hostile op names, checked by a small strict XML
// parser written here (independent of the code under test), also over
// seeded random inputs.
#include "server/svg_charts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mai::server {
namespace {

using namespace std::string_literals;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// --- A strict UTF-8 decoder: the code points, or nullopt if ill-formed. ---
std::optional<std::vector<uint32_t>> DecodeStrict(std::string_view s) {
  std::vector<uint32_t> cps;
  for (size_t i = 0; i < s.size();) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    uint32_t cp;
    size_t len;
    if (b(i) < 0x80) {
      cp = b(i), len = 1;
    } else if ((b(i) & 0xE0) == 0xC0) {
      cp = b(i) & 0x1F, len = 2;
    } else if ((b(i) & 0xF0) == 0xE0) {
      cp = b(i) & 0x0F, len = 3;
    } else if ((b(i) & 0xF8) == 0xF0) {
      cp = b(i) & 0x07, len = 4;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k) {
      if ((b(i + k) & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return std::nullopt;
    }
    cps.push_back(cp);
    i += len;
  }
  return cps;
}

// XML 1.0 Char, minus the C1 controls and DEL that SanitizeLabel promises
// to drop (the charts never write them either).
bool AllowedChar(uint32_t cp) {
  if (cp == 0x9 || cp == 0xA || cp == 0xD) return true;
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;
  return cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

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

// --- A small strict XML parser. ---
//
// Accepts an optional <?xml ...?> declaration and one root element; element
// content is child elements and character data. Rejects everything the
// charts never write (comments, CDATA, DOCTYPE, processing instructions in
// the body), raw '<', '>' or '&' in text and attribute values (only the five
// predefined entities and character references), unquoted or duplicate
// attributes, mismatched tags, invalid UTF-8 and non-XML characters.
struct Element {
  std::string name;
  std::map<std::string, std::string> attrs;  // values with entities decoded
  std::string text;                          // direct text, decoded
  std::vector<Element> children;

  std::string Attr(const std::string& key) const {
    auto it = attrs.find(key);
    return it == attrs.end() ? "" : it->second;
  }
  double Num(const std::string& key) const {
    return std::strtod(Attr(key).c_str(), nullptr);
  }
};

class XmlParser {
 public:
  explicit XmlParser(std::string_view doc) : s_(doc) {}

  // The root element, or nullopt with error() set.
  std::optional<Element> Parse() {
    auto cps = DecodeStrict(s_);
    if (!cps) return Fail("invalid UTF-8");
    for (uint32_t cp : *cps) {
      if (!AllowedChar(cp))
        return Fail("character not allowed: " + std::to_string(cp));
    }
    if (s_.substr(0, 5) == "<?xml") {
      const size_t end = s_.find("?>");
      if (end == std::string_view::npos)
        return Fail("unterminated declaration");
      i_ = end + 2;
    }
    SkipSpace();
    Element root;
    if (!ParseElement(root, 0)) return std::nullopt;
    SkipSpace();
    if (i_ != s_.size()) return Fail("content after the root element");
    return root;
  }
  const std::string& error() const { return error_; }

 private:
  std::nullopt_t Fail(const std::string& why) {
    if (error_.empty()) error_ = why + " at byte " + std::to_string(i_);
    return std::nullopt;
  }
  bool Error(const std::string& why) {
    Fail(why);
    return false;
  }
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' ||
                              s_[i_] == '\t' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  static bool NameChar(char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
           c == ':' ||
           (!first && (std::isdigit(static_cast<unsigned char>(c)) ||
                       c == '-' || c == '.'));
  }
  bool ParseName(std::string& name) {
    const size_t start = i_;
    while (i_ < s_.size() && NameChar(s_[i_], i_ == start)) ++i_;
    name = std::string(s_.substr(start, i_ - start));
    return !name.empty() || Error("expected a name");
  }
  // Character data up to the next '<' or `stop`, entities decoded.
  bool ParseChars(char stop, std::string& out) {
    while (i_ < s_.size() && s_[i_] != stop && s_[i_] != '<') {
      const char c = s_[i_];
      if (c == '>') return Error("raw '>'");
      if (c != '&') {
        out += c;
        ++i_;
        continue;
      }
      const size_t semi = s_.find(';', i_);
      if (semi == std::string_view::npos || semi - i_ > 10) {
        return Error("raw '&'");
      }
      const std::string_view ref = s_.substr(i_ + 1, semi - i_ - 1);
      static const std::map<std::string_view, char> kNamed = {{"amp", '&'},
                                                              {"lt", '<'},
                                                              {"gt", '>'},
                                                              {"quot", '"'},
                                                              {"apos", '\''}};
      if (auto it = kNamed.find(ref); it != kNamed.end()) {
        out += it->second;
      } else if (ref.size() > 1 && ref[0] == '#') {
        const bool hex = ref[1] == 'x';
        const std::string digits(ref.substr(hex ? 2 : 1));
        char* end = nullptr;
        const unsigned long cp =
            std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
        if (digits.empty() || *end != '\0' || !AllowedChar(cp)) {
          return Error("bad character reference");
        }
        AppendUtf8(out, static_cast<uint32_t>(cp));
      } else {
        return Error("unknown entity");
      }
      i_ = semi + 1;
    }
    return true;
  }
  bool ParseElement(Element& e, int depth) {
    if (depth > 32) return Error("too deep");
    if (i_ >= s_.size() || s_[i_] != '<') return Error("expected '<'");
    ++i_;
    if (i_ < s_.size() && (s_[i_] == '!' || s_[i_] == '?')) {
      return Error("comment, CDATA, DOCTYPE or PI");
    }
    if (!ParseName(e.name)) return false;
    while (true) {
      const size_t before = i_;
      SkipSpace();
      if (i_ >= s_.size()) return Error("unterminated tag");
      if (s_.substr(i_, 2) == "/>") {
        i_ += 2;
        return true;
      }
      if (s_[i_] == '>') {
        ++i_;
        break;
      }
      if (i_ == before) return Error("attributes must be separated by space");
      std::string key, value;
      if (!ParseName(key)) return false;
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != '=') return Error("expected '='");
      ++i_;
      SkipSpace();
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) {
        return Error("unquoted attribute value");
      }
      const char quote = s_[i_++];
      if (!ParseChars(quote, value)) return false;
      if (i_ >= s_.size() || s_[i_] != quote)
        return Error("raw '<' in attribute");
      ++i_;
      if (!e.attrs.emplace(key, value).second)
        return Error("duplicate attribute");
    }
    while (true) {
      if (!ParseChars('<', e.text)) return false;
      if (i_ >= s_.size()) return Error("unclosed <" + e.name + ">");
      if (s_.substr(i_, 2) == "</") {
        i_ += 2;
        std::string name;
        if (!ParseName(name)) return false;
        if (name != e.name)
          return Error("</" + name + "> closes <" + e.name + ">");
        SkipSpace();
        if (i_ >= s_.size() || s_[i_] != '>') return Error("expected '>'");
        ++i_;
        return true;
      }
      e.children.emplace_back();
      if (!ParseElement(e.children.back(), depth + 1)) return false;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string error_;
};

void Collect(const Element& e, const std::string& name, const std::string& cls,
             std::vector<const Element*>& out) {
  if (e.name == name && (cls.empty() || e.Attr("class") == cls)) {
    out.push_back(&e);
  }
  for (const Element& c : e.children) Collect(c, name, cls, out);
}
std::vector<const Element*> FindAll(const Element& root,
                                    const std::string& name,
                                    const std::string& cls = "") {
  std::vector<const Element*> out;
  Collect(root, name, cls, out);
  return out;
}

bool IsFiniteNumber(const std::string& v) {
  if (v.empty()) return false;
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  return *end == '\0' && std::isfinite(d);
}

// Checks what every chart must be, recursively: only drawing elements, no
// scripts, event handlers, links or styles; numeric attributes finite and
// printed without tiny-exponent noise.
void CheckSafeElement(const Element& e) {
  static const std::vector<std::string> kAllowed = {
      "svg", "title", "rect", "line", "text", "g", "defs", "clipPath"};
  EXPECT_NE(std::find(kAllowed.begin(), kAllowed.end(), e.name), kAllowed.end())
      << e.name;
  static const std::vector<std::string> kNumeric = {
      "x",       "y",       "width",   "height",     "x1",
      "y1",      "x2",      "y2",      "data-count", "data-lo",
      "data-hi", "data-ms", "data-us", "data-other", "font-size"};
  for (const auto& [key, value] : e.attrs) {
    EXPECT_NE(key.substr(0, 2), "on") << key;
    EXPECT_EQ(key.find("href"), std::string::npos) << key;
    EXPECT_NE(key, "style");
    if (key == "clip-path") EXPECT_EQ(value, "url(#mai-op-label-clip)");
    if (std::find(kNumeric.begin(), kNumeric.end(), key) != kNumeric.end()) {
      EXPECT_TRUE(IsFiniteNumber(value)) << key << "=\"" << value << "\"";
      EXPECT_EQ(value.find("e-"), std::string::npos) << key << "=" << value;
    }
  }
  for (const Element& c : e.children) CheckSafeElement(c);
}

// Parses `svg` and checks the document contract; the root element.
Element ParseSvg(const std::string& svg) {
  XmlParser parser(svg);
  std::optional<Element> root = parser.Parse();
  EXPECT_TRUE(root.has_value()) << parser.error() << "\n" << svg;
  if (!root) return {};
  EXPECT_EQ(root->name, "svg");
  EXPECT_EQ(root->Attr("xmlns"), "http://www.w3.org/2000/svg");
  EXPECT_EQ(root->Attr("role"), "img");
  EXPECT_EQ(root->Attr("font-family"), "system-ui, sans-serif");
  EXPECT_EQ(root->Attr("font-size"), "11");
  EXPECT_EQ(root->Attr("viewBox"),
            "0 0 " + root->Attr("width") + " " + root->Attr("height"));
  EXPECT_FALSE(root->children.empty());
  if (!root->children.empty()) EXPECT_EQ(root->children[0].name, "title");
  CheckSafeElement(*root);
  return *root;
}

// The checker itself must reject what the charts must never contain,
// otherwise the escaping tests below would prove nothing.
TEST(SvgChartsTest, XmlCheckerRejectsMalformedDocuments) {
  const std::vector<std::string> bad = {
      "<svg><text>a < b</text></svg>",
      "<svg><text>a & b</text></svg>",
      "<svg><text>a > b</text></svg>",
      "<svg><text>&bogus;</text></svg>",
      "<svg><text>&#0;</text></svg>",
      "<svg><rect data-op=\"a<b\"/></svg>",
      "<svg><rect data-op=\"a&b\"/></svg>",
      "<svg><rect data-op=\"a\"b\"/></svg>",
      "<svg><rect data-op=a/></svg>",
      "<svg><rect x=\"1\" x=\"2\"/></svg>",
      "<svg><text></svg></text>",
      "<svg><text>",
      "<svg/><svg/>",
      "<svg><!-- c --></svg>",
      "<svg><text>\x01</text></svg>",
      "<svg><text>\xc2\x85</text></svg>",
      "<svg><text>\xff</text></svg>",
      "<svg><text>\xed\xa0\x80</text></svg>",
  };
  for (const std::string& doc : bad) {
    XmlParser parser(doc);
    EXPECT_FALSE(parser.Parse().has_value()) << doc;
  }
  XmlParser good(
      "<?xml version=\"1.0\"?>\n<svg a='&lt;&amp;&#39;&#x263A;'><t>x&gt;"
      "</t>\u00b5</svg>\n");
  const std::optional<Element> root = good.Parse();
  ASSERT_TRUE(root.has_value()) << good.error();
  EXPECT_EQ(root->Attr("a"), "<&'\u263A");
  EXPECT_EQ(root->children[0].text, "x>");
  EXPECT_EQ(root->text, "\u00b5");
}

// --- Histogram. ---

// Nine valid samples (bins of width 0.8 over [1, 5], no sample on an inner
// edge) and four invalid ones.
const std::vector<double> kKnownSamples = {
    3.9, 1.0, kNaN, 2.5, 1.2, -1.0, 5.0, 3.1, kInf, 1.4, 2.0, -kInf, 3.0};

TEST(SvgChartsTest, HistogramBinsMatchHandComputedCounts) {
  const Element root = ParseSvg(LatencyHistogramSvg(kKnownSamples));
  const auto bars = FindAll(root, "rect", "bar");
  ASSERT_EQ(bars.size(), 5u);  // ceil(sqrt(9)) = 3, clamped to 5
  const std::vector<std::string> counts = {"3", "2", "2", "1", "1"};
  const std::vector<std::string> los = {"1", "1.8", "2.6", "3.4", "4.2"};
  const std::vector<std::string> his = {"1.8", "2.6", "3.4", "4.2", "5"};
  int64_t total = 0;
  for (size_t i = 0; i < bars.size(); ++i) {
    EXPECT_EQ(bars[i]->Attr("data-count"), counts[i]) << i;
    EXPECT_EQ(bars[i]->Attr("data-lo"), los[i]) << i;
    EXPECT_EQ(bars[i]->Attr("data-hi"), his[i]) << i;
    total += std::atoll(bars[i]->Attr("data-count").c_str());
  }
  EXPECT_EQ(total, 9);
  EXPECT_EQ(root.children[0].text,
            "Latency histogram of 9 runs: median 2.50 ms, p90 4.12 ms; 4 "
            "samples skipped (negative or not finite)");
}

TEST(SvgChartsTest, HistogramBarHeightsAreProportionalToCounts) {
  const Element root = ParseSvg(LatencyHistogramSvg(kKnownSamples));
  const auto plot = FindAll(root, "rect", "plot");
  ASSERT_EQ(plot.size(), 1u);
  const double plot_bottom = plot[0]->Num("y") + plot[0]->Num("height");
  // The y axis ends at the first nice tick >= the largest count, 3.
  const double per_run = plot[0]->Num("height") / 3;
  const auto bars = FindAll(root, "rect", "bar");
  ASSERT_EQ(bars.size(), 5u);
  for (const Element* bar : bars) {
    const double count = bar->Num("data-count");
    EXPECT_NEAR(bar->Num("height"), count * per_run, 0.01);
    EXPECT_NEAR(bar->Num("y") + bar->Num("height"), plot_bottom, 0.01);
    // Bars sit on their bins: x spans [lo, hi] on a 1..5 axis, less 1px gap.
    const double x_lo = plot[0]->Num("x") +
                        (bar->Num("data-lo") - 1) / 4 * plot[0]->Num("width");
    EXPECT_NEAR(bar->Num("x"), x_lo + 0.5, 0.01);
    EXPECT_NEAR(bar->Num("width"), 0.8 / 4 * plot[0]->Num("width") - 1, 0.02);
  }
}

TEST(SvgChartsTest, HistogramMarksMedianAndP90) {
  const Element root = ParseSvg(LatencyHistogramSvg(kKnownSamples));
  const auto plot = FindAll(root, "rect", "plot");
  ASSERT_EQ(plot.size(), 1u);
  const auto markers = FindAll(root, "line", "marker");
  ASSERT_EQ(markers.size(), 2u);
  // Sorted: 1 1.2 1.4 2 2.5 3 3.1 3.9 5. Median x[4] = 2.5; p90 at
  // h = 8 * 0.9 = 7.2: 3.9 + 0.2 * (5 - 3.9) = 4.12.
  EXPECT_EQ(markers[0]->Attr("data-kind"), "median");
  EXPECT_EQ(markers[0]->Attr("data-ms"), "2.5");
  EXPECT_EQ(markers[1]->Attr("data-kind"), "p90");
  EXPECT_EQ(markers[1]->Attr("data-ms"), "4.12");
  const double x0 = plot[0]->Num("x"), w = plot[0]->Num("width");
  EXPECT_NEAR(markers[0]->Num("x1"), x0 + (2.5 - 1) / 4 * w, 0.01);
  EXPECT_NEAR(markers[1]->Num("x1"), x0 + (4.12 - 1) / 4 * w, 0.01);
  for (const Element* m : markers) EXPECT_EQ(m->Attr("x1"), m->Attr("x2"));
  std::vector<std::string> texts;
  for (const Element* t : FindAll(root, "text")) texts.push_back(t->text);
  EXPECT_NE(std::find(texts.begin(), texts.end(), "median 2.50 ms"),
            texts.end());
  EXPECT_NE(std::find(texts.begin(), texts.end(), "p90 4.12 ms"), texts.end());
  EXPECT_NE(std::find(texts.begin(), texts.end(), "latency (ms)"), texts.end());
  EXPECT_NE(std::find(texts.begin(), texts.end(), "runs"), texts.end());
}

std::vector<std::string> TickTexts(const Element& root,
                                   const std::string& cls) {
  std::vector<std::string> out;
  for (const Element* t : FindAll(root, "text", cls)) out.push_back(t->text);
  return out;
}

TEST(SvgChartsTest, HistogramTicksAreNiceAndCoverTheData) {
  const Element root = ParseSvg(LatencyHistogramSvg(kKnownSamples));
  EXPECT_EQ(TickTexts(root, "x-tick"),
            (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(TickTexts(root, "y-tick"),
            (std::vector<std::string>{"0", "1", "2", "3"}));

  // Sub-millisecond latencies: 0.2 steps printed with one decimal.
  const Element narrow = ParseSvg(LatencyHistogramSvg({10.21, 10.5, 10.79}));
  EXPECT_EQ(TickTexts(narrow, "x-tick"),
            (std::vector<std::string>{"10.2", "10.4", "10.6", "10.8"}));
}

TEST(SvgChartsTest, NiceTicksMatchHandComputedScales) {
  // span 0.74 -> range 1 -> step 1/5 = 0.2
  NiceScale s = NiceTicks(0.13, 0.87, 6);
  EXPECT_DOUBLE_EQ(s.step, 0.2);
  EXPECT_EQ(s.decimals, 1);
  EXPECT_EQ(s.ticks, (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1.0}));
  // span 1234 -> range 2000 -> step 500
  s = NiceTicks(0, 1234, 5);
  EXPECT_EQ(s.step, 500);
  EXPECT_EQ(s.decimals, 0);
  EXPECT_EQ(s.ticks, (std::vector<double>{0, 500, 1000, 1500}));
  // span 0.0031 -> range 0.005 -> step 0.00125 -> 0.001
  s = NiceTicks(0.0102, 0.0133, 5);
  EXPECT_EQ(s.decimals, 3);
  EXPECT_EQ(s.ticks, (std::vector<double>{0.010, 0.011, 0.012, 0.013, 0.014}));
  // Degenerate range: widened, never a single tick.
  s = NiceTicks(7, 7, 5);
  ASSERT_GE(s.ticks.size(), 2u);
  EXPECT_LT(s.ticks.front(), 7);
  EXPECT_GT(s.ticks.back(), 7);
}

TEST(SvgChartsTest, NiceTicksAreOneTwoFiveAndCoverRandomRanges) {
  std::mt19937 rng(7767517);
  std::uniform_real_distribution<double> exponent(-6, 9), unit(0, 1);
  for (int iter = 0; iter < 2000; ++iter) {
    const double scale = std::pow(10.0, exponent(rng));
    double lo = unit(rng) * scale, hi = lo + unit(rng) * scale;
    if (iter % 3 == 0) lo = 0;
    const NiceScale s = NiceTicks(lo, hi, 6);
    ASSERT_GE(s.ticks.size(), 2u) << lo << " " << hi;
    EXPECT_LE(s.ticks.size(), 13u) << lo << " " << hi;
    EXPECT_LE(s.ticks.front(), lo);
    EXPECT_GE(s.ticks.back(), hi);
    const double mantissa =
        s.step / std::pow(10.0, std::floor(std::log10(s.step) + 1e-9));
    EXPECT_TRUE(std::fabs(mantissa - 1) < 1e-9 ||
                std::fabs(mantissa - 2) < 1e-9 ||
                std::fabs(mantissa - 5) < 1e-9)
        << s.step;
    for (size_t i = 0; i < s.ticks.size(); ++i) {
      const double k = s.ticks[i] / s.step;
      EXPECT_NEAR(k, std::round(k), 1e-6) << s.ticks[i] << " step " << s.step;
      if (i > 0)
        EXPECT_NEAR(s.ticks[i] - s.ticks[i - 1], s.step, s.step * 1e-6);
    }
  }
}

TEST(SvgChartsTest, HistogramOfEqualSamplesIsOneVisibleBar) {
  for (const std::vector<double>& samples :
       {std::vector<double>{7, 7, 7, 7}, std::vector<double>{0},
        std::vector<double>{1e300, 1e300}}) {
    const Element root = ParseSvg(LatencyHistogramSvg(samples));
    const auto plot = FindAll(root, "rect", "plot");
    const auto bars = FindAll(root, "rect", "bar");
    ASSERT_EQ(plot.size(), 1u);
    ASSERT_EQ(bars.size(), 1u);
    const Element& bar = *bars[0];
    EXPECT_EQ(bar.Attr("data-count"), std::to_string(samples.size()));
    EXPECT_EQ(bar.Attr("data-lo"), bar.Attr("data-hi"));
    EXPECT_DOUBLE_EQ(bar.Num("data-lo"), samples[0]);
    EXPECT_GT(bar.Num("width"), 10);
    // The only bar is the tallest: the y axis ends at its count.
    EXPECT_NEAR(bar.Num("height"), plot[0]->Num("height"), 0.01);
    EXPECT_GE(bar.Num("x"), plot[0]->Num("x"));
    EXPECT_LE(bar.Num("x") + bar.Num("width"),
              plot[0]->Num("x") + plot[0]->Num("width") + 0.01);
  }
  // The x axis is centred on the value.
  const Element root = ParseSvg(LatencyHistogramSvg({7, 7, 7}));
  const auto ticks = TickTexts(root, "x-tick");
  ASSERT_GE(ticks.size(), 2u);
  EXPECT_LT(std::stod(ticks.front()), 7);
  EXPECT_GT(std::stod(ticks.back()), 7);
}

TEST(SvgChartsTest, HistogramWithoutValidSamplesSaysNoSamples) {
  for (const std::vector<double>& samples :
       {std::vector<double>{}, std::vector<double>{kNaN, -1, kInf, -kInf}}) {
    const Element root = ParseSvg(LatencyHistogramSvg(samples));
    EXPECT_TRUE(FindAll(root, "rect", "bar").empty());
    const auto texts = FindAll(root, "text");
    ASSERT_EQ(texts.size(), 1u);
    EXPECT_EQ(texts[0]->text, "no samples");
  }
}

TEST(SvgChartsTest, HistogramOfManySamplesIsFastAndBounded) {
  std::mt19937 rng(7767517);
  std::lognormal_distribution<double> latency(2.0, 0.3);
  std::vector<double> samples(100000);
  for (double& s : samples) s = latency(rng);
  const auto start = std::chrono::steady_clock::now();
  const std::string svg = LatencyHistogramSvg(samples);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_LT(secs, 1.0);  // about 10 ms in a release build
  EXPECT_LT(svg.size(), 16000u);
  const Element root = ParseSvg(svg);
  const auto bars = FindAll(root, "rect", "bar");
  EXPECT_EQ(bars.size(), 30u);  // ceil(sqrt(1e5)) = 317, clamped to 30
  int64_t total = 0;
  for (const Element* b : bars)
    total += std::atoll(b->Attr("data-count").c_str());
  EXPECT_EQ(total, 100000);
}

TEST(SvgChartsTest, OutputIsDeterministicAndIndependentOfSampleOrder) {
  std::vector<double> reversed(kKnownSamples.rbegin(), kKnownSamples.rend());
  EXPECT_EQ(LatencyHistogramSvg(kKnownSamples),
            LatencyHistogramSvg(kKnownSamples));
  EXPECT_EQ(LatencyHistogramSvg(kKnownSamples), LatencyHistogramSvg(reversed));
  const std::vector<OpTime> ops = {{"CONV_2D", 812.5, 61.2}, {"ADD", 40.1, 3}};
  EXPECT_EQ(OpTimeChartSvg(ops), OpTimeChartSvg(ops));
}

// --- Op chart. ---

TEST(SvgChartsTest, OpChartBarsAreProportionalAndLabelled) {
  const Element root = ParseSvg(OpTimeChartSvg(
      {{"CONV_2D", 200, 80}, {"ADD", 50, 20}, {"RESHAPE", 0, 0}}));
  const auto bars = FindAll(root, "rect", "bar");
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_EQ(bars[0]->Attr("data-op"), "CONV_2D");
  EXPECT_EQ(bars[1]->Attr("data-op"), "ADD");
  EXPECT_EQ(bars[2]->Attr("data-op"), "RESHAPE");
  EXPECT_EQ(bars[0]->Attr("data-us"), "200");
  EXPECT_EQ(bars[1]->Attr("data-us"), "50");
  const double full = bars[0]->Num("width");
  EXPECT_GT(full, 200);
  EXPECT_NEAR(bars[1]->Num("width"), full / 4, 0.01);
  EXPECT_EQ(bars[2]->Num("width"), 0);
  EXPECT_LT(bars[0]->Num("y"), bars[1]->Num("y"));  // rows in the given order
  std::vector<std::string> texts;
  for (const Element* t : FindAll(root, "text")) texts.push_back(t->text);
  EXPECT_EQ(texts, (std::vector<std::string>{"CONV_2D", "200.0 µs (80.0 %)",
                                             "ADD", "50.0 µs (20.0 %)",
                                             "RESHAPE", "0.0 µs (0.0 %)"}));
  // The value label starts right of its bar.
  const auto labels = FindAll(root, "text");
  EXPECT_NEAR(labels[3]->Num("x"), bars[1]->Num("x") + full / 4 + 4, 0.01);
  EXPECT_EQ(root.Attr("height"), "66");  // 2 x 6 px padding + 3 rows x 18 px
}

TEST(SvgChartsTest, OpChartTreatsBadValuesAsZero) {
  const Element root = ParseSvg(OpTimeChartSvg(
      {{"A", kNaN, kNaN}, {"B", -5, -1}, {"C", kInf, kInf}, {"D", 0, 0}}));
  const auto bars = FindAll(root, "rect", "bar");
  ASSERT_EQ(bars.size(), 4u);
  for (const Element* b : bars) {
    EXPECT_EQ(b->Attr("data-us"), "0");
    EXPECT_EQ(b->Attr("width"), "0");
  }
  for (const Element* t : FindAll(root, "text")) {
    if (t->text.size() > 1) EXPECT_EQ(t->text, "0.0 µs (0.0 %)");
  }
}

TEST(SvgChartsTest, OpChartSummarizesRowsBeyondTheLimit) {
  std::vector<OpTime> ops;
  for (int i = 0; i < 45; ++i) {
    ops.push_back({"OP_" + std::to_string(i), 45.0 - i, 1.5});
  }
  const Element root = ParseSvg(OpTimeChartSvg(ops));
  const auto bars = FindAll(root, "rect", "bar");
  ASSERT_EQ(bars.size(), kMaxOpRows);
  EXPECT_EQ(bars[38]->Attr("data-op"), "OP_38");
  const Element& other = *bars.back();
  // The last 6 ops, avg 6 + 5 + 4 + 3 + 2 + 1 us and 6 x 1.5 %.
  EXPECT_EQ(other.Attr("data-op"), "other (6 op types)");
  EXPECT_EQ(other.Attr("data-other"), "6");
  EXPECT_EQ(other.Attr("data-us"), "21");
  EXPECT_NEAR(other.Num("width"), bars[0]->Num("width") * 21 / 45, 0.01);
  const auto texts = FindAll(root, "text");
  EXPECT_EQ(texts[texts.size() - 2]->text, "other (6 op types)");
  EXPECT_EQ(texts.back()->text, "21.0 µs (9.0 %)");

  ops.resize(kMaxOpRows);  // exactly at the limit: no summary row
  const Element at_limit = ParseSvg(OpTimeChartSvg(ops));
  const auto rows = FindAll(at_limit, "rect", "bar");
  ASSERT_EQ(rows.size(), kMaxOpRows);
  EXPECT_EQ(rows.back()->Attr("data-op"), "OP_39");
  EXPECT_EQ(rows.back()->Attr("data-other"), "");
}

TEST(SvgChartsTest, OpChartWithoutOpsSaysNoProfile) {
  const Element root = ParseSvg(OpTimeChartSvg({}));
  EXPECT_TRUE(FindAll(root, "rect", "bar").empty());
  const auto texts = FindAll(root, "text");
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0]->text, "no profile");
}

TEST(SvgChartsTest, OpChartEscapesHostileNames) {
  const std::string long_name(10000, 'A');
  const std::vector<OpTime> ops = {
      {"</text><script>alert(1)</script>", 10, 10},
      {"a & b \"q\" 'x' <y>", 9, 9},
      {"nul\0in\x01"
       "between\x1b[31m\x7f"s,
       8, 8},
      {"\xff\xfe\xc0\xaf ok", 7, 7},
      {"\xe2\x80\xaeRTL override", 6, 6},
      {long_name, 5, 5},
      {"]]><!-- -->&amp;&#0;", 4, 4},
      {"", 3, 3},
  };
  const std::string svg = OpTimeChartSvg(ops);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_LT(svg.size(), 4000u);  // the 10 kB name is cut
  const Element root = ParseSvg(svg);
  const auto bars = FindAll(root, "rect", "bar");
  ASSERT_EQ(bars.size(), ops.size());
  // data-op (decoded) is the sanitized, truncated name, as drawn.
  const std::vector<std::string> expected = {
      "</text><script>alert(1)\u2026",  // 23 code points and the ellipsis
      "a & b \"q\" 'x' <y>",
      "nulinbetween[31m",
      "\uFFFD\uFFFD\uFFFD\uFFFD ok",
      "RTL override",
      std::string(23, 'A') + "\u2026",
      "]]><!-- -->&amp;&#0;",
      "(unnamed)",
  };
  const auto texts = FindAll(root, "text");
  ASSERT_EQ(texts.size(), 2 * ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(bars[i]->Attr("data-op"), expected[i]) << i;
    EXPECT_EQ(texts[2 * i]->text, expected[i]) << i;
  }
}

TEST(SvgChartsTest, SanitizeLabelKeepsValidUtf8WhenTruncating) {
  std::string e_acute, emoji;
  for (int i = 0; i < 30; ++i) e_acute += "\u00e9", emoji += "\U0001F600";
  std::string e23, emoji23;
  for (int i = 0; i < 23; ++i) e23 += "\u00e9", emoji23 += "\U0001F600";
  EXPECT_EQ(SanitizeLabel(e_acute, 24), e23 + "\u2026");
  EXPECT_EQ(SanitizeLabel(emoji, 24), emoji23 + "\u2026");
  EXPECT_EQ(SanitizeLabel(e23 + "\u00e9", 24), e23 + "\u00e9");  // fits exactly
  EXPECT_EQ(SanitizeLabel("abcdef", 1), "\u2026");
  EXPECT_EQ(SanitizeLabel("a", 1), "a");
  EXPECT_EQ(SanitizeLabel("abc", 0), "");
  // Dropped characters do not count towards the limit.
  EXPECT_EQ(SanitizeLabel("\x01\x02\x03"
                          "abc",
                          3),
            "abc");
}

TEST(SvgChartsTest, SanitizeLabelReplacesIllFormedUtf8AndDropsControls) {
  constexpr char kFffd[] = "\uFFFD";
  EXPECT_EQ(SanitizeLabel("a\xff"
                          "b",
                          50),
            std::string("a") + kFffd + "b");
  // A truncated sequence is one maximal subpart: one U+FFFD.
  EXPECT_EQ(SanitizeLabel("ab\xe2\x82", 50), std::string("ab") + kFffd);
  // Overlong '/', encoded surrogate, beyond U+10FFFF: one per byte.
  EXPECT_EQ(SanitizeLabel("\xc0\xaf", 50), std::string(kFffd) + kFffd);
  EXPECT_EQ(SanitizeLabel("\xed\xa0\x80", 50),
            std::string(kFffd) + kFffd + kFffd);
  EXPECT_EQ(SanitizeLabel("\xf4\x90\x80\x80", 50),
            std::string(kFffd) + kFffd + kFffd + kFffd);
  EXPECT_EQ(SanitizeLabel("a\tb\nc\rd\x01"
                          "e\x7f"
                          "f\xc2\x85g",
                          50),
            "a b c def"
            "g");
  EXPECT_EQ(SanitizeLabel("\xef\xbf\xbe\xef\xbf\xbf", 50),
            std::string(kFffd) + kFffd);  // U+FFFE, U+FFFF
  EXPECT_EQ(SanitizeLabel("\u4e2d\u6587 \U0001F600", 50),
            "\u4e2d\u6587 \U0001F600");  // valid text passes unchanged
  EXPECT_EQ(XmlEscape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");

  std::mt19937 rng(7767517);
  std::uniform_int_distribution<int> byte(0, 255), length(0, 80);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string raw(length(rng), '\0');
    for (char& c : raw) c = static_cast<char>(byte(rng));
    const std::string label = SanitizeLabel(raw, 24);
    const auto cps = DecodeStrict(label);
    ASSERT_TRUE(cps.has_value());
    EXPECT_LE(cps->size(), 24u);
    for (uint32_t cp : *cps) {
      EXPECT_TRUE(AllowedChar(cp) && cp >= 0x20) << cp;
    }
  }
}

// --- Both charts over seeded random inputs. ---

TEST(SvgChartsTest, RandomInputsAlwaysGiveWellFormedCharts) {
  std::mt19937 rng(7767517);
  std::uniform_int_distribution<int> size(0, 400), pick(0, 15), byte(0, 255);
  std::lognormal_distribution<double> latency(1.0, 1.5);
  const double specials[] = {kNaN,   kInf,   -kInf,
                             -1,     0,      1e300,
                             1e-320, 5e-324, std::numeric_limits<double>::max(),
                             1e-17};
  const std::string hostile = "<>&'\"\x00\x01\xff\xe2\x80\xae]]>;#x"s;
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<double> samples(size(rng));
    int64_t valid = 0;
    const double constant = latency(rng);
    for (double& s : samples) {
      const int p = pick(rng);
      s = p < 2   ? specials[byte(rng) % std::size(specials)]
          : p < 4 ? constant
                  : latency(rng);
      if (std::isfinite(s) && s >= 0) ++valid;
    }
    const Element hist = ParseSvg(LatencyHistogramSvg(samples));
    int64_t total = 0;
    for (const Element* b : FindAll(hist, "rect", "bar")) {
      total += std::atoll(b->Attr("data-count").c_str());
      EXPECT_GE(b->Num("height"), 0);
      EXPECT_GE(b->Num("width"), 0);
    }
    EXPECT_EQ(total, valid);
    for (const Element* t : FindAll(hist, "text", "x-tick")) {
      EXPECT_TRUE(IsFiniteNumber(t->text)) << t->text;
    }

    std::vector<OpTime> ops(size(rng) / 8);
    for (OpTime& op : ops) {
      std::string name(size(rng) / 4, 'x');
      for (char& c : name) {
        c = pick(rng) < 8 ? hostile[byte(rng) % hostile.size()]
                          : static_cast<char>(byte(rng));
      }
      op = {name,
            pick(rng) < 2 ? specials[byte(rng) % std::size(specials)]
                          : latency(rng) * 100,
            pick(rng) < 2 ? kNaN : latency(rng)};
    }
    const std::string svg = OpTimeChartSvg(ops);
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    const Element chart = ParseSvg(svg);
    const auto bars = FindAll(chart, "rect", "bar");
    EXPECT_EQ(bars.size(), std::min(ops.size(), kMaxOpRows));
    for (const Element* b : bars) {
      const auto cps = DecodeStrict(b->Attr("data-op"));
      ASSERT_TRUE(cps.has_value());
      EXPECT_LE(cps->size(), kMaxOpLabelCodePoints);
      EXPECT_GE(b->Num("width"), 0);
      EXPECT_LE(b->Num("width"), 600);
    }
  }
}

}  // namespace
}  // namespace mai::server
