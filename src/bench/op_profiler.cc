#include "bench/op_profiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "ir/op_cost.h"

namespace mai::bench {

OpProfiler::OpProfiler(int max_traced_runs)
    : max_traced_runs_(std::max(0, max_traced_runs)) {}

double OpProfiler::UsSinceStart(Clock::time_point t) const {
  return std::chrono::duration<double, std::micro>(t - start_).count();
}

void OpProfiler::BeginRun() {
  run_begin_ = Clock::now();
  if (!started_) {
    start_ = run_begin_;
    started_ = true;
  }
  in_run_ = true;
}

void OpProfiler::EndRun() {
  if (!in_run_) return;
  total_run_us_ +=
      std::chrono::duration<double, std::micro>(Clock::now() - run_begin_)
          .count();
  in_run_ = false;
  ++runs_;
}

void OpProfiler::BeginNode(int node_index, const ir::Node&) {
  node_begin_ = Clock::now();
}

void OpProfiler::EndNode(int node_index, const ir::Node&) {
  const Clock::time_point end = Clock::now();
  if (node_index < 0) return;
  if (static_cast<size_t>(node_index) >= total_us_.size()) {
    total_us_.resize(node_index + 1, 0.0);
  }
  total_us_[node_index] +=
      std::chrono::duration<double, std::micro>(end - node_begin_).count();
  if (runs_ == 0) run_order_.push_back(node_index);
  if (started_ && runs_ < max_traced_runs_) {
    events_.push_back(
        {runs_, node_index, UsSinceStart(node_begin_), UsSinceStart(end)});
  }
}

double OpProfiler::total_us(int node_index) const {
  if (node_index < 0 || static_cast<size_t>(node_index) >= total_us_.size())
    return 0;
  return total_us_[node_index];
}

namespace {

int64_t NodeOperandBytes(const ir::Graph& g, const ir::Node& node) {
  int64_t bytes = 0;
  auto add = [&](int t) {
    if (t < 0 || t >= static_cast<int>(g.tensors.size())) return;
    const ir::Tensor& tensor = g.tensors[t];
    bytes += static_cast<int64_t>(tensor.is_constant() ? tensor.data_bytes
                                                       : tensor.byte_size());
  };
  for (int t : node.inputs) add(t);
  for (int t : node.outputs) add(t);
  return bytes;
}

double Gflops(int64_t macs, double us) {
  return us > 0 ? 2.0 * static_cast<double>(macs) / (us * 1e3) : 0.0;
}

}  // namespace

OpProfile BuildOpProfile(const Session& session, const OpProfiler& profiler,
                         double peak_gflops) {
  OpProfile p;
  p.runs = profiler.runs();
  p.peak_gflops = peak_gflops > 0 ? peak_gflops : 0;
  const double runs = std::max(1, p.runs);
  p.run_avg_us = profiler.total_run_us() / runs;
  const ir::Graph& g = session.graph();
  auto percent_of_peak = [&](double gflops) {
    return p.peak_gflops > 0 ? 100.0 * gflops / p.peak_gflops : 0.0;
  };
  for (int n : profiler.run_order()) {
    if (n >= static_cast<int>(g.nodes.size())) continue;
    const ir::Node& node = g.nodes[n];
    OpProfileRow row;
    row.node_index = n;
    row.op = node.OpName();
    row.backend = session.node_backend(n);
    if (!node.outputs.empty() && node.outputs[0] >= 0) {
      row.output_shape = ShapeToString(g.tensors[node.outputs[0]].shape);
    }
    row.macs = ir::NodeMacs(g, n);
    row.bytes = NodeOperandBytes(g, node);
    row.avg_us = profiler.total_us(n) / runs;
    row.gflops = Gflops(row.macs, row.avg_us);
    row.percent_of_peak = percent_of_peak(row.gflops);
    row.gbps = row.avg_us > 0 ? row.bytes / (row.avg_us * 1e3) : 0;
    p.nodes_avg_us += row.avg_us;
    p.nodes.push_back(std::move(row));
  }
  std::map<std::string, OpTypeRow> types;
  for (OpProfileRow& row : p.nodes) {
    row.percent = p.nodes_avg_us > 0 ? 100.0 * row.avg_us / p.nodes_avg_us : 0;
    OpTypeRow& t = types[row.op];
    t.op = row.op;
    t.count++;
    t.avg_us += row.avg_us;
    t.macs += row.macs;
  }
  for (auto& [name, t] : types) {
    t.percent = p.nodes_avg_us > 0 ? 100.0 * t.avg_us / p.nodes_avg_us : 0;
    t.gflops = Gflops(t.macs, t.avg_us);
    t.percent_of_peak = percent_of_peak(t.gflops);
    p.by_type.push_back(t);
  }
  std::stable_sort(p.by_type.begin(), p.by_type.end(),
                   [](const OpTypeRow& a, const OpTypeRow& b) {
                     return a.avg_us > b.avg_us;
                   });
  return p;
}

std::vector<int> TopNodes(const OpProfile& profile, int n) {
  std::vector<int> order(profile.nodes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return profile.nodes[a].avg_us > profile.nodes[b].avg_us;
  });
  if (n >= 0 && static_cast<size_t>(n) < order.size()) order.resize(n);
  return order;
}

