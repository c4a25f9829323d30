// The per-op profile: every node that runs appears once, in run order, with
// the MACs of its shapes, times that add up to the run, and exports (CSV,
// Chrome trace) that say the same as the tables.
#include "bench/op_profiler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tflite/model_builder.h"

namespace mai::bench {
namespace {

// conv 3x3 (8x8x3 -> 8x8x4, SAME) -> ADD with a constant -> output.
std::unique_ptr<Session> ConvAddSession(const std::string& backend) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 8, 8, 3});
  int w =
      b.AddConstant<float>("w", {4, 3, 3, 3}, std::vector<float>(108, 0.5f));
  int bias = b.AddConstant<float>("b", {4}, {1, 2, 3, 4});
  int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
  b.AddOp(ir::OpCode::kConv2D, {x, w, bias}, {y}, ir::Conv2DParams{});
  int c = b.AddConstant<float>("c", {4}, {1, 1, 1, 1});
  int z = b.AddTensor("z", DType::kFloat32, std::nullopt);
  b.AddOp(ir::OpCode::kAdd, {y, c}, {z}, ir::BinaryParams{});
  b.MarkOutput(z);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  SessionOptions o;
  o.backend = backend;
  auto s = Session::LoadBytes(*bytes, o);
  EXPECT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE((*s)->Prepare().ok());
  return std::move(*s);
}

OpProfile Profile(Session& s, OpProfiler& profiler, int runs, double peak) {
  s.set_profiler(&profiler);
  for (int i = 0; i < runs; ++i) {
    profiler.BeginRun();
    EXPECT_TRUE(s.Invoke().ok());
    profiler.EndRun();
  }
  s.set_profiler(nullptr);
  return BuildOpProfile(s, profiler, peak);
}

TEST(OpProfilerTest, RowsFollowRunOrderWithShapesAndMacs) {
  for (const char* backend : {"ref", "xnnpack"}) {
    auto s = ConvAddSession(backend);
    OpProfiler profiler;
    OpProfile p = Profile(*s, profiler, 7, 100.0);
    EXPECT_EQ(p.runs, 7);
    ASSERT_EQ(p.nodes.size(), 2u) << backend;
    EXPECT_EQ(p.nodes[0].op, "CONV_2D");
    EXPECT_EQ(p.nodes[0].backend, backend);
    EXPECT_EQ(p.nodes[0].output_shape, "[1,8,8,4]");
    // 8*8 output pixels x 4 channels x 3*3*3 taps.
    EXPECT_EQ(p.nodes[0].macs, 8 * 8 * 4 * 27);
    // Operands: input 192 floats, weights 108, bias 4, output 256.
    EXPECT_EQ(p.nodes[0].bytes, (192 + 108 + 4 + 256) * 4);
    EXPECT_EQ(p.nodes[1].op, "ADD");
    EXPECT_EQ(p.nodes[1].macs, 0);
    EXPECT_EQ(p.nodes[1].gflops, 0);
    const OpProfileRow& conv = p.nodes[0];
    ASSERT_GT(conv.avg_us, 0);
    EXPECT_NEAR(conv.gflops, 2.0 * conv.macs / (conv.avg_us * 1e3), 1e-9);
    EXPECT_NEAR(conv.percent_of_peak, conv.gflops, 1e-9);  // peak 100
    EXPECT_NEAR(p.nodes[0].percent + p.nodes[1].percent, 100.0, 1e-9);
    // The nodes' times are inside the runs' wall time.
    EXPECT_LE(p.nodes_avg_us, p.run_avg_us);
    EXPECT_NEAR(p.nodes_avg_us, p.nodes[0].avg_us + p.nodes[1].avg_us, 1e-9);
  }
}

TEST(OpProfilerTest, SummaryByTypeAndTopNodes) {
  auto s = ConvAddSession("ref");
  OpProfiler profiler;
  OpProfile p = Profile(*s, profiler, 3, 0.0);
  ASSERT_EQ(p.by_type.size(), 2u);
  EXPECT_GE(p.by_type[0].avg_us, p.by_type[1].avg_us);
  for (const OpTypeRow& t : p.by_type) {
    EXPECT_EQ(t.count, 1);
    EXPECT_EQ(t.percent_of_peak, 0);  // no peak given
  }
  std::vector<int> top = TopNodes(p, 1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_GE(p.nodes[top[0]].avg_us, p.nodes[1 - top[0]].avg_us);
  std::string text = FormatOpProfile(p, 5, true);
  EXPECT_NE(text.find("CONV_2D"), std::string::npos);
  EXPECT_NE(text.find("not measured"), std::string::npos);
}

TEST(OpProfilerTest, CsvAndTraceMatchTheProfile) {
  auto s = ConvAddSession("xnnpack");
  OpProfiler profiler(/*max_traced_runs=*/2);
  OpProfile p = Profile(*s, profiler, 5, 50.0);
  std::string csv = OpProfileCsv(p);
  std::istringstream lines(csv);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) ++count;
  EXPECT_EQ(count, 3);  // header + 2 nodes
  EXPECT_EQ(csv.rfind("node,op,backend", 0), 0u);

  auto trace = nlohmann::json::parse(OpProfileChromeTrace(p, profiler, "m"));
  int complete = 0;
  double last_end = 0;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] != "X") continue;
    ++complete;
    double ts = e["ts"].get<double>(), dur = e["dur"].get<double>();
    EXPECT_GE(ts, last_end);  // one thread: events do not overlap
    EXPECT_GE(dur, 0);
    last_end = ts + dur;
  }
  EXPECT_EQ(complete, 2 * 2);  // 2 traced runs x 2 nodes
  auto j = OpProfileJson(p);
  EXPECT_EQ(j["nodes"].size(), 2u);
  EXPECT_EQ(j["nodes"][0]["macs"], 8 * 8 * 4 * 27);
}

}  // namespace
}  // namespace mai::bench
