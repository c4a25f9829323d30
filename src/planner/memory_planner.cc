#include "planner/memory_planner.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace mai::planner {

Result<size_t> AlignArenaSize(size_t bytes) {
  if (bytes > std::numeric_limits<size_t>::max() - kArenaAlignment) {
    return OutOfRange("buffer of {} bytes is too large", bytes);
  }
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

Result<MemoryPlan> GreedyBySizePlanner::Plan(
    const std::vector<LifetimeRecord>& records) const {
  const size_t n = records.size();
  std::vector<size_t> aligned(n);
  for (size_t i = 0; i < n; ++i) {
    if (records[i].first_use > records[i].last_use) {
      return Internal("lifetime record {} ends before it starts", i);
    }
    MAI_ASSIGN_OR_RETURN(aligned[i], AlignArenaSize(records[i].bytes));
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (aligned[a] != aligned[b]) return aligned[a] > aligned[b];
    return records[a].first_use < records[b].first_use;
  });

  MemoryPlan plan;
  plan.offsets.assign(n, 0);
  std::vector<size_t> placed;  // record indices already placed
  placed.reserve(n);
  struct Interval {
    size_t begin, end;
  };
  std::vector<Interval> busy;
  for (size_t r : order) {
    busy.clear();
    for (size_t p : placed) {
      bool overlap = records[p].first_use <= records[r].last_use &&
                     records[r].first_use <= records[p].last_use;
      if (overlap && aligned[p] > 0) {
        busy.push_back({plan.offsets[p], plan.offsets[p] + aligned[p]});
      }
    }
    std::sort(
        busy.begin(), busy.end(),
        [](const Interval& a, const Interval& b) { return a.begin < b.begin; });
    size_t offset = 0;
    for (const Interval& b : busy) {
      if (offset + aligned[r] <= b.begin) break;  // fits in the gap before b
      offset = std::max(offset, b.end);
    }
    plan.offsets[r] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + aligned[r]);
    placed.push_back(r);
  }
  return plan;
}

Result<MemoryPlan> KeepAllPlanner::Plan(
    const std::vector<LifetimeRecord>& records) const {
  MemoryPlan plan;
  plan.offsets.reserve(records.size());
  size_t offset = 0;
  for (const LifetimeRecord& r : records) {
    plan.offsets.push_back(offset);
    MAI_ASSIGN_OR_RETURN(size_t aligned, AlignArenaSize(r.bytes));
    if (offset > std::numeric_limits<size_t>::max() - aligned) {
      return OutOfRange("arena size overflows");
    }
    offset += aligned;
  }
  plan.arena_bytes = offset;
  return plan;
}

}  // namespace mai::planner
