#include <utility>

#include "bench/power/power_internal.h"

namespace mai::bench::power_internal {

EnergyCounterSource::EnergyCounterSource(std::string name,
                                         std::string description,
                                         std::vector<EnergyCounter> counters)
    : name_(std::move(name)),
      description_(std::move(description)),
      counters_(std::move(counters)) {}

Result<std::vector<int64_t>> EnergyCounterSource::ReadAll() const {
  std::vector<int64_t> values;
  values.reserve(counters_.size());
  for (const EnergyCounter& c : counters_) {
    MAI_ASSIGN_OR_RETURN(int64_t v, ReadIntFile(c.path));
    if (v < 0) {
      return InvalidArgument("{}: negative energy counter {}", c.path.string(),
                             v);
    }
    values.push_back(v);
  }
  return values;
}

Status EnergyCounterSource::Start() {
  if (running_) return InvalidArgument("{}: Start() while measuring", name_);
  Result<std::vector<int64_t>> values = ReadAll();
  if (!values.ok()) return values.status().WithContext(name_);
  start_values_ = std::move(values).value();
  start_time_ = Clock::now();
  running_ = true;
  return Status::Ok();
}

Result<PowerReading> EnergyCounterSource::Stop() {
  if (!running_) return InvalidArgument("{}: Stop() without Start()", name_);
  running_ = false;
  Result<std::vector<int64_t>> end = ReadAll();
  Clock::time_point end_time = Clock::now();
  if (!end.ok()) return end.status().WithContext(name_);

  double total_uj = 0;
  for (size_t i = 0; i < counters_.size(); ++i) {
    int64_t start = start_values_[i];
    int64_t stop = (*end)[i];
    int64_t delta = stop - start;
    if (delta < 0) {
      const std::optional<int64_t>& range = counters_[i].max_range_uj;
      if (!range || *range < start) {
        return OutOfRange(
            "{}: energy counter {} went backwards ({} -> {} µJ) and its wrap "
            "range is unknown",
            name_, counters_[i].path.string(), start, stop);
      }
      delta = stop + (*range - start);  // one wrap
    }
    total_uj += static_cast<double>(delta);
  }

  PowerReading r;
  r.joules = total_uj * 1e-6;
  r.seconds = SecondsSince(start_time_, end_time);
  r.watts = r.seconds > 0 ? r.joules / r.seconds : 0.0;
  r.samples = 2;
  r.method = "energy counter";
  return r;
}

}  // namespace mai::bench::power_internal
