// Memory planning: assigns every activation tensor an offset in one arena so
// that tensors whose lifetimes overlap never share bytes.
//
// Input is a list of lifetime records (size in bytes, first and last node
// that touches the buffer); output is one offset per record and the arena
// size (the high-water mark). Planners are interchangeable:
//
//   std::vector<LifetimeRecord> records = ...;
//   GreedyBySizePlanner planner;
//   Result<MemoryPlan> plan = planner.Plan(records);
//   // records[i] lives at arena + plan->offsets[i]
//
// Aliasing (a reshape output sharing its input's buffer) is expressed by the
// caller merging both tensors into one record; see planner/lifetimes.h.
#ifndef MAI_PLANNER_MEMORY_PLANNER_H_
#define MAI_PLANNER_MEMORY_PLANNER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace mai::planner {

// Offsets and sizes are multiples of this (cache line, SIMD friendly).
inline constexpr size_t kArenaAlignment = 64;

struct LifetimeRecord {
  size_t bytes = 0;
  int first_use = 0;  // index of the first step that needs the buffer
  int last_use = 0;   // index of the last step (inclusive)
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per record
  size_t arena_bytes = 0;
};

class MemoryPlanner {
 public:
  virtual ~MemoryPlanner() = default;
  virtual Result<MemoryPlan> Plan(
      const std::vector<LifetimeRecord>& records) const = 0;
};

// Places the largest buffers first, each at the lowest offset that does not
// overlap a placed buffer alive at the same time (TFLite Micro's and
// XNNPACK's strategy). O(n^2), fine for graphs of thousands of tensors.
class GreedyBySizePlanner : public MemoryPlanner {
 public:
  Result<MemoryPlan> Plan(
      const std::vector<LifetimeRecord>& records) const override;
};

// Takes the steps by decreasing breadth (bytes alive at that step) and, for
// each, places its records not yet placed, largest first, at the lowest
// offset that fits (the "greedy by breadth" strategy of TFLite's GPU
// delegate). Better than by-size when one step holds many mid-size buffers.
class GreedyByBreadthPlanner : public MemoryPlanner {
 public:
  Result<MemoryPlan> Plan(
      const std::vector<LifetimeRecord>& records) const override;
};

// Runs GreedyBySizePlanner and GreedyByBreadthPlanner and keeps the smaller
// arena (by-size on a tie). The session's default.
class SmallestOfPlanner : public MemoryPlanner {
 public:
  Result<MemoryPlan> Plan(
      const std::vector<LifetimeRecord>& records) const override;
};

// No plan can use fewer bytes than the most bytes alive at one step (sizes
// aligned): the yardstick of a plan's arena.
Result<size_t> ArenaLowerBound(const std::vector<LifetimeRecord>& records);

// Debug planner: every record gets its own bytes, nothing is reused, so all
// intermediate values remain readable after a run.
class KeepAllPlanner : public MemoryPlanner {
 public:
  Result<MemoryPlan> Plan(
      const std::vector<LifetimeRecord>& records) const override;
};

// Rounds up to kArenaAlignment; error on overflow.
Result<size_t> AlignArenaSize(size_t bytes);

}  // namespace mai::planner

#endif  // MAI_PLANNER_MEMORY_PLANNER_H_
