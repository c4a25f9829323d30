// Bootstrap interval, Mann-Whitney test and verdict of `mai compare`, on
// seeded sample sets and on tiny examples worked out by hand.
#include "bench/compare_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace mai::bench {
namespace {

std::vector<double> NormalSamples(uint32_t seed, int n, double mean,
                                  double sd) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

TEST(MannWhitneyTest, TinyExampleWithTieByHand) {
  // A = {1, 3, 5}, B = {2, 3, 6, 7}. Pooled and sorted:
  //   1(A) 2(B) 3(A) 3(B) 5(A) 6(B) 7(B)
  //   ranks 1, 2, 3.5, 3.5, 5, 6, 7 (the two 3s share rank (3 + 4) / 2).
  // R_A = 1 + 3.5 + 5 = 9.5, U_A = 9.5 - 3 * 4 / 2 = 3.5, U_B = 12 - 3.5.
  // Mean n_a n_b / 2 = 6. One tie group of size 2: t^3 - t = 6, n = 7:
  //   var = 3 * 4 / 12 * (8 - 6 / (7 * 6)) = 8 - 1 / 7 = 55 / 7.
  // Continuity-corrected |U - mean| = 2.5 - 0.5 = 2, z = 2 / sqrt(55 / 7)
  // = 0.7135, two-sided p = erfc(z / sqrt 2) = 0.4755.
  std::vector<double> a = {1, 3, 5}, b = {2, 3, 6, 7};
  auto r = MannWhitneyU(a, b);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DOUBLE_EQ(r->u, 3.5);
  const double z = 2 / std::sqrt(55.0 / 7);
  EXPECT_NEAR(r->z, z, 1e-12);
  EXPECT_NEAR(r->p_value, std::erfc(z / std::sqrt(2.0)), 1e-12);
  EXPECT_NEAR(r->p_value, 0.4755, 1e-4);

  // Swapped: U is the other sample's, the p-value the same.
  auto s = MannWhitneyU(b, a);
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->u, 8.5);
  EXPECT_NEAR(s->p_value, r->p_value, 1e-15);
}

TEST(MannWhitneyTest, CompleteSeparationByHand) {
  // A = {1, 2, 3} all below B = {4, 5, 6}: R_A = 6, U_A = 6 - 6 = 0.
  // Mean 4.5, no ties: var = 9 / 12 * 7 = 5.25.
  // z = (4.5 - 0.5) / sqrt(5.25) = 1.7457, p = 0.0809.
  std::vector<double> a = {1, 2, 3}, b = {4, 5, 6};
  auto r = MannWhitneyU(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->u, 0);
  EXPECT_NEAR(r->p_value, std::erfc(4 / std::sqrt(5.25) / std::sqrt(2.0)),
              1e-12);
  EXPECT_NEAR(r->p_value, 0.0809, 1e-4);
}

TEST(MannWhitneyTest, AllTiedGivesPOne) {
  std::vector<double> a = {2, 2, 2}, b = {2, 2};
  auto r = MannWhitneyU(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->u, 3);  // every rank 3: R_A = 9, U = 9 - 6
  EXPECT_EQ(r->p_value, 1);
}

TEST(MannWhitneyTest, RejectsEmptyAndNonFinite) {
  std::vector<double> a = {1, 2}, empty;
  std::vector<double> nan = {1, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_FALSE(MannWhitneyU(a, empty).ok());
  EXPECT_FALSE(MannWhitneyU(empty, a).ok());
  EXPECT_FALSE(MannWhitneyU(a, nan).ok());
}

TEST(CompareTest, ClearlyFasterAndSlower) {
  std::vector<double> a = NormalSamples(11, 50, 10.0, 0.3);
  std::vector<double> b = NormalSamples(12, 50, 8.0, 0.3);
  CompareOptions opt;
  auto faster = CompareQuantile(a, b, 0.5, opt);
  ASSERT_TRUE(faster.ok()) << faster.status().message();
  EXPECT_EQ(faster->verdict, Verdict::kFaster);
  EXPECT_LT(faster->ci_high, 0);
  EXPECT_LE(faster->ci_low, faster->difference);
  EXPECT_GE(faster->ci_high, faster->difference);
  EXPECT_NEAR(faster->difference, -2.0, 0.3);
  EXPECT_NEAR(faster->change_pct, 100 * faster->difference / faster->a, 1e-12);
  // No overlap at all: U = 0 for B against A, far in the tail.
  EXPECT_LT(faster->test.p_value, 1e-10);

  auto slower = CompareQuantile(b, a, 0.5, opt);
  ASSERT_TRUE(slower.ok());
  EXPECT_EQ(slower->verdict, Verdict::kSlower);
  EXPECT_GT(slower->ci_low, 0);
  EXPECT_DOUBLE_EQ(slower->difference, -faster->difference);
}

TEST(CompareTest, SameSamplesNoDifference) {
  std::vector<double> a = NormalSamples(5, 40, 10.0, 1.0);
  std::vector<double> b = a;  // shifted by 0
  auto c = CompareQuantile(a, b, 0.5, CompareOptions{});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->verdict, Verdict::kNoDifference);
  EXPECT_EQ(c->difference, 0);
  EXPECT_LT(c->ci_low, 0);
  EXPECT_GT(c->ci_high, 0);
  // U exactly n^2 / 2: |U - mean| - 0.5 clamps to 0.
  EXPECT_DOUBLE_EQ(c->test.u, 40 * 40 / 2.0);
  EXPECT_EQ(c->test.p_value, 1);
}

