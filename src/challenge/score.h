// Scores and leaderboards: a submission's figures (fidelity from
// `mai eval`, runtime or power from `mai bench`) combined by its track's
// formula, constraints checked, and submissions ranked. Pure functions over
// result records, so the server ranks exactly as `mai score` scores.
#ifndef MAI_CHALLENGE_SCORE_H_
#define MAI_CHALLENGE_SCORE_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "challenge/track.h"
#include "core/status.h"

namespace mai::challenge {

// One submission's measured figures and the facts constraints look at.
struct ResultRecord {
  std::string participant;
  std::string submission;    // id, unique per track
  int64_t submitted_at = 0;  // seconds since the epoch; earlier wins ties
  // Metric names of the track (mean over the validation set), runtime_ms,
  // power_W (when measured), model_bytes.
  std::map<std::string, double> figures;
  std::string model_sha256;
  bool int8_only = false;
  std::vector<int64_t> input_shape;
};

struct ScoredRecord {
  ResultRecord record;
  double score = 0.0;
  // Empty when the record meets the track's constraints; otherwise why not
  // (e.g. "not int8-only: float32 tensors present"). Such records are
  // scored but never ranked.
  std::string disqualified;
};

// The record `mai eval --json` and `mai bench --json` describe: the metric
// means and model facts from `eval` (schema mai.eval.report/1), runtime_ms
// (the track's statistic) and power_W from `bench` (mai.bench.report/1).
//
// `eval` is null exactly for a runtime-only track (IsRuntimeOnly): its
// record comes from the bench report alone, which gives model_sha256 and
// model_bytes (int8_only stays false and input_shape empty; such tracks
// cannot constrain them). `eval_name` then goes unused.
//
//   // fidelity track: both reports
//   RecordFromReports(track, &eval, "eval.json", bench, "bench.json");
//   // runtime-only track (e.g. "demo-runtime"): the bench report alone
//   RecordFromReports(track, nullptr, "", bench, "bench.json");
//
// Errors name the file and field: wrong schema, a report of another track,
// reports of different models (sha256), missing latency figures or model
// facts, no eval report for a track with fidelity metrics, an eval report
// for a runtime-only track.
Result<ResultRecord> RecordFromReports(const Track& track,
                                       const nlohmann::json* eval,
                                       const std::string& eval_name,
                                       const nlohmann::json& bench,
                                       const std::string& bench_name);

// The same with an eval report: RecordFromReports(track, &eval, ...).
Result<ResultRecord> RecordFromReports(const Track& track,
                                       const nlohmann::json& eval,
                                       const std::string& eval_name,
                                       const nlohmann::json& bench,
                                       const std::string& bench_name);

// Evaluates the track's formula on the record's figures and the track's
// parameters (a figure of the same name overrides a parameter), then checks
// the constraints. Errors: a figure the formula needs is missing (the
// message says how to measure it), or the formula cannot be evaluated
// (division by zero, log of a non-positive value...).
Result<ScoredRecord> ScoreRecord(const Track& track,
                                 const ResultRecord& record);

nlohmann::json ScoredJson(const Track& track, const ScoredRecord& scored);

struct LeaderboardEntry {
  int rank = 0;  // 1-based; equal ranks for exact ties (1, 1, 3, ...)
  ScoredRecord best;
  int submissions = 0;  // the participant's valid (ranked) submissions
};

struct Leaderboard {
  std::vector<LeaderboardEntry> entries;  // best first
  // Every record that broke a constraint, with the reason.
  std::vector<ScoredRecord> disqualified;
  // Records that could not be scored, with the error.
  std::vector<std::pair<ResultRecord, std::string>> unscored;
};

// Ranks the best valid submission of each participant. Order: score (by the
// track's direction), then each tie-break figure in turn ("-NAME": lower is
// better), then the earlier submission. Entries whose score and tie-break
// figures are all equal share a rank.
Leaderboard RankSubmissions(const Track& track,
                            const std::vector<ResultRecord>& records);

}  // namespace mai::challenge

#endif  // MAI_CHALLENGE_SCORE_H_
