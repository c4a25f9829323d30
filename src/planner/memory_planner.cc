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

namespace {

// Aligned sizes of the records; error on a backward lifetime.
Result<std::vector<size_t>> AlignedSizes(
    const std::vector<LifetimeRecord>& records) {
  std::vector<size_t> aligned(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].first_use > records[i].last_use) {
      return Internal("lifetime record {} ends before it starts", i);
    }
    MAI_ASSIGN_OR_RETURN(aligned[i], AlignArenaSize(records[i].bytes));
  }
  return aligned;
}

// Places the records in `order`, each at the lowest offset that does not
// overlap an already placed record alive at the same time.
MemoryPlan PlaceInOrder(const std::vector<LifetimeRecord>& records,
                        const std::vector<size_t>& aligned,
                        const std::vector<size_t>& order) {
  MemoryPlan plan;
  plan.offsets.assign(records.size(), 0);
  std::vector<size_t> placed;  // record indices already placed
  placed.reserve(records.size());
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

// Records by decreasing aligned size, earlier first use first on ties.
std::vector<size_t> BySize(const std::vector<LifetimeRecord>& records,
                           const std::vector<size_t>& aligned) {
  std::vector<size_t> order(records.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (aligned[a] != aligned[b]) return aligned[a] > aligned[b];
    return records[a].first_use < records[b].first_use;
  });
  return order;
}

int LastStep(const std::vector<LifetimeRecord>& records) {
  int last = -1;
  for (const LifetimeRecord& r : records) last = std::max(last, r.last_use);
  return last;
}

}  // namespace

Result<MemoryPlan> GreedyBySizePlanner::Plan(
    const std::vector<LifetimeRecord>& records) const {
  MAI_ASSIGN_OR_RETURN(std::vector<size_t> aligned, AlignedSizes(records));
  return PlaceInOrder(records, aligned, BySize(records, aligned));
}

Result<MemoryPlan> GreedyByBreadthPlanner::Plan(
    const std::vector<LifetimeRecord>& records) const {
  MAI_ASSIGN_OR_RETURN(std::vector<size_t> aligned, AlignedSizes(records));
  const int steps = LastStep(records) + 1;
  // Bytes alive at each step.
  std::vector<size_t> breadth(std::max(steps, 0), 0);
  for (size_t i = 0; i < records.size(); ++i) {
    for (int s = records[i].first_use; s <= records[i].last_use; ++s) {
      breadth[s] += aligned[i];
    }
  }
  std::vector<int> step_order(breadth.size());
  std::iota(step_order.begin(), step_order.end(), 0);
  std::stable_sort(step_order.begin(), step_order.end(),
                   [&](int a, int b) { return breadth[a] > breadth[b]; });
  const std::vector<size_t> by_size = BySize(records, aligned);
  std::vector<bool> taken(records.size(), false);
  std::vector<size_t> order;
  order.reserve(records.size());
  for (int s : step_order) {
    for (size_t r : by_size) {
      if (taken[r] || records[r].first_use > s || records[r].last_use < s)
        continue;
      taken[r] = true;
      order.push_back(r);
    }
  }
  for (size_t r : by_size) {
    if (!taken[r]) order.push_back(r);  // records of no step (none expected)
  }
  return PlaceInOrder(records, aligned, order);
}

Result<MemoryPlan> SmallestOfPlanner::Plan(
    const std::vector<LifetimeRecord>& records) const {
  MAI_ASSIGN_OR_RETURN(MemoryPlan by_size, GreedyBySizePlanner().Plan(records));
  MAI_ASSIGN_OR_RETURN(MemoryPlan by_breadth,
                       GreedyByBreadthPlanner().Plan(records));
  return by_breadth.arena_bytes < by_size.arena_bytes ? by_breadth : by_size;
}

Result<size_t> ArenaLowerBound(const std::vector<LifetimeRecord>& records) {
  MAI_ASSIGN_OR_RETURN(std::vector<size_t> aligned, AlignedSizes(records));
  const int steps = LastStep(records) + 1;
  std::vector<size_t> breadth(std::max(steps, 0), 0);
  for (size_t i = 0; i < records.size(); ++i) {
    for (int s = records[i].first_use; s <= records[i].last_use; ++s) {
      breadth[s] += aligned[i];
    }
  }
  size_t bound = 0;
  for (size_t b : breadth) bound = std::max(bound, b);
  return bound;
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
