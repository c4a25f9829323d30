#include "server/prometheus.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace mai::server {
namespace {

bool ValidName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    const bool ok =
        std::isalpha(c) || c == '_' || c == ':' || (i > 0 && std::isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool ValidLabels(const Labels& labels) {
  return std::all_of(labels.begin(), labels.end(), [](const auto& kv) {
    return ValidName(kv.first) && kv.first.find(':') == std::string::npos;
  });
}

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

}  // namespace

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    out += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first,
                       Escape(labels[i].second));
  }
  return out + "}";
}

void MetricsRegistry::Help(const std::string& name, const std::string& type,
                           const std::string& help) {
  if (!ValidName(name)) return;
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
}

void MetricsRegistry::Add(const std::string& name, const Labels& labels,
                          double delta) {
  if (!ValidName(name) || !ValidLabels(labels)) return;
  std::lock_guard<std::mutex> lock(mu_);
  families_[name].values[labels] += delta;
}

void MetricsRegistry::Set(const std::string& name, const Labels& labels,
                          double value) {
  if (!ValidName(name) || !ValidLabels(labels)) return;
  std::lock_guard<std::mutex> lock(mu_);
  families_[name].values[labels] = value;
}

void MetricsRegistry::Clear(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) it->second.values.clear();
}

void MetricsRegistry::Observe(const std::string& name, const Labels& labels,
                              double value,
                              const std::vector<double>& buckets) {
  if (!ValidName(name) || !ValidLabels(labels)) return;
  std::lock_guard<std::mutex> lock(mu_);
  Histogram& h = families_[name].histograms[labels];
  if (h.bounds.empty()) {
    h.bounds = buckets;
    h.counts.assign(buckets.size(), 0);
  }
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    if (value <= h.bounds[i]) {
      h.counts[i] += 1;
      break;
    }
  }
  h.sum += value;
  h.count += 1;
}

std::string MetricsRegistry::Exposition() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.values.empty() && f.histograms.empty()) continue;
    if (!f.help.empty()) out += fmt::format("# HELP {} {}\n", name, f.help);
    out += fmt::format("# TYPE {} {}\n", name, f.type);
    for (const auto& [labels, v] : f.values) {
      out += fmt::format("{}{} {}\n", name, RenderLabels(labels), Number(v));
    }
    for (const auto& [labels, h] : f.histograms) {
      double cumulative = 0;
      for (size_t i = 0; i < h.bounds.size(); ++i) {
        cumulative += h.counts[i];
        Labels with_le = labels;
        with_le.emplace_back("le", Number(h.bounds[i]));
        out += fmt::format("{}_bucket{} {}\n", name, RenderLabels(with_le),
                           Number(cumulative));
      }
      Labels inf = labels;
      inf.emplace_back("le", "+Inf");
      out += fmt::format("{}_bucket{} {}\n", name, RenderLabels(inf),
                         Number(h.count));
      out += fmt::format("{}_sum{} {}\n", name, RenderLabels(labels),
                         Number(h.sum));
      out += fmt::format("{}_count{} {}\n", name, RenderLabels(labels),
                         Number(h.count));
    }
  }
  return out;
}

}  // namespace mai::server
