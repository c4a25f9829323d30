// Server-side SVG charts for the web UI's job page: a latency histogram of
// the timed runs and a bar chart of time per op type.
//
//   std::string svg = LatencyHistogramSvg(result.samples_ms);
//   std::string ops = OpTimeChartSvg({{"CONV_2D", 812.5, 61.2},
//                                     {"ADD", 40.1, 3.0}});
//   // serve with Content-Type: image/svg+xml, show in an <img>
//
// Each function returns a standalone SVG 1.1 document (UTF-8, with an XML
// declaration): a root <svg xmlns=... width height viewBox role="img">
// with a <title>, presentation attributes only (no scripts, no <style>,
// no external references, no <foreignObject>; the op chart's one internal
// reference is clip-path="url(#mai-op-label-clip)"), text in
// font-family="system-ui, sans-serif" at 11px. The output is well-formed
// XML for every input, is deterministic (same input, same bytes; numbers
// are formatted without the locale), and never contains NaN or inf.
// Numbers print in fixed point with bounded precision; magnitudes of 1e15
// and above in exponent form (1.000e+20), and values beyond 1e300 are
// clamped to it so that every printed number parses back as finite.
//
// Untrusted text (op names come from uploaded models) goes through
// SanitizeLabel and XmlEscape before it is written: invalid UTF-8 becomes
// U+FFFD, control characters are dropped, names are cut to a bounded
// number of code points, and & < > " ' become entities.
//
// Machine-readable hooks, for tests and the browser test: every bar is a
// <rect class="bar" ...> with data-* attributes (see each function), the
// plot area is <rect class="plot">, tick labels are <text class="x-tick">
// and <text class="y-tick">, marker lines are <line class="marker">.
//
// Thread-safe (no shared state). Never aborts on bad input.
#ifndef MAI_SERVER_SVG_CHARTS_H_
#define MAI_SERVER_SVG_CHARTS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/xml.h"  // XmlEscape

namespace mai::server {

// A histogram of latency samples in milliseconds, 560 x 240 px.
//
// Samples that are negative or not finite are skipped (the <title> says how
// many). Bin count: ceil(sqrt(n)) clamped to [5, 30], n the number of kept
// samples; bins are equally wide over [min, max], bin i covering
// [lo_i, hi_i) and the last one also including max. Every bin is drawn,
// empty ones with height 0, as
//   <rect class="bar" data-count="N" data-lo="LO" data-hi="HI" .../>
// with heights proportional to N (the y axis runs from 0 to the first nice
// tick >= the largest count). If all kept samples are equal (spread below
// 1e-9 x max(max, 1 ms)) there is a single visible bar with data-lo =
// min and data-hi = max.
//
// Axes carry "nice" ticks (1, 2 or 5 x 10^k, see NiceTicks) covering the
// data: x in ms ("latency (ms)"), y in runs ("runs", integer ticks). Two
// vertical marker lines, <line class="marker" data-kind="median"|"p90"
// data-ms="V" .../>, are labelled "median V ms" and "p90 V ms"; quantiles
// use bench::QuantileOfSorted (linear interpolation, numpy's default).
// No kept samples: a small document that says "no samples".
//
// O(n log n) in the number of samples (one sort); the output size does not
// depend on n.
std::string LatencyHistogramSvg(const std::vector<double>& samples_ms);

// One row of the op chart: an op type, its average time per inference in
// microseconds, and its share of the total in percent.
struct OpTime {
  std::string op;
  double avg_us = 0;
  double percent = 0;
};

// At most this many rows are drawn; see OpTimeChartSvg.
inline constexpr size_t kMaxOpRows = 40;
// Op names are cut to this many code points (the last one an ellipsis).
inline constexpr size_t kMaxOpLabelCodePoints = 24;

// Horizontal bars, one row per op in the given order (callers pass them
// longest first), 600 px wide and 18 px per row. Each row is the op name
// (left, clipped to its 176 px column), a bar
//   <rect class="bar" data-op="NAME" data-us="V" .../>
// whose width is proportional to avg_us (the largest value spans the full
// bar width; all zero gives zero-width bars), and the label
// "12.3 µs (45.6 %)" right of the bar. NAME is the sanitized, truncated,
// escaped op name, as drawn. Non-finite or negative avg_us / percent count
// as 0. More than kMaxOpRows ops: the first kMaxOpRows - 1 are drawn and
// the rest become one row "other (N op types)" (its rect also carries
// data-other="N") whose avg_us and percent are the sums of theirs.
// No ops: a small document that says "no profile".
std::string OpTimeChartSvg(const std::vector<OpTime>& ops);

// --- Building blocks, exposed for tests. ---

// Ticks k * step for integer k from the largest multiple of `step` <= lo to
// the smallest >= hi, with step = 1, 2 or 5 x 10^e chosen so that there are
// about `target_count` of them (Heckbert's "loose labeling", Graphics Gems
// 1990). `decimals` is the number of fraction digits that prints every
// tick exactly (max(0, -e)). Requires finite lo <= hi; hi == lo (or a
// spread below 1e-12 x max(|hi|, 1)) is widened first, so there are always
// at least two ticks.
struct NiceScale {
  double step = 1;
  int decimals = 0;
  std::vector<double> ticks;
};
NiceScale NiceTicks(double lo, double hi, int target_count);

// `text` as valid UTF-8 that is safe to escape into XML: ill-formed
// sequences become U+FFFD (one per maximal ill-formed subpart), tab, CR and
// LF become a space, other C0/C1 controls, DEL and bidirectional
// embedding/override/isolate controls are dropped, U+FFFE/U+FFFF become
// U+FFFD. If more than `max_code_points` code points remain, the first
// max_code_points - 1 are kept and followed by "…" (U+2026); never cuts
// inside a UTF-8 sequence. max_code_points == 0 gives "".
std::string SanitizeLabel(std::string_view text, size_t max_code_points);

}  // namespace mai::server

#endif  // MAI_SERVER_SVG_CHARTS_H_
