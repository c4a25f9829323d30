// Scores and leaderboards (challenge/score.h): every expectation below is
// derived by hand from the track's formula and constraints, never computed
// with the code under test.
#include "challenge/score.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "testing/minimal_track.h"

namespace mai::challenge {
namespace {

using nlohmann::json;

using testing::MinimalTrack;

Track Parse(const json& j) {
  auto t = ParseTrack(j.dump(), "t.json");
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? *t : Track();
}

// "2^(2*PSNR) / (C*runtime_ms)" with C = 2.
Track PsnrTrack() {
  json j = MinimalTrack();
  j["score"]["formula"] = "2^(2*PSNR) / (C*runtime_ms)";
  j["score"]["parameters"] = {{"C", {{"value", 2}}}};
  return Parse(j);
}

ResultRecord Record(const std::string& participant,
                    const std::string& submission, int64_t submitted_at,
                    std::map<std::string, double> figures) {
  ResultRecord r;
  r.participant = participant;
  r.submission = submission;
  r.submitted_at = submitted_at;
  r.figures = std::move(figures);
  r.model_sha256 = "ab";
  return r;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// --- ScoreRecord
// --------------------------------------------------------------

TEST(ScoreRecordTest, FormulaWithParameters) {
  const Track t = PsnrTrack();
  auto s =
      ScoreRecord(t, Record("p", "s", 0, {{"PSNR", 5}, {"runtime_ms", 4}}));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->score, 128.0);  // 2^10 / (2 * 4) = 1024 / 8
  EXPECT_EQ(s->disqualified, "");
  EXPECT_EQ(s->record.participant, "p");
}

TEST(ScoreRecordTest, FigureOverridesParameterOfTheSameName) {
  const Track t = PsnrTrack();
  auto s = ScoreRecord(
      t, Record("p", "s", 0, {{"PSNR", 5}, {"runtime_ms", 4}, {"C", 4}}));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->score, 64.0);  // 1024 / (4 * 4)
}

TEST(ScoreRecordTest, MissingFigureNamesIt) {
  const Track t = PsnrTrack();
  auto s = ScoreRecord(t, Record("p", "s", 0, {{"PSNR", 5}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(s.status().message(), "runtime_ms"))
      << s.status().message();
}

TEST(ScoreRecordTest, MissingPowerSaysHowToMeasureIt) {
  json j = MinimalTrack();
  j["score"]["formula"] = "PSNR / power_W";
  j["runtime"] = {{"power", true}, {"fps", 30}};
  const Track t = Parse(j);
  auto s =
      ScoreRecord(t, Record("p", "s", 0, {{"PSNR", 30}, {"runtime_ms", 5}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  const std::string m = s.status().message();
  EXPECT_TRUE(Contains(m, "--figure power_W=")) << m;
  EXPECT_TRUE(Contains(m, "mai bench --sustained")) << m;

  auto ok = ScoreRecord(t, Record("p", "s", 0, {{"PSNR", 30}, {"power_W", 2}}));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->score, 15.0);
}

TEST(ScoreRecordTest, EvaluationErrorNamesTheFormula) {
  const Track t = PsnrTrack();
  auto s =
      ScoreRecord(t, Record("p", "s", 0, {{"PSNR", 5}, {"runtime_ms", 0}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  const std::string m = s.status().message();
  EXPECT_TRUE(Contains(m, "2^(2*PSNR) / (C*runtime_ms)")) << m;
  EXPECT_TRUE(Contains(m, "division by zero")) << m;
}

TEST(ScoreRecordTest, LowerDirectionStillScoresTheFormula) {
  json j = MinimalTrack();
  j["score"]["formula"] = "runtime_ms * 2";
  j["score"]["direction"] = "lower";
  auto s = ScoreRecord(Parse(j), Record("p", "s", 0, {{"runtime_ms", 3.5}}));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->score, 7.0);
}

// --- Constraints
// ----------------------------------------------------------------

// A track with every constraint set, and a record that meets them all.
Track ConstrainedTrack() {
  json j = MinimalTrack();
  j["constraints"] = {{"int8_only", true},
                      {"max_model_bytes", 1000},
                      {"max_runtime_ms", 50},
                      {"input_shape", {1, 4, 4, 3}}};
  return Parse(j);
}

ResultRecord GoodRecord() {
  ResultRecord r = Record(
      "p", "s", 0, {{"PSNR", 30}, {"runtime_ms", 10}, {"model_bytes", 1000}});
  r.int8_only = true;
  r.input_shape = {1, 4, 4, 3};
  return r;
}

TEST(ConstraintsTest, RecordMeetingAllConstraintsIsNotDisqualified) {
  auto s = ScoreRecord(ConstrainedTrack(), GoodRecord());
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->disqualified, "");
  EXPECT_EQ(s->score, 20.0);
  // Exactly at the limits is allowed.
  ResultRecord r = GoodRecord();
  r.figures["runtime_ms"] = 50;
  s = ScoreRecord(ConstrainedTrack(), r);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->disqualified, "");
}

TEST(ConstraintsTest, FloatModelOnInt8Track) {
  ResultRecord r = GoodRecord();
  r.int8_only = false;
  auto s = ScoreRecord(ConstrainedTrack(), r);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(Contains(s->disqualified, "int8")) << s->disqualified;
  EXPECT_EQ(s->score, 20.0);  // still scored
}

TEST(ConstraintsTest, ModelTooBig) {
  ResultRecord r = GoodRecord();
  r.figures["model_bytes"] = 1001;
  auto s = ScoreRecord(ConstrainedTrack(), r);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(Contains(s->disqualified, "1001")) << s->disqualified;
  EXPECT_TRUE(Contains(s->disqualified, "1000")) << s->disqualified;
  EXPECT_EQ(s->score, 20.0);
}

TEST(ConstraintsTest, BigModelSizesAreWholeNumbersInTheMessage) {
  json j = MinimalTrack();
  j["constraints"] = {{"max_model_bytes", 2000000}};
  ResultRecord r = GoodRecord();
  r.figures["model_bytes"] = 2500000;
  auto s = ScoreRecord(Parse(j), r);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(Contains(s->disqualified, "2500000")) << s->disqualified;
  EXPECT_TRUE(Contains(s->disqualified, "2000000")) << s->disqualified;
}

TEST(ConstraintsTest, TooSlow) {
  ResultRecord r = GoodRecord();
  r.figures["runtime_ms"] = 60;
  auto s = ScoreRecord(ConstrainedTrack(), r);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(Contains(s->disqualified, "60")) << s->disqualified;
  EXPECT_TRUE(Contains(s->disqualified, "50")) << s->disqualified;
  EXPECT_EQ(s->score, -30.0);  // 30 - 60
}

TEST(ConstraintsTest, InputShapeMismatchShowsBothShapes) {
  ResultRecord r = GoodRecord();
  r.input_shape = {1, 2, 3, 3};
  auto s = ScoreRecord(ConstrainedTrack(), r);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(Contains(s->disqualified, "[1,2,3,3]")) << s->disqualified;
  EXPECT_TRUE(Contains(s->disqualified, "[1,4,4,3]")) << s->disqualified;
  EXPECT_EQ(s->score, 20.0);
  r.input_shape = {};  // unknown shape does not meet a required one
  s = ScoreRecord(ConstrainedTrack(), r);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(Contains(s->disqualified, "[1,4,4,3]")) << s->disqualified;
}

TEST(ConstraintsTest, NoConstraintsNothingDisqualified) {
  ResultRecord r = GoodRecord();
  r.int8_only = false;
  r.input_shape = {9};
  r.figures["model_bytes"] = 1e12;
  auto s = ScoreRecord(Parse(MinimalTrack()), r);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->disqualified, "");
}

// --- RankSubmissions
// ----------------------------------------------------------

TEST(RankSubmissionsTest, BestSubmissionPerParticipant) {
  const Track t = Parse(MinimalTrack());  // PSNR - runtime_ms, higher wins
  std::vector<ResultRecord> records = {
      Record("alice", "a1", 10, {{"PSNR", 30}, {"runtime_ms", 10}}),  // 20
      Record("bob", "b1", 11, {{"PSNR", 25}, {"runtime_ms", 1}}),     // 24
      Record("alice", "a2", 12, {{"PSNR", 31}, {"runtime_ms", 5}}),   // 26
      Record("carol", "c1", 13, {{"PSNR", 20}, {"runtime_ms", 10}}),  // 10
      Record("alice", "a3", 14, {{"PSNR", 28}, {"runtime_ms", 8}}),   // 20
      Record("bob", "b2", 15, {{"PSNR", 22}, {"runtime_ms", 4}}),     // 18
      Record("carol", "c2", 16, {{"PSNR", 21}, {"runtime_ms", 10}}),  // 11
      Record("carol", "c3", 17, {{"PSNR", 30}, {"runtime_ms", 40}}),  // -10
      Record("carol", "c4", 18, {{"PSNR", 19}, {"runtime_ms", 10}}),  // 9
  };
  const Leaderboard b = RankSubmissions(t, records);
  ASSERT_EQ(b.entries.size(), 3u);
  EXPECT_TRUE(b.disqualified.empty());
  EXPECT_TRUE(b.unscored.empty());
  EXPECT_EQ(b.entries[0].best.record.submission, "a2");
  EXPECT_EQ(b.entries[0].best.score, 26.0);
  EXPECT_EQ(b.entries[0].rank, 1);
  EXPECT_EQ(b.entries[0].submissions, 3);
  EXPECT_EQ(b.entries[1].best.record.submission, "b1");
  EXPECT_EQ(b.entries[1].best.score, 24.0);
  EXPECT_EQ(b.entries[1].rank, 2);
  EXPECT_EQ(b.entries[1].submissions, 2);
  EXPECT_EQ(b.entries[2].best.record.submission, "c2");
  EXPECT_EQ(b.entries[2].best.score, 11.0);
  EXPECT_EQ(b.entries[2].rank, 3);
  EXPECT_EQ(b.entries[2].submissions, 4);
}

TEST(RankSubmissionsTest, LowerIsBetterTrack) {
  json j = MinimalTrack();
  j["score"]["formula"] = "runtime_ms";
  j["score"]["direction"] = "lower";
  const Track t = Parse(j);
  const Leaderboard b =
      RankSubmissions(t, {Record("alice", "a1", 1, {{"runtime_ms", 5}}),
                          Record("alice", "a2", 2, {{"runtime_ms", 3}}),
                          Record("bob", "b1", 3, {{"runtime_ms", 4}}),
                          Record("carol", "c1", 4, {{"runtime_ms", 9}}),
                          Record("carol", "c2", 5, {{"runtime_ms", 2}}),
                          Record("bob", "b2", 6, {{"runtime_ms", 7}})});
  ASSERT_EQ(b.entries.size(), 3u);
  EXPECT_EQ(b.entries[0].best.record.submission, "c2");
  EXPECT_EQ(b.entries[1].best.record.submission, "a2");
  EXPECT_EQ(b.entries[2].best.record.submission, "b1");
  EXPECT_EQ(b.entries[0].rank, 1);
  EXPECT_EQ(b.entries[1].rank, 2);
  EXPECT_EQ(b.entries[2].rank, 3);
}

// Score "PSNR * 0" ties everyone; tie-breaks "PSNR" (higher wins), then
// "-runtime_ms" (lower wins).
Track TieBreakTrack() {
  json j = MinimalTrack();
  j["score"]["formula"] = "PSNR * 0 + runtime_ms * 0";
  j["score"]["tie_breaks"] = {"PSNR", "-runtime_ms"};
  return Parse(j);
}

TEST(RankSubmissionsTest, TieBreaksInOrder) {
  const Leaderboard b = RankSubmissions(
      TieBreakTrack(),
      {Record("alice", "a", 1, {{"PSNR", 30}, {"runtime_ms", 9}}),
       Record("bob", "b", 2, {{"PSNR", 31}, {"runtime_ms", 99}}),
       Record("carol", "c", 3, {{"PSNR", 30}, {"runtime_ms", 5}}),
       Record("dave", "d", 4, {{"PSNR", 29}, {"runtime_ms", 1}})});
  ASSERT_EQ(b.entries.size(), 4u);
  // PSNR decides bob first and dave last; runtime orders carol before alice.
  EXPECT_EQ(b.entries[0].best.record.participant, "bob");
  EXPECT_EQ(b.entries[1].best.record.participant, "carol");
  EXPECT_EQ(b.entries[2].best.record.participant, "alice");
  EXPECT_EQ(b.entries[3].best.record.participant, "dave");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b.entries[i].rank, i + 1);
}

TEST(RankSubmissionsTest, TieBreaksChooseTheParticipantsBest) {
  const Leaderboard b = RankSubmissions(
      TieBreakTrack(),
      {Record("alice", "a1", 1, {{"PSNR", 30}, {"runtime_ms", 9}}),
       Record("alice", "a2", 2, {{"PSNR", 30}, {"runtime_ms", 8}}),
       Record("alice", "a3", 3, {{"PSNR", 29}, {"runtime_ms", 1}})});
  ASSERT_EQ(b.entries.size(), 1u);
  EXPECT_EQ(b.entries[0].best.record.submission, "a2");
  EXPECT_EQ(b.entries[0].submissions, 3);
}

TEST(RankSubmissionsTest, ExactTiesShareARankCompetitionStyle) {
  const Track t = Parse(MinimalTrack());
  const Leaderboard b = RankSubmissions(
      t, {Record("carol", "c", 30, {{"PSNR", 20}, {"runtime_ms", 5}}),   // 15
          Record("bob", "b", 20, {{"PSNR", 30}, {"runtime_ms", 10}}),    // 20
          Record("alice", "a", 40, {{"PSNR", 30}, {"runtime_ms", 10}}),  // 20
          Record("dave", "d", 10, {{"PSNR", 30}, {"runtime_ms", 10}}),   // 20
          Record("erin", "e", 5, {{"PSNR", 10}, {"runtime_ms", 5}})});   // 5
  ASSERT_EQ(b.entries.size(), 5u);
  // Equal figures: the earlier submission is listed first, same rank.
  EXPECT_EQ(b.entries[0].best.record.participant, "dave");
  EXPECT_EQ(b.entries[1].best.record.participant, "bob");
  EXPECT_EQ(b.entries[2].best.record.participant, "alice");
  EXPECT_EQ(b.entries[3].best.record.participant, "carol");
  EXPECT_EQ(b.entries[4].best.record.participant, "erin");
  EXPECT_EQ(b.entries[0].rank, 1);
  EXPECT_EQ(b.entries[1].rank, 1);
  EXPECT_EQ(b.entries[2].rank, 1);
  EXPECT_EQ(b.entries[3].rank, 4);
  EXPECT_EQ(b.entries[4].rank, 5);
}

TEST(RankSubmissionsTest, OneOneThree) {
  const Track t = TieBreakTrack();
  const Leaderboard b = RankSubmissions(
      t, {Record("alice", "a", 2, {{"PSNR", 30}, {"runtime_ms", 5}}),
          Record("bob", "b", 1, {{"PSNR", 30}, {"runtime_ms", 5}}),
          Record("carol", "c", 0, {{"PSNR", 30}, {"runtime_ms", 6}})});
  ASSERT_EQ(b.entries.size(), 3u);
  EXPECT_EQ(b.entries[0].best.record.participant, "bob");  // earlier
  EXPECT_EQ(b.entries[1].best.record.participant, "alice");
  EXPECT_EQ(b.entries[2].best.record.participant, "carol");
  EXPECT_EQ(b.entries[0].rank, 1);
  EXPECT_EQ(b.entries[1].rank, 1);
  EXPECT_EQ(b.entries[2].rank, 3);
}

TEST(RankSubmissionsTest, EqualFiguresEarlierSubmissionIsTheBest) {
  const Track t = Parse(MinimalTrack());
  const Leaderboard b = RankSubmissions(
      t, {Record("alice", "late", 50, {{"PSNR", 30}, {"runtime_ms", 10}}),
          Record("alice", "early", 7, {{"PSNR", 30}, {"runtime_ms", 10}}),
          Record("alice", "worse", 1, {{"PSNR", 29}, {"runtime_ms", 10}})});
  ASSERT_EQ(b.entries.size(), 1u);
  EXPECT_EQ(b.entries[0].best.record.submission, "early");
}

TEST(RankSubmissionsTest, DisqualifiedAndUnscoredAreListedNotRanked) {
  json j = MinimalTrack();
  j["constraints"] = {{"max_runtime_ms", 20}};
  const Track t = Parse(j);
  const Leaderboard b = RankSubmissions(
      t,
      {
          // alice: a fast valid one and a slow one that would score best.
          Record("alice", "a1", 1, {{"PSNR", 30}, {"runtime_ms", 10}}),  // 20
          Record("alice", "a2", 2,
                 {{"PSNR", 90},
                  {"runtime_ms", 30}}),  // DQ
                                         // bob: only a disqualified submission.
          Record("bob", "b1", 3,
                 {{"PSNR", 99},
                  {"runtime_ms",
                   21}}),  // DQ
                           // carol: one unscored (no runtime), one valid.
          Record("carol", "c1", 4, {{"PSNR", 50}}),
          Record("carol", "c2", 5,
                 {{"PSNR", 20},
                  {"runtime_ms", 5}}),  // 15
                                        // dave: only an unscored submission.
          Record("dave", "d1", 6, {{"runtime_ms", 5}}),
      });
  ASSERT_EQ(b.entries.size(), 2u);
  EXPECT_EQ(b.entries[0].best.record.submission, "a1");
  EXPECT_EQ(b.entries[0].rank, 1);
  EXPECT_EQ(b.entries[1].best.record.submission, "c2");
  EXPECT_EQ(b.entries[1].rank, 2);
  for (const LeaderboardEntry& e : b.entries) {
    EXPECT_NE(e.best.record.participant, "bob");
    EXPECT_NE(e.best.record.participant, "dave");
  }

  ASSERT_EQ(b.disqualified.size(), 2u);
  EXPECT_EQ(b.disqualified[0].record.submission, "a2");
  EXPECT_EQ(b.disqualified[0].score, 60.0);
  EXPECT_TRUE(Contains(b.disqualified[0].disqualified, "30"))
      << b.disqualified[0].disqualified;
  EXPECT_EQ(b.disqualified[1].record.submission, "b1");
  EXPECT_EQ(b.disqualified[1].score, 78.0);
  EXPECT_FALSE(b.disqualified[1].disqualified.empty());

  ASSERT_EQ(b.unscored.size(), 2u);
  EXPECT_EQ(b.unscored[0].first.submission, "c1");
  EXPECT_TRUE(Contains(b.unscored[0].second, "runtime_ms"))
      << b.unscored[0].second;
  EXPECT_EQ(b.unscored[1].first.submission, "d1");
  EXPECT_TRUE(Contains(b.unscored[1].second, "PSNR")) << b.unscored[1].second;
}

TEST(RankSubmissionsTest, NoRecordsEmptyBoard) {
  const Leaderboard b = RankSubmissions(Parse(MinimalTrack()), {});
  EXPECT_TRUE(b.entries.empty());
  EXPECT_TRUE(b.disqualified.empty());
  EXPECT_TRUE(b.unscored.empty());
}

// --- RecordFromReports
// --------------------------------------------------------

json Eval() {
  return json::parse(R"({
    "schema": "mai.eval.report/1", "track": "t",
    "model": {"sha256": "ab", "bytes": 100, "int8_only": true,
              "input_shape": [1, 2, 3, 3]},
    "mean": {"PSNR": 30}
  })");
}

json Bench() {
  return json::parse(R"({
    "schema": "mai.bench.report/1", "model": {"sha256": "ab"},
    "runs": {"median_ms": 2, "mean_ms": 3, "p90_ms": 4}
  })");
}

TEST(RecordFromReportsTest, Figures) {
  const Track t = Parse(MinimalTrack());
  auto r = RecordFromReports(t, Eval(), "eval.json", Bench(), "bench.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->model_sha256, "ab");
  EXPECT_TRUE(r->int8_only);
  EXPECT_EQ(r->input_shape, (std::vector<int64_t>{1, 2, 3, 3}));
  EXPECT_EQ(r->figures,
            (std::map<std::string, double>{
                {"PSNR", 30}, {"runtime_ms", 2}, {"model_bytes", 100}}));
  // And the record scores: 30 - 2.
  auto s = ScoreRecord(t, *r);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->score, 28.0);
}

TEST(RecordFromReportsTest, RuntimeFollowsTheTracksStatistic) {
  const std::map<std::string, double> expected = {
      {"median", 2}, {"mean", 3}, {"p90", 4}};
  for (const auto& [statistic, ms] : expected) {
    SCOPED_TRACE(statistic);
    json j = MinimalTrack();
    j["runtime"] = {{"statistic", statistic}};
    auto r =
        RecordFromReports(Parse(j), Eval(), "eval.json", Bench(), "bench.json");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->figures.at("runtime_ms"), ms);
  }
}

