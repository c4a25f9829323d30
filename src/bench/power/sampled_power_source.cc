#include <cmath>
#include <utility>

#include "bench/power/power_internal.h"

namespace mai::bench::power_internal {

SampledPowerSource::SampledPowerSource(std::string name,
                                       std::string description,
                                       double interval_s,
                                       WattsReader read_watts)
    : name_(std::move(name)),
      description_(std::move(description)),
      interval_(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(interval_s))),
      read_watts_(std::move(read_watts)) {
  if (interval_ <= Clock::duration::zero()) {
    interval_ = std::chrono::milliseconds(50);
  }
}

SampledPowerSource::~SampledPowerSource() { JoinSampler(); }

Status SampledPowerSource::TakeSample() {
  Clock::time_point before = Clock::now();
  Result<double> watts = read_watts_();
  Clock::time_point after = Clock::now();
  if (!watts.ok()) return watts.status().WithContext(name_);
  if (!std::isfinite(*watts) || *watts < 0) {
    return InvalidArgument("{}: power reading {} W is not a power", name_,
                           *watts);
  }
  double t = SecondsSince(start_time_, before) +
             0.5 * std::chrono::duration<double>(after - before).count();
  std::lock_guard<std::mutex> lock(mu_);
  integrator_.Add(t, *watts);
  return Status::Ok();
}

void SampledPowerSource::SamplerLoop() {
  Clock::time_point next = start_time_ + interval_;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (cv_.wait_until(lock, next, [this] { return stop_requested_; })) {
      return;
    }
    lock.unlock();
    Status s = TakeSample();
    lock.lock();
    if (!s.ok()) {
      sampler_error_ = s;
      return;
    }
    // Stay on the grid start + k * interval; skip ticks a slow read missed.
    Clock::time_point now = Clock::now();
    next += interval_;
    if (next <= now) {
      auto missed = (now - next) / interval_ + 1;
      next += missed * interval_;
    }
  }
}

void SampledPowerSource::JoinSampler() {
  if (!sampler_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_requested_ = true;
  }
  cv_.notify_all();
  sampler_.join();
}

Status SampledPowerSource::Start() {
  if (running_) return InvalidArgument("{}: Start() while measuring", name_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    integrator_ = PowerIntegrator();
    sampler_error_ = Status::Ok();
    stop_requested_ = false;
  }
  start_time_ = Clock::now();
  MAI_RETURN_IF_ERROR(TakeSample());
  running_ = true;
  sampler_ = std::thread([this] { SamplerLoop(); });
  return Status::Ok();
}

Result<PowerReading> SampledPowerSource::Stop() {
  if (!running_) return InvalidArgument("{}: Stop() without Start()", name_);
  running_ = false;
  JoinSampler();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!sampler_error_.ok()) return sampler_error_;
  }
  MAI_RETURN_IF_ERROR(TakeSample());
  std::lock_guard<std::mutex> lock(mu_);
  PowerReading r;
  r.joules = integrator_.joules();
  r.seconds = integrator_.seconds();
  r.watts = integrator_.mean_watts();
  r.samples = integrator_.samples();
  r.method = "sampled power";
  return r;
}

}  // namespace mai::bench::power_internal
