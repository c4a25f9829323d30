#include "server/rate_limit.h"

#include <algorithm>

namespace mai::server {

RateLimiter::Bucket& RateLimiter::Refill(const std::string& key, double now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // Forget buckets that are full again: they behave like new ones.
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        const double tokens =
            std::min(burst_, b->second.tokens + (now - b->second.at) * rate_);
        b = tokens >= burst_ ? buckets_.erase(b) : std::next(b);
      }
      if (buckets_.size() >= max_keys_) buckets_.erase(buckets_.begin());
    }
    it = buckets_.emplace(key, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  if (now > b.at) {
    b.tokens = std::min(burst_, b.tokens + (now - b.at) * rate_);
    b.at = now;
  }
  return b;
}

bool RateLimiter::Allow(const std::string& key, double now) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = Refill(key, now);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

double RateLimiter::RetryAfter(const std::string& key, double now) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = Refill(key, now);
  return b.tokens >= 1.0 || rate_ <= 0 ? 0.0 : (1.0 - b.tokens) / rate_;
}

}  // namespace mai::server
