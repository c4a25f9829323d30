// Per-node timing of a session's runs, and the profile built from it.
//
//   bench::OpProfiler profiler;
//   session.set_profiler(&profiler);
//   for (...) { profiler.BeginRun(); session.Invoke(); profiler.EndRun(); }
//   session.set_profiler(nullptr);
//   bench::OpProfile profile =
//       bench::BuildOpProfile(session, profiler, peak_gflops);
//
// Times are wall-clock (steady_clock) around each kernel's Invoke, taken by
// the executor (not by the kernels), so ops run by XNNPACK, by the reference
// kernels or by custom kernels are timed the same way. The two clock reads
// per node cost about 40 ns, negligible against any real layer.
#ifndef MAI_BENCH_OP_PROFILER_H_
#define MAI_BENCH_OP_PROFILER_H_

#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "mai/session.h"

namespace mai::bench {

class OpProfiler : public Profiler {
 public:
  using Clock = std::chrono::steady_clock;

  // One node's execution in one run, in microseconds since the first run
  // began (the timeline of a trace).
  struct Event {
    int run = 0;
    int node_index = 0;
    double begin_us = 0;
    double end_us = 0;
  };

  // Events are kept for at most this many runs (the trace); sums cover all.
  explicit OpProfiler(int max_traced_runs = 20);

  void BeginRun();
  void EndRun();
  void BeginNode(int node_index, const ir::Node& node) override;
  void EndNode(int node_index, const ir::Node& node) override;

  int runs() const { return runs_; }
  // Total microseconds of node n over all runs (0 for nodes that never ran).
  double total_us(int node_index) const;
  // Nodes that ran, in the order of the first run.
  const std::vector<int>& run_order() const { return run_order_; }
  // Sum over runs of (run wall time), microseconds.
  double total_run_us() const { return total_run_us_; }
  const std::vector<Event>& events() const { return events_; }

 private:
  double UsSinceStart(Clock::time_point t) const;

  int max_traced_runs_;
  int runs_ = 0;
  bool in_run_ = false;
  bool started_ = false;
  Clock::time_point start_;
  Clock::time_point run_begin_;
  Clock::time_point node_begin_;
  double total_run_us_ = 0;
  std::vector<double> total_us_;
  std::vector<int> run_order_;
  std::vector<Event> events_;
};

// One node of the profile.
struct OpProfileRow {
  int node_index = 0;
  std::string op;
  std::string backend;       // "xnnpack", "ref", custom registry...
  std::string output_shape;  // e.g. "[1,96,96,32]"
  int64_t macs = 0;          // multiply-accumulates per run (ir::NodeMacs)
  int64_t bytes = 0;         // operand bytes: inputs (incl. weights) + outputs
  double avg_us = 0;         // mean over profiled runs
  double percent = 0;        // of the sum of all nodes' time
  double gflops = 0;         // 2 * macs / time; 0 for ops without MACs
  double percent_of_peak = 0;  // gflops / peak; 0 when no peak was given
  double gbps = 0;             // bytes / time
};

// Time per op type, as TFLite's profiler summarises it.
struct OpTypeRow {
  std::string op;
  int count = 0;
  double avg_us = 0;  // per run, summed over the nodes of this type
  double percent = 0;
  int64_t macs = 0;
  double gflops = 0;
  double percent_of_peak = 0;
};

struct OpProfile {
  int runs = 0;
  double peak_gflops = 0;   // the yardstick of percent_of_peak (0: none)
  double nodes_avg_us = 0;  // sum of the nodes' mean times
  double run_avg_us = 0;    // mean wall time of a profiled run
  std::vector<OpProfileRow> nodes;  // in run order
  std::vector<OpTypeRow> by_type;   // by time, largest first
};

// `peak_gflops` <= 0 leaves percent_of_peak at 0.
OpProfile BuildOpProfile(const Session& session, const OpProfiler& profiler,
                         double peak_gflops);

// Indices into profile.nodes of the `n` most expensive nodes, largest first.
std::vector<int> TopNodes(const OpProfile& profile, int n);

// Human-readable tables: top nodes, then the summary by op type; with
// `all_nodes` also every node in run order.
std::string FormatOpProfile(const OpProfile& profile, int top, bool all_nodes);
// The profile as JSON (nodes in run order, by_type, totals).
nlohmann::json OpProfileJson(const OpProfile& profile);
// One row per node, run order, header line first.
std::string OpProfileCsv(const OpProfile& profile);
// Chrome trace event format ("traceEvents", complete events in
// microseconds), which chrome://tracing and ui.perfetto.dev open.
std::string OpProfileChromeTrace(const OpProfile& profile,
                                 const OpProfiler& profiler,
                                 const std::string& model_name);

}  // namespace mai::bench

#endif  // MAI_BENCH_OP_PROFILER_H_
