#include "planner/memory_planner.h"

#include <gtest/gtest.h>

#include <random>

namespace mai::planner {
namespace {

// Independent check: no two records that are alive at the same step overlap
// in the arena, and every record fits inside it.
void ExpectValid(const std::vector<LifetimeRecord>& records,
                 const MemoryPlan& plan) {
  ASSERT_EQ(plan.offsets.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % kArenaAlignment, 0u);
    EXPECT_LE(plan.offsets[i] + records[i].bytes, plan.arena_bytes);
    for (size_t j = i + 1; j < records.size(); ++j) {
      bool live_together = records[i].first_use <= records[j].last_use &&
                           records[j].first_use <= records[i].last_use;
      if (!live_together || records[i].bytes == 0 || records[j].bytes == 0)
        continue;
      bool disjoint = plan.offsets[i] + records[i].bytes <= plan.offsets[j] ||
                      plan.offsets[j] + records[j].bytes <= plan.offsets[i];
      EXPECT_TRUE(disjoint) << "records " << i << " and " << j << " overlap";
    }
  }
}

TEST(GreedyBySizePlannerTest, ChainReusesMemory) {
  // a -> b -> c -> d, each 1 KiB: two buffers suffice.
  std::vector<LifetimeRecord> records = {
      {1024, 0, 0}, {1024, 0, 1}, {1024, 1, 2}, {1024, 2, 2}};
  auto plan = GreedyBySizePlanner().Plan(records);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ExpectValid(records, *plan);
  EXPECT_EQ(plan->arena_bytes, 2048u);
}

TEST(GreedyBySizePlannerTest, HandDerivedLayout) {
  // Large buffer placed first at 0; the small one alive with it goes after
  // it; the medium one, alive only later, reuses offset 0.
  std::vector<LifetimeRecord> records = {{64, 0, 1}, {640, 1, 2}, {256, 3, 4}};
  auto plan = GreedyBySizePlanner().Plan(records);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->offsets[1], 0u);
  EXPECT_EQ(plan->offsets[0], 640u);
  EXPECT_EQ(plan->offsets[2], 0u);
  EXPECT_EQ(plan->arena_bytes, 704u);
}

TEST(GreedyBySizePlannerTest, RandomRecordsNeverOverlap) {
  std::mt19937 rng(7767517);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<LifetimeRecord> records;
    int n = std::uniform_int_distribution<int>(1, 60)(rng);
    size_t sum = 0;
    for (int i = 0; i < n; ++i) {
      int a = std::uniform_int_distribution<int>(0, 40)(rng);
      int b = a + std::uniform_int_distribution<int>(0, 10)(rng);
      size_t bytes = std::uniform_int_distribution<size_t>(0, 5000)(rng);
      records.push_back({bytes, a, b});
      sum += (bytes + 63) / 64 * 64;
    }
    auto plan = GreedyBySizePlanner().Plan(records);
    ASSERT_TRUE(plan.ok());
    ExpectValid(records, *plan);
    EXPECT_LE(plan->arena_bytes, sum);
  }
}

TEST(KeepAllPlannerTest, EveryRecordHasItsOwnBytes) {
  std::vector<LifetimeRecord> records = {{100, 0, 0}, {100, 1, 1}, {1, 2, 2}};
  auto plan = KeepAllPlanner().Plan(records);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->offsets, (std::vector<size_t>{0, 128, 256}));
  EXPECT_EQ(plan->arena_bytes, 320u);
}

TEST(GreedyBySizePlannerTest, RejectsBackwardLifetime) {
  auto plan = GreedyBySizePlanner().Plan({{10, 3, 1}});
  EXPECT_FALSE(plan.ok());
}

// Hand-derived: by size, the 192-byte buffer (step 0) goes to offset 0 and
// pushes the three 128-byte buffers of step 2 up to 448 bytes; by breadth,
// step 2 (384 bytes alive) is laid out first at 0/128/256 and the 192-byte
// buffer fits at 128 next to the one buffer alive with it: 384 bytes, the
// lower bound.
TEST(GreedyByBreadthPlannerTest, BeatsBySizeOnAWideStep) {
  std::vector<LifetimeRecord> records = {
      {128, 1, 3}, {128, 2, 4}, {128, 0, 2}, {192, 0, 0}};
  auto by_size = GreedyBySizePlanner().Plan(records);
  auto by_breadth = GreedyByBreadthPlanner().Plan(records);
  auto smallest = SmallestOfPlanner().Plan(records);
  auto bound = ArenaLowerBound(records);
  ASSERT_TRUE(by_size.ok() && by_breadth.ok() && smallest.ok() && bound.ok());
  ExpectValid(records, *by_size);
  ExpectValid(records, *by_breadth);
  EXPECT_EQ(by_size->arena_bytes, 448u);
  EXPECT_EQ(by_breadth->arena_bytes, 384u);
  EXPECT_EQ(by_breadth->offsets, (std::vector<size_t>{128, 256, 0, 128}));
  EXPECT_EQ(smallest->arena_bytes, 384u);
  EXPECT_EQ(*bound, 384u);
}

TEST(SmallestOfPlannerTest, RandomRecordsValidAndBetween) {
  std::mt19937 rng(20261125);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<LifetimeRecord> records;
    int n = std::uniform_int_distribution<int>(1, 60)(rng);
    for (int i = 0; i < n; ++i) {
      int a = std::uniform_int_distribution<int>(0, 40)(rng);
      int b = a + std::uniform_int_distribution<int>(0, 10)(rng);
      records.push_back(
          {std::uniform_int_distribution<size_t>(0, 5000)(rng), a, b});
    }
    auto by_size = GreedyBySizePlanner().Plan(records);
    auto by_breadth = GreedyByBreadthPlanner().Plan(records);
    auto smallest = SmallestOfPlanner().Plan(records);
    auto bound = ArenaLowerBound(records);
    ASSERT_TRUE(by_size.ok() && by_breadth.ok() && smallest.ok() && bound.ok());
    ExpectValid(records, *by_breadth);
    ExpectValid(records, *smallest);
    EXPECT_EQ(smallest->arena_bytes,
              std::min(by_size->arena_bytes, by_breadth->arena_bytes));
    EXPECT_GE(smallest->arena_bytes, *bound);
  }
}

}  // namespace
}  // namespace mai::planner