TEST(CompareTest, SameDistributionOtherDrawNoDifference) {
  std::vector<double> a = NormalSamples(21, 50, 10.0, 1.0);
  std::vector<double> b = NormalSamples(22, 50, 10.0, 1.0);
  auto c = CompareQuantile(a, b, 0.5, CompareOptions{});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->verdict, Verdict::kNoDifference)
      << c->ci_low << " " << c->ci_high << " p " << c->test.p_value;
}

TEST(CompareTest, SmallShiftUnderNoiseIsNotResolved) {
  // A constant shift of 3% under 10% noise with 10 samples: not resolved.
  std::vector<double> a = NormalSamples(31, 10, 10.0, 1.0);
  std::vector<double> b = NormalSamples(32, 10, 9.7, 1.0);
  auto c = CompareQuantile(a, b, 0.5, CompareOptions{});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->verdict, Verdict::kNoDifference);
  EXPECT_GT(c->test.p_value, 0.05);
}

TEST(CompareTest, IntervalAloneIsNotEnough) {
  // One sample each: every resample gives 7 - 5, so the interval [2, 2]
  // excludes 0, but the test has no evidence (U = 0, mean 0.5, var 0.25,
  // corrected |U - mean| = 0, p = 1): no verdict.
  std::vector<double> a = {5}, b = {7};
  auto c = CompareQuantile(a, b, 0.5, CompareOptions{});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->ci_low, 2);
  EXPECT_EQ(c->ci_high, 2);
  EXPECT_EQ(c->test.p_value, 1);
  EXPECT_EQ(c->verdict, Verdict::kNoDifference);
}

TEST(BootstrapTest, DeterministicPerSeed) {
  std::vector<double> a = NormalSamples(1, 30, 5.0, 0.5);
  std::vector<double> b = NormalSamples(2, 30, 5.2, 0.5);
  CompareOptions opt;
  opt.seed = 42;
  auto x = BootstrapQuantileDifference(a, b, 0.5, opt);
  auto y = BootstrapQuantileDifference(a, b, 0.5, opt);
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_EQ(x->low, y->low);
  EXPECT_EQ(x->high, y->high);
  opt.seed = 43;
  auto z = BootstrapQuantileDifference(a, b, 0.5, opt);
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(z->low != x->low || z->high != x->high);
  EXPECT_LT(x->low, x->high);
}

TEST(BootstrapTest, DegenerateSamplesGivePointInterval) {
  // Every resample of {5} and {7, 7} is the same: the interval is [2, 2].
  std::vector<double> a = {5}, b = {7, 7};
  auto ci = BootstrapQuantileDifference(a, b, 0.5, CompareOptions{});
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->low, 2);
  EXPECT_EQ(ci->high, 2);
}

TEST(BootstrapTest, TwoPointSetsByHand) {
  // A = {0} and B = {0, 1}: a resample of B has median 0 (both 0, prob 1/4),
  // 0.5 (prob 1/2) or 1 (prob 1/4). The 2.5% and 97.5% points of the
  // differences are 0 and 1 with overwhelming probability over 2000 draws.
  std::vector<double> a = {0}, b = {0, 1};
  auto ci = BootstrapQuantileDifference(a, b, 0.5, CompareOptions{});
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->low, 0);
  EXPECT_EQ(ci->high, 1);
}

TEST(BootstrapTest, QuantileOtherThanMedian) {
  // Identical sets except B's top decile is doubled: the p90 difference is
  // positive, the median difference 0.
  std::vector<double> a, b;
  for (int i = 1; i <= 100; ++i) {
    a.push_back(i);
    b.push_back(i > 90 ? 2.0 * i : i);
  }
  auto p90 = CompareQuantile(a, b, 0.9, CompareOptions{});
  ASSERT_TRUE(p90.ok());
  // p90: h = 99 * 0.9 = 89.1 -> A: 90 + 0.1 * 1 = 90.1; B: 90 + 0.1 * 92.
  EXPECT_NEAR(p90->a, 90.1, 1e-12);
  EXPECT_NEAR(p90->b, 99.2, 1e-12);
  auto p50 = CompareQuantile(a, b, 0.5, CompareOptions{});
  ASSERT_TRUE(p50.ok());
  EXPECT_EQ(p50->difference, 0);
}

TEST(BootstrapTest, RejectsBadOptions) {
  std::vector<double> a = {1, 2}, b = {3, 4};
  CompareOptions opt;
  opt.resamples = 0;
  EXPECT_FALSE(BootstrapQuantileDifference(a, b, 0.5, opt).ok());
  opt = CompareOptions{};
  opt.confidence = 1.0;
  EXPECT_FALSE(CompareQuantile(a, b, 0.5, opt).ok());
  EXPECT_FALSE(CompareQuantile(a, b, 1.5, CompareOptions{}).ok());
  std::vector<double> empty;
  EXPECT_FALSE(CompareQuantile(a, empty, 0.5, CompareOptions{}).ok());
}

TEST(VerdictTest, Names) {
  EXPECT_STREQ(VerdictName(Verdict::kFaster), "faster");
  EXPECT_STREQ(VerdictName(Verdict::kSlower), "slower");
  EXPECT_STREQ(VerdictName(Verdict::kNoDifference), "no detectable difference");
}

}  // namespace
}  // namespace mai::bench