TEST(RecordFromReportsTest, MissingRuntimeStatisticNamesTheField) {
  json j = MinimalTrack();
  j["runtime"] = {{"statistic", "p90"}};
  json bench = Bench();
  bench["runs"].erase("p90_ms");
  auto r =
      RecordFromReports(Parse(j), Eval(), "eval.json", bench, "bench.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "bench.json"))
      << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "runs.p90_ms"))
      << r.status().message();
}

TEST(RecordFromReportsTest, PowerOnlyWhenMeasuredAtTheTracksFps) {
  json j = MinimalTrack();
  j["runtime"] = {{"power", true}, {"fps", 30}};
  const Track t = Parse(j);
  const json power = {{"available", true}, {"watts", 0.5}};
  const json at30 = {{"target_fps", 30}};

  json bench = Bench();
  bench["power"] = power;
  bench["sustained"] = at30;
  auto r = RecordFromReports(t, Eval(), "eval.json", bench, "bench.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->figures.count("power_W"), 1u);
  EXPECT_EQ(r->figures.at("power_W"), 0.5);

  // Paced at another rate.
  bench["sustained"] = {{"target_fps", 60}};
  r = RecordFromReports(t, Eval(), "eval.json", bench, "bench.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->figures.count("power_W"), 0u);

  // Not paced at all.
  bench.erase("sustained");
  r = RecordFromReports(t, Eval(), "eval.json", bench, "bench.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->figures.count("power_W"), 0u);

  // Paced, but power not available.
  bench["sustained"] = at30;
  bench["power"] = {{"available", false}, {"watts", 0.5}};
  r = RecordFromReports(t, Eval(), "eval.json", bench, "bench.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->figures.count("power_W"), 0u);

  // Available but no reading (a NaN reading is written as null).
  bench["power"] = {{"available", true}, {"watts", nullptr}};
  r = RecordFromReports(t, Eval(), "eval.json", bench, "bench.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->figures.count("power_W"), 0u);

  // No power section.
  bench.erase("power");
  r = RecordFromReports(t, Eval(), "eval.json", bench, "bench.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->figures.count("power_W"), 0u);
}

TEST(RecordFromReportsTest, WrongSchemaNamesTheFile) {
  const Track t = Parse(MinimalTrack());
  json eval = Eval();
  eval["schema"] = "mai.eval.report/2";
  auto r = RecordFromReports(t, eval, "eval.json", Bench(), "bench.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(r.status().message(), "eval.json"))
      << r.status().message();

  json bench = Bench();
  bench.erase("schema");
  r = RecordFromReports(t, Eval(), "eval.json", bench, "bench.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "bench.json"))
      << r.status().message();

  // The reports swapped.
  r = RecordFromReports(t, Bench(), "bench.json", Eval(), "eval.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "bench.json"))
      << r.status().message();

  r = RecordFromReports(t, json::array(), "eval.json", Bench(), "bench.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "eval.json"))
      << r.status().message();
}

TEST(RecordFromReportsTest, ReportOfAnotherTrack) {
  json j = MinimalTrack();
  j["id"] = "other";
  auto r =
      RecordFromReports(Parse(j), Eval(), "eval.json", Bench(), "bench.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string m = r.status().message();
  EXPECT_TRUE(Contains(m, "eval.json")) << m;
  EXPECT_TRUE(Contains(m, "other")) << m;
}

TEST(RecordFromReportsTest, DifferentModelsNameBothFiles) {
  const Track t = Parse(MinimalTrack());
  json bench = Bench();
  bench["model"]["sha256"] = "cd";
  auto r = RecordFromReports(t, Eval(), "eval.json", bench, "bench.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  std::string m = r.status().message();
  EXPECT_TRUE(Contains(m, "eval.json")) << m;
  EXPECT_TRUE(Contains(m, "bench.json")) << m;
  EXPECT_TRUE(Contains(m, "ab")) << m;
  EXPECT_TRUE(Contains(m, "cd")) << m;

  // Both missing is not "the same model".
  json eval = Eval();
  eval["model"].erase("sha256");
  bench["model"].erase("sha256");
  r = RecordFromReports(t, eval, "eval.json", bench, "bench.json");
  ASSERT_FALSE(r.ok());
  m = r.status().message();
  EXPECT_TRUE(Contains(m, "eval.json")) << m;
  EXPECT_TRUE(Contains(m, "bench.json")) << m;
}

TEST(RecordFromReportsTest, MissingMeanFigureNamesTheField) {
  json j = MinimalTrack();
  j["metrics"].push_back({{"name", "SSIM"}, {"metric", "ssim"}});
  auto r =
      RecordFromReports(Parse(j), Eval(), "eval.json", Bench(), "bench.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string m = r.status().message();
  EXPECT_TRUE(Contains(m, "eval.json")) << m;
  EXPECT_TRUE(Contains(m, "mean.SSIM")) << m;

  json eval = Eval();
  eval["mean"]["PSNR"] = "thirty";
  r = RecordFromReports(Parse(MinimalTrack()), eval, "eval.json", Bench(),
                        "bench.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "mean.PSNR"))
      << r.status().message();
}

// Reports are untrusted files: a field of the wrong type is an error that
// names the file (or, for optional power fields, is ignored), never an
// exception.
TEST(RecordFromReportsTest, FieldsOfTheWrongTypeAreErrors) {
  const Track t = Parse(MinimalTrack());
  struct Case {
    std::string what;
    json eval;
    json bench;
    std::string file;  // empty: may be ignored instead of failing
  };
  std::vector<Case> cases;
  auto eval_with = [](const json::json_pointer& at, const json& v) {
    json e = Eval();
    e[at] = v;
    return e;
  };
  auto bench_with = [](const json::json_pointer& at, const json& v) {
    json b = Bench();
    b["sustained"] = {{"target_fps", 30}};
    b["power"] = {{"available", true}, {"watts", 0.5}};
    b[at] = v;
    return b;
  };
  cases.push_back({"eval schema", eval_with(json::json_pointer("/schema"), 1),
                   Bench(), "eval.json"});
  cases.push_back({"eval track", eval_with(json::json_pointer("/track"), 7),
                   Bench(), "eval.json"});
  cases.push_back({"eval model",
                   eval_with(json::json_pointer("/model"), json::array({1})),
                   Bench(), "eval.json"});
  cases.push_back({"eval sha256",
                   eval_with(json::json_pointer("/model/sha256"), 12), Bench(),
                   "eval.json"});
  cases.push_back({"eval int8_only",
                   eval_with(json::json_pointer("/model/int8_only"), "yes"),
                   Bench(), "eval.json"});
  cases.push_back({"bench schema", Eval(),
                   bench_with(json::json_pointer("/schema"), nullptr),
                   "bench.json"});
  cases.push_back({"bench model", Eval(),
                   bench_with(json::json_pointer("/model"), "ab"),
                   "bench.json"});
  cases.push_back({"bench sha256", Eval(),
                   bench_with(json::json_pointer("/model/sha256"), 5),
                   "bench.json"});
  cases.push_back({"bench watts", Eval(),
                   bench_with(json::json_pointer("/power/watts"), "0.5"), ""});
  cases.push_back({"bench power", Eval(),
                   bench_with(json::json_pointer("/power"), json::array({1})),
                   ""});
  cases.push_back({"bench available", Eval(),
                   bench_with(json::json_pointer("/power/available"), "yes"),
                   ""});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Result<ResultRecord> r = InvalidArgument("not run");
    try {
      r = RecordFromReports(t, c.eval, "eval.json", c.bench, "bench.json");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
      continue;
    }
    if (!c.file.empty()) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
    if (!r.ok()) {
      const std::string want = c.file.empty() ? "bench.json" : c.file;
      EXPECT_TRUE(Contains(r.status().message(), want)) << r.status().message();
    } else {
      EXPECT_EQ(r->figures.count("power_W"), 0u);
    }
  }
}

// --- Runtime-only tracks (RecordFromReports with no eval report)
// ------------------------------------------------

// The fields RecordFromReports reads, as `mai bench
// face_detection_short_range.tflite --json` wrote them on a 2-core Xeon
// (the rest of the report left out; tests/cli/challenge_cli_test.cc runs
// the real thing).
json FaceDetectionBench() {
  return json::parse(R"({
    "schema": "mai.bench.report/1",
    "tool": {"name": "mai", "version": "0.1.0"},
    "model": {"bytes": 229032, "file": "face_detection_short_range.tflite",
              "path": "/root/.cache/mai/models/face_detection_short_range.tflite",
              "sha256": "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633"},
    "backend": "auto", "num_threads": 1,
    "runs": {"count": 637, "cv": 0.13799691552742566,
             "max_ms": 5.517752999367076, "mean_ms": 1.570630043967226,
             "median_ms": 1.5514740007347427, "min_ms": 1.3297819987201365,
             "p90_ms": 1.6510171997651923, "p99_ms": 1.8237588003103145,
             "std_ms": 0.21674210150218215},
    "power": {"available": false, "reason": "power: unavailable"},
    "fallbacks": [], "warnings": []
  })");
}

Track DemoTrack() {
  auto t = LoadTrack("demo-runtime");
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? *t : Track();
}

TEST(RecordFromReportsTest, RuntimeOnlyTrackTakesTheBenchReportAlone) {
  const Track t = DemoTrack();
  ASSERT_TRUE(IsRuntimeOnly(t));
  auto r =
      RecordFromReports(t, nullptr, "", FaceDetectionBench(), "bench.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->model_sha256,
            "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633");
  EXPECT_FALSE(r->int8_only);
  EXPECT_TRUE(r->input_shape.empty());
  EXPECT_EQ(r->figures,
            (std::map<std::string, double>{{"runtime_ms", 1.5514740007347427},
                                           {"model_bytes", 229032}}));
  // The demo track's score is the median itself.
  auto s = ScoreRecord(t, *r);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->score, 1.5514740007347427);
  EXPECT_EQ(s->disqualified, "");
  const json j = ScoredJson(t, *s);
  EXPECT_EQ(j["track"], "demo-runtime");
  EXPECT_EQ(j["score"], 1.5514740007347427);
}

TEST(RecordFromReportsTest, RuntimeOnlyTrackStatisticAndPower) {
  json j = json::parse(R"({
    "schema": "mai.track/1", "id": "r", "title": "R", "task": "runtime",
    "source": "test", "metrics": [],
    "runtime": {"statistic": "p90", "power": true, "fps": 30},
    "score": {"formula": "power_W * runtime_ms", "direction": "lower"}
  })");
  const Track t = Parse(j);
  json bench = FaceDetectionBench();
  bench["power"] = {{"available", true}, {"watts", 2.0}};
  bench["sustained"] = {{"target_fps", 30}};
  auto r = RecordFromReports(t, nullptr, "", bench, "bench.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->figures.at("runtime_ms"), 1.6510171997651923);
  EXPECT_EQ(r->figures.at("power_W"), 2.0);
  auto s = ScoreRecord(t, *r);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->score, 2.0 * 1.6510171997651923);
}

TEST(RecordFromReportsTest, NoEvalReportForAFidelityTrackIsAnError) {
  json j = MinimalTrack();
  j["metrics"].push_back({{"name", "SSIM"}, {"metric", "ssim"}});
  auto r = RecordFromReports(Parse(j), nullptr, "", Bench(), "bench.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "track t scores fidelity metrics (PSNR, SSIM): it needs a mai "
            "eval --json report as well as bench.json");
}

TEST(RecordFromReportsTest, EvalReportForARuntimeOnlyTrackIsAnError) {
  json eval = Eval();
  eval["track"] = "demo-runtime";
  auto r = RecordFromReports(DemoTrack(), &eval, "eval.json",
                             FaceDetectionBench(), "bench.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string m = r.status().message();
  EXPECT_EQ(m.rfind("eval.json: track demo-runtime is runtime-only", 0), 0u)
      << m;
  EXPECT_TRUE(Contains(m, "bench.json")) << m;
}

// The pointer form with an eval report is the reference form.
TEST(RecordFromReportsTest, PointerAndReferenceFormsAgree) {
  const Track t = Parse(MinimalTrack());
  const json eval = Eval();
  auto a = RecordFromReports(t, &eval, "eval.json", Bench(), "bench.json");
  auto b = RecordFromReports(t, eval, "eval.json", Bench(), "bench.json");
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(a->figures, b->figures);
  EXPECT_EQ(a->model_sha256, b->model_sha256);
  EXPECT_EQ(a->int8_only, b->int8_only);
  EXPECT_EQ(a->input_shape, b->input_shape);
}

// An untrusted bench report without the model facts, or with fields of the
// wrong type: an error naming the file and field, never an exception.
TEST(RecordFromReportsTest, RuntimeOnlyBenchReportErrorsNameTheField) {
  const Track t = DemoTrack();
  struct Case {
    const char* what;
    json bench;
    const char* needle;
  };
  std::vector<Case> cases;
  auto without = [](const json::json_pointer& at) {
    json b = FaceDetectionBench();
    b[at.parent_pointer()].erase(at.back());
    return b;
  };
  auto with = [](const json::json_pointer& at, const json& v) {
    json b = FaceDetectionBench();
    b[at] = v;
    return b;
  };
  cases.push_back({"no sha256", without(json::json_pointer("/model/sha256")),
                   "bench.json: missing field model.sha256"});
  cases.push_back({"empty sha256",
                   with(json::json_pointer("/model/sha256"), ""),
                   "bench.json: missing field model.sha256"});
  cases.push_back({"no bytes", without(json::json_pointer("/model/bytes")),
                   "bench.json: missing field model.bytes"});
  cases.push_back({"no median", without(json::json_pointer("/runs/median_ms")),
                   "bench.json: missing field runs.median_ms"});
  cases.push_back({"sha256 a number",
                   with(json::json_pointer("/model/sha256"), 12),
                   "bench.json: field model.sha256 is not a string"});
  cases.push_back({"bytes a string",
                   with(json::json_pointer("/model/bytes"), "229032"),
                   "bench.json: field model.bytes is not a number"});
  cases.push_back({"model an array",
                   with(json::json_pointer("/model"), json::array({1})),
                   "bench.json: field model is not an object"});
  cases.push_back({"no schema", without(json::json_pointer("/schema")),
                   "bench.json: not a mai bench --json report"});
  cases.push_back(
      {"an eval report", Eval(), "bench.json: not a mai bench --json report"});
  cases.push_back(
      {"an array", json::array(), "bench.json: not a mai bench --json report"});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Result<ResultRecord> r = InvalidArgument("not run");
    try {
      r = RecordFromReports(t, nullptr, "", c.bench, "bench.json");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
      continue;
    }
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(r.status().message(), c.needle))
        << r.status().message();
  }
}

// Two newcomers on the demo track: the lower median wins; equal medians
// go to the smaller model, then the earlier submission.
TEST(RankSubmissionsTest, DemoTrackRanksByLowerRuntime) {
  const Track t = DemoTrack();
  Leaderboard b = RankSubmissions(
      t,
      {Record("slow", "s1", 10, {{"runtime_ms", 3.0}, {"model_bytes", 10}}),
       Record("fast", "f1", 20, {{"runtime_ms", 1.5}, {"model_bytes", 5000}})});
  ASSERT_EQ(b.entries.size(), 2u);
  EXPECT_EQ(b.entries[0].best.record.participant, "fast");
  EXPECT_EQ(b.entries[0].rank, 1);
  EXPECT_EQ(b.entries[0].best.score, 1.5);
  EXPECT_EQ(b.entries[1].best.record.participant, "slow");
  EXPECT_EQ(b.entries[1].rank, 2);
  EXPECT_EQ(b.entries[1].best.score, 3.0);
  EXPECT_TRUE(b.disqualified.empty());
  EXPECT_TRUE(b.unscored.empty());

  // Same median: the smaller model first, its own rank; same size too: a
  // shared rank, the earlier submission listed first.
  b = RankSubmissions(
      t,
      {Record("big", "b1", 10, {{"runtime_ms", 2.0}, {"model_bytes", 900}}),
       Record("small", "m1", 20, {{"runtime_ms", 2.0}, {"model_bytes", 100}}),
       Record("twin", "t1", 5, {{"runtime_ms", 2.0}, {"model_bytes", 900}})});
  ASSERT_EQ(b.entries.size(), 3u);
  EXPECT_EQ(b.entries[0].best.record.participant, "small");
  EXPECT_EQ(b.entries[0].rank, 1);
  EXPECT_EQ(b.entries[1].best.record.participant, "twin");
  EXPECT_EQ(b.entries[1].rank, 2);
  EXPECT_EQ(b.entries[2].best.record.participant, "big");
  EXPECT_EQ(b.entries[2].rank, 2);

  // A record without a runtime cannot be scored.
  b = RankSubmissions(t, {Record("x", "x1", 0, {{"model_bytes", 1}})});
  EXPECT_TRUE(b.entries.empty());
  ASSERT_EQ(b.unscored.size(), 1u);
  EXPECT_TRUE(Contains(b.unscored[0].second, "runtime_ms"))
      << b.unscored[0].second;
}

}  // namespace
}  // namespace mai::challenge
