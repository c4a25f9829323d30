// Per-key request rate limits (a token bucket per API token): `rate`
// requests per second on average, bursts up to `burst`. Time is passed in
// (seconds, any monotonic origin) so tests control it.
#ifndef MAI_SERVER_RATE_LIMIT_H_
#define MAI_SERVER_RATE_LIMIT_H_

#include <map>
#include <mutex>
#include <string>

namespace mai::server {

class RateLimiter {
 public:
  RateLimiter(double rate_per_sec, double burst, size_t max_keys = 100000)
      : rate_(rate_per_sec), burst_(burst), max_keys_(max_keys) {}

  // True and one token taken when `key` has one at time `now`; false (the
  // caller answers 429) otherwise. When more than max_keys keys are
  // tracked, full buckets are forgotten first so memory stays bounded.
  bool Allow(const std::string& key, double now);

  // Seconds until `key` has a token again (0 when it has one now).
  double RetryAfter(const std::string& key, double now);

 private:
  struct Bucket {
    double tokens = 0;
    double at = 0;
  };
  Bucket& Refill(const std::string& key, double now);

  std::mutex mu_;
  double rate_, burst_;
  size_t max_keys_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace mai::server

#endif  // MAI_SERVER_RATE_LIMIT_H_