namespace {

std::string Peak(const OpProfile& p, double percent) {
  if (p.peak_gflops <= 0) return "-";
  return fmt::format("{:.0f}%", percent);
}

std::string NodeLine(const OpProfile& p, const OpProfileRow& r) {
  std::string flops =
      r.macs > 0 ? fmt::format("{:7.1f}", r.gflops) : fmt::format("{:>7}", "-");
  return fmt::format(
      "{:>5}  {:<26} {:<8} {:<20} {:9.1f} {:6.1f}% {:>10} {} {:>6} {:7.1f}\n",
      r.node_index, r.op, r.backend, r.output_shape, r.avg_us, r.percent,
      r.macs, flops, r.macs > 0 ? Peak(p, r.percent_of_peak) : "-", r.gbps);
}

constexpr const char* kNodeHeader =
    " node  op                         backend  output                 "
    "avg us      %       MACs  GFLOP/s  %peak    GB/s\n";

}  // namespace

std::string FormatOpProfile(const OpProfile& p, int top, bool all_nodes) {
  std::string out = fmt::format(
      "op profile   {} runs; nodes {:.1f} us of {:.1f} us per run; peak "
      "{}\n",
      p.runs, p.nodes_avg_us, p.run_avg_us,
      p.peak_gflops > 0
          ? fmt::format("{:.1f} GFLOP/s (mai device)", p.peak_gflops)
          : std::string("not measured"));
  if (all_nodes) {
    out += "\nrun order\n";
    out += kNodeHeader;
    for (const OpProfileRow& r : p.nodes) out += NodeLine(p, r);
  }
  out += fmt::format("\ntop {} nodes by time\n",
                     std::min<size_t>(top, p.nodes.size()));
  out += kNodeHeader;
  for (int i : TopNodes(p, top)) out += NodeLine(p, p.nodes[i]);
  out += "\nby op type\n";
  out +=
      "op                          count    avg us      %        MACs  "
      "GFLOP/s  %peak\n";
  for (const OpTypeRow& t : p.by_type) {
    out += fmt::format("{:<26} {:>6} {:9.1f} {:6.1f}% {:>11} {:>8} {:>6}\n",
                       t.op, t.count, t.avg_us, t.percent, t.macs,
                       t.macs > 0 ? fmt::format("{:.1f}", t.gflops) : "-",
                       t.macs > 0 ? Peak(p, t.percent_of_peak) : "-");
  }
  return out;
}

nlohmann::json OpProfileJson(const OpProfile& p) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const OpProfileRow& r : p.nodes) {
    nodes.push_back({{"node", r.node_index},
                     {"op", r.op},
                     {"backend", r.backend},
                     {"output_shape", r.output_shape},
                     {"macs", r.macs},
                     {"bytes", r.bytes},
                     {"avg_us", r.avg_us},
                     {"percent", r.percent},
                     {"gflops", r.gflops},
                     {"percent_of_peak", r.percent_of_peak},
                     {"gbps", r.gbps}});
  }
  nlohmann::json types = nlohmann::json::array();
  for (const OpTypeRow& t : p.by_type) {
    types.push_back({{"op", t.op},
                     {"count", t.count},
                     {"avg_us", t.avg_us},
                     {"percent", t.percent},
                     {"macs", t.macs},
                     {"gflops", t.gflops},
                     {"percent_of_peak", t.percent_of_peak}});
  }
  return {{"runs", p.runs},
          {"peak_gflops", p.peak_gflops},
          {"nodes_avg_us", p.nodes_avg_us},
          {"run_avg_us", p.run_avg_us},
          {"nodes", nodes},
          {"by_type", types}};
}

std::string OpProfileCsv(const OpProfile& p) {
  std::string out =
      "node,op,backend,output_shape,avg_us,percent,macs,bytes,gflops,"
      "percent_of_peak,gbps\n";
  for (const OpProfileRow& r : p.nodes) {
    out += fmt::format(
        "{},{},{},\"{}\",{:.3f},{:.3f},{},{},{:.3f},{:.2f},{:.3f}\n",
        r.node_index, r.op, r.backend, r.output_shape, r.avg_us, r.percent,
        r.macs, r.bytes, r.gflops, r.percent_of_peak, r.gbps);
  }
  return out;
}

std::string OpProfileChromeTrace(const OpProfile& p, const OpProfiler& profiler,
                                 const std::string& model_name) {
  std::map<int, const OpProfileRow*> row_of_node;
  for (const OpProfileRow& r : p.nodes) row_of_node[r.node_index] = &r;
  nlohmann::json events = nlohmann::json::array();
  events.push_back({{"name", "process_name"},
                    {"ph", "M"},
                    {"pid", 1},
                    {"tid", 1},
                    {"args", {{"name", "mai: " + model_name}}}});
  for (const OpProfiler::Event& e : profiler.events()) {
    auto it = row_of_node.find(e.node_index);
    if (it == row_of_node.end()) continue;
    const OpProfileRow& r = *it->second;
    events.push_back({{"name", r.op},
                      {"cat", r.backend},
                      {"ph", "X"},
                      {"pid", 1},
                      {"tid", 1},
                      {"ts", e.begin_us},
                      {"dur", e.end_us - e.begin_us},
                      {"args",
                       {{"node", r.node_index},
                        {"run", e.run},
                        {"output_shape", r.output_shape},
                        {"macs", r.macs}}}});
  }
  nlohmann::json trace = {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
  return trace.dump();
}

}  // namespace mai::bench
