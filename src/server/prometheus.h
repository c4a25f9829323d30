// Server metrics in the Prometheus text exposition format (version 0.0.4),
// served at /metrics: counters, gauges and histograms with labels.
//
//   MetricsRegistry m;
//   m.Help("mai_http_requests_total", "counter", "HTTP requests");
//   m.Add("mai_http_requests_total", {{"route", "/healthz"}}, 1);
//   m.Set("mai_queue_depth", {{"device_class", "x86"}}, 3);
//   m.Observe("mai_http_request_seconds", {}, 0.004, kLatencyBuckets);
//   std::string text = m.Exposition();
//
// Thread-safe (one mutex). Metric and label names must match Prometheus'
// [a-zA-Z_:][a-zA-Z0-9_:]* (checked: a bad name is ignored rather than
// corrupting the output); label values are escaped (\\, \", \n).
#ifndef MAI_SERVER_PROMETHEUS_H_
#define MAI_SERVER_PROMETHEUS_H_

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mai::server {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Request latency buckets, seconds.
inline const std::vector<double> kLatencyBuckets = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

class MetricsRegistry {
 public:
  // Declares a metric's # HELP and # TYPE lines (type: counter, gauge,
  // histogram). Metrics without it are exposed untyped.
  void Help(const std::string& name, const std::string& type,
            const std::string& help);
  void Add(const std::string& name, const Labels& labels, double delta);
  void Set(const std::string& name, const Labels& labels, double value);
  // Removes every series of a gauge (before re-setting a snapshot, e.g.
  // queue depths by class).
  void Clear(const std::string& name);
  // One observation; `buckets` (ascending upper bounds) are fixed by the
  // first observation of the metric.
  void Observe(const std::string& name, const Labels& labels, double value,
               const std::vector<double>& buckets);

  // Every metric, sorted by name, then by labels.
  std::string Exposition() const;

 private:
  struct Histogram {
    std::vector<double> bounds;
    std::vector<double> counts;  // per bucket, cumulative at exposition
    double sum = 0, count = 0;
  };
  struct Family {
    std::string type = "untyped";
    std::string help;
    std::map<Labels, double> values;
    std::map<Labels, Histogram> histograms;
  };

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// The label set rendered as {a="x",b="y"} (empty for no labels), with
// escaping; exposed for tests.
std::string RenderLabels(const Labels& labels);

}  // namespace mai::server

#endif  // MAI_SERVER_PROMETHEUS_H_
