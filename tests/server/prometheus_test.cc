// The /metrics exposition format, byte for byte, and the rate limiter's
// token buckets, against hand-derived values.
#include "server/prometheus.h"

#include <gtest/gtest.h>

#include "server/rate_limit.h"

namespace mai::server {
namespace {

TEST(PrometheusTest, CountersGaugesAndHistogramsExposeExactly) {
  MetricsRegistry m;
  m.Help("mai_jobs", "gauge", "Jobs by state");
  m.Set("mai_jobs", {{"state", "queued"}}, 3);
  m.Set("mai_jobs", {{"state", "failed"}}, 1);
  m.Help("mai_requests_total", "counter", "HTTP requests");
  m.Add("mai_requests_total", {{"code", "200"}}, 1);
  m.Add("mai_requests_total", {{"code", "200"}}, 2);
  m.Help("mai_latency_seconds", "histogram", "Request latency");
  m.Observe("mai_latency_seconds", {}, 0.003, {0.001, 0.01});
  m.Observe("mai_latency_seconds", {}, 0.02, {0.001, 0.01});
  m.Observe("mai_latency_seconds", {}, 0.0005, {0.001, 0.01});
  EXPECT_EQ(m.Exposition(),
            "# HELP mai_jobs Jobs by state\n"
            "# TYPE mai_jobs gauge\n"
            "mai_jobs{state=\"failed\"} 1\n"
            "mai_jobs{state=\"queued\"} 3\n"
            "# HELP mai_latency_seconds Request latency\n"
            "# TYPE mai_latency_seconds histogram\n"
            "mai_latency_seconds_bucket{le=\"0.001\"} 1\n"
            "mai_latency_seconds_bucket{le=\"0.01\"} 2\n"
            "mai_latency_seconds_bucket{le=\"+Inf\"} 3\n"
            "mai_latency_seconds_sum 0.0235\n"
            "mai_latency_seconds_count 3\n"
            "# HELP mai_requests_total HTTP requests\n"
            "# TYPE mai_requests_total counter\n"
            "mai_requests_total{code=\"200\"} 3\n");
}

TEST(PrometheusTest, LabelValuesAreEscapedAndBadNamesIgnored) {
  EXPECT_EQ(RenderLabels({{"path", "a\"b\\c\nd"}}),
            "{path=\"a\\\"b\\\\c\\nd\"}");
  MetricsRegistry m;
  m.Set("bad name", {}, 1);
  m.Set("ok", {{"bad-label", "x"}}, 1);
  m.Set("9starts_with_digit", {}, 1);
  EXPECT_EQ(m.Exposition(), "");
  m.Set("ok", {{"class", "x86"}}, 2);
  m.Clear("ok");
  EXPECT_EQ(m.Exposition(), "");
}

TEST(RateLimiterTest, BurstThenSteadyRate) {
  RateLimiter r(/*rate_per_sec=*/2.0, /*burst=*/3.0);
  // A burst of 3 at t = 0, then refused.
  EXPECT_TRUE(r.Allow("a", 0.0));
  EXPECT_TRUE(r.Allow("a", 0.0));
  EXPECT_TRUE(r.Allow("a", 0.0));
  EXPECT_FALSE(r.Allow("a", 0.0));
  EXPECT_DOUBLE_EQ(r.RetryAfter("a", 0.0), 0.5);
  // Other keys have their own bucket.
  EXPECT_TRUE(r.Allow("b", 0.0));
  // 2 tokens per second: one more at t = 0.5, none left at 0.6.
  EXPECT_TRUE(r.Allow("a", 0.5));
  EXPECT_FALSE(r.Allow("a", 0.6));
  // Never more than the burst after a long pause.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.Allow("a", 100.0));
  EXPECT_FALSE(r.Allow("a", 100.0));
}

TEST(RateLimiterTest, MemoryStaysBounded) {
  RateLimiter r(1.0, 1.0, /*max_keys=*/4);
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(r.Allow("k" + std::to_string(i), static_cast<double>(i)));
  }
  // A forgotten key starts full again: allowed.
  EXPECT_TRUE(r.Allow("k0", 100.0));
}

}  // namespace
}  // namespace mai::server
