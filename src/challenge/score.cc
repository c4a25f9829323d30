#include "challenge/score.h"

#include <algorithm>
#include <cmath>

namespace mai::challenge {
namespace {

using nlohmann::json;

Result<double> NumberAt(const json& j, const std::string& file,
                        std::initializer_list<const char*> path) {
  const json* at = &j;
  std::string where;
  for (const char* key : path) {
    where += (where.empty() ? "" : ".") + std::string(key);
    if (!at->is_object() || !at->contains(key)) {
      return InvalidArgument("{}: missing field {}", file, where);
    }
    at = &(*at)[key];
  }
  if (!at->is_number()) {
    return InvalidArgument("{}: field {} is not a number", file, where);
  }
  return at->get<double>();
}

// The field at `path` of an untrusted report: null when it (or an object on
// the way) is absent or JSON null; an error naming the file and field when
// it, or an object on the way, has another type. Never throws.
Result<const json*> OptionalAt(const json& j, const std::string& file,
                               std::initializer_list<const char*> path,
                               bool (json::*is_type)() const noexcept,
                               const char* type_name) {
  const json* at = &j;
  std::string where;
  for (const char* key : path) {
    if (!at->is_object()) {
      return InvalidArgument("{}: field {} is not an object", file, where);
    }
    where += (where.empty() ? "" : ".") + std::string(key);
    auto it = at->find(key);
    if (it == at->end() || it->is_null()) return nullptr;
    at = &*it;
  }
  if (!(at->*is_type)()) {
    return InvalidArgument("{}: field {} is not {}", file, where, type_name);
  }
  return at;
}

Result<std::string> OptionalString(const json& j, const std::string& file,
                                   std::initializer_list<const char*> path) {
  MAI_ASSIGN_OR_RETURN(const json* at,
                       OptionalAt(j, file, path, &json::is_string, "a string"));
  return at == nullptr ? std::string() : at->get<std::string>();
}

// The report's schema, or "" when it has none (or not a string).
std::string SchemaOf(const json& j) {
  if (!j.is_object()) return "";
  auto it = j.find("schema");
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// -1: a before b, 1: b before a, 0: tie (score and tie-breaks equal).
int CompareFigures(const Track& track, const ScoredRecord& a,
                   const ScoredRecord& b) {
  if (a.score != b.score) {
    const bool a_higher = a.score > b.score;
    return a_higher == track.score.higher_is_better ? -1 : 1;
  }
  for (const std::string& tb : track.score.tie_breaks) {
    const bool lower_better = tb.starts_with("-");
    const std::string name = lower_better ? tb.substr(1) : tb;
    auto ia = a.record.figures.find(name), ib = b.record.figures.find(name);
    if (ia == a.record.figures.end() || ib == b.record.figures.end()) continue;
    if (ia->second != ib->second) {
      const bool a_higher = ia->second > ib->second;
      return a_higher != lower_better ? -1 : 1;
    }
  }
  return 0;
}

bool Before(const Track& track, const ScoredRecord& a, const ScoredRecord& b) {
  const int c = CompareFigures(track, a, b);
  if (c != 0) return c < 0;
  if (a.record.submitted_at != b.record.submitted_at) {
    return a.record.submitted_at < b.record.submitted_at;
  }
  return a.record.submission < b.record.submission;
}

std::string ShapeText(const std::vector<int64_t>& s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i)
    t += (i ? "," : "") + std::to_string(s[i]);
  return t + "]";
}

// The eval report's part of a record: its track, the model (same sha256 as
// the bench report's), its facts and the metric means.
Status EvalFacts(const Track& track, const json& eval,
                 const std::string& eval_name, const json& bench,
                 const std::string& bench_name, ResultRecord& r) {
  MAI_ASSIGN_OR_RETURN(std::string eval_track,
                       OptionalString(eval, eval_name, {"track"}));
  if (eval_track != track.id) {
    return InvalidArgument("{}: track is '{}', not '{}'", eval_name, eval_track,
                           track.id);
  }
  MAI_ASSIGN_OR_RETURN(r.model_sha256,
                       OptionalString(eval, eval_name, {"model", "sha256"}));
  MAI_ASSIGN_OR_RETURN(const std::string bench_sha,
                       OptionalString(bench, bench_name, {"model", "sha256"}));
  if (r.model_sha256.empty() || r.model_sha256 != bench_sha) {
    return InvalidArgument(
        "{} and {} measure different models (sha256 {} and {})", eval_name,
        bench_name, r.model_sha256.empty() ? "missing" : r.model_sha256,
        bench_sha.empty() ? "missing" : bench_sha);
  }
  MAI_ASSIGN_OR_RETURN(const json* int8_only,
                       OptionalAt(eval, eval_name, {"model", "int8_only"},
                                  &json::is_boolean, "true or false"));
  r.int8_only = int8_only != nullptr && int8_only->get<bool>();
  const json& model = *eval.find("model");  // an object: it holds sha256
  if (model.contains("input_shape") && model["input_shape"].is_array()) {
    for (const json& d : model["input_shape"]) {
      if (d.is_number_integer()) r.input_shape.push_back(d.get<int64_t>());
    }
  }
  MAI_ASSIGN_OR_RETURN(double bytes,
                       NumberAt(eval, eval_name, {"model", "bytes"}));
  r.figures["model_bytes"] = bytes;
  for (const MetricSpec& m : track.metrics) {
    MAI_ASSIGN_OR_RETURN(r.figures[m.name],
                         NumberAt(eval, eval_name, {"mean", m.name.c_str()}));
  }
  return Status::Ok();
}

}  // namespace

Result<ResultRecord> RecordFromReports(const Track& track, const json* eval,
                                       const std::string& eval_name,
                                       const json& bench,
                                       const std::string& bench_name) {
  if (IsRuntimeOnly(track) && eval != nullptr) {
    return InvalidArgument(
        "{}: track {} is runtime-only (no fidelity metrics) and takes no mai "
        "eval report; it is scored from {} alone",
        eval_name, track.id, bench_name);
  }
  if (!IsRuntimeOnly(track) && eval == nullptr) {
    std::string names;
    for (const MetricSpec& m : track.metrics) {
      names += (names.empty() ? "" : ", ") + m.name;
    }
    return InvalidArgument(
        "track {} scores fidelity metrics ({}): it needs a mai eval --json "
        "report as well as {}",
        track.id, names, bench_name);
  }
  if (eval != nullptr && SchemaOf(*eval) != "mai.eval.report/1") {
    return InvalidArgument(
        "{}: not a mai eval --json report (schema "
        "mai.eval.report/1)",
        eval_name);
  }
  if (SchemaOf(bench) != "mai.bench.report/1") {
    return InvalidArgument(
        "{}: not a mai bench --json report (schema "
        "mai.bench.report/1)",
        bench_name);
  }
  ResultRecord r;
  if (eval != nullptr) {
    MAI_RETURN_IF_ERROR(
        EvalFacts(track, *eval, eval_name, bench, bench_name, r));
  } else {
    MAI_ASSIGN_OR_RETURN(
        r.model_sha256, OptionalString(bench, bench_name, {"model", "sha256"}));
    if (r.model_sha256.empty()) {
      return InvalidArgument("{}: missing field model.sha256", bench_name);
    }
    MAI_ASSIGN_OR_RETURN(double bytes,
                         NumberAt(bench, bench_name, {"model", "bytes"}));
    r.figures["model_bytes"] = bytes;
  }
  const std::string stat = track.runtime.statistic == "median" ? "median_ms"
                           : track.runtime.statistic == "mean" ? "mean_ms"
                                                               : "p90_ms";
  MAI_ASSIGN_OR_RETURN(r.figures["runtime_ms"],
                       NumberAt(bench, bench_name, {"runs", stat.c_str()}));
  // Power: the bench report's reading when it ran paced at the track's FPS.
  MAI_ASSIGN_OR_RETURN(const json* available,
                       OptionalAt(bench, bench_name, {"power", "available"},
                                  &json::is_boolean, "true or false"));
  MAI_ASSIGN_OR_RETURN(const json* watts,
                       OptionalAt(bench, bench_name, {"power", "watts"},
                                  &json::is_number, "a number"));
  MAI_ASSIGN_OR_RETURN(
      const json* fps,
      OptionalAt(bench, bench_name, {"sustained", "target_fps"},
                 &json::is_number, "a number"));
  if (available != nullptr && available->get<bool>() && watts != nullptr &&
      fps != nullptr &&
      std::fabs(fps->get<double>() - track.runtime.fps) < 1e-9) {
    r.figures["power_W"] = watts->get<double>();
  }
  return r;
}

Result<ResultRecord> RecordFromReports(const Track& track, const json& eval,
                                       const std::string& eval_name,
                                       const json& bench,
                                       const std::string& bench_name) {
  return RecordFromReports(track, &eval, eval_name, bench, bench_name);
}

Result<ScoredRecord> ScoreRecord(const Track& track,
                                 const ResultRecord& record) {
  std::map<std::string, double, std::less<>> vars;
  for (const auto& [name, p] : track.score.parameters) vars[name] = p.value;
  for (const auto& [name, v] : record.figures) vars[name] = v;
  for (const std::string& name : track.score.expression.Variables()) {
    if (vars.count(name) > 0) continue;
    if (name == "power_W") {
      return InvalidArgument(
          "the formula needs power_W: run `mai bench --sustained --fps {}` "
          "where power is measurable, or give --figure power_W=WATTS",
          track.runtime.fps);
    }
    return InvalidArgument("the formula needs {}, which no report gives", name);
  }
  Result<double> score = track.score.expression.Evaluate(vars);
  if (!score.ok()) {
    return InvalidArgument("score formula '{}': {}", track.score.formula,
                           score.status().message());
  }
  ScoredRecord s;
  s.record = record;
  s.score = *score;
  const Constraints& c = track.constraints;
  auto figure = [&](const char* name) {
    auto it = record.figures.find(name);
    return it == record.figures.end() ? -1.0 : it->second;
  };
  if (c.int8_only && !record.int8_only) {
    s.disqualified =
        "not int8-only (the track takes int8 models; the model "
        "has non-int8 activations)";
  } else if (c.max_model_bytes > 0 && figure("model_bytes") < 0) {
    s.disqualified = "model size unknown (max_model_bytes applies)";
  } else if (c.max_model_bytes > 0 &&
             figure("model_bytes") > static_cast<double>(c.max_model_bytes)) {
    s.disqualified = fmt::format("model is {} bytes, the limit {}",
                                 figure("model_bytes"), c.max_model_bytes);
  } else if (c.max_runtime_ms > 0 && figure("runtime_ms") < 0) {
    s.disqualified = "runtime unknown (max_runtime_ms applies)";
  } else if (c.max_runtime_ms > 0 && figure("runtime_ms") > c.max_runtime_ms) {
    s.disqualified = fmt::format("runtime {:.3f} ms exceeds the limit {} ms",
                                 figure("runtime_ms"), c.max_runtime_ms);
  } else if (!c.input_shape.empty() && record.input_shape != c.input_shape) {
    s.disqualified =
        fmt::format("input shape {} is not the required {}",
                    ShapeText(record.input_shape), ShapeText(c.input_shape));
  }
  return s;
}

json ScoredJson(const Track& track, const ScoredRecord& s) {
  return {{"schema", "mai.score/1"},
          {"track", track.id},
          {"formula", track.score.formula},
          {"participant", s.record.participant},
          {"submission", s.record.submission},
          {"model_sha256", s.record.model_sha256},
          {"figures", s.record.figures},
          {"score", s.score},
          {"disqualified",
           s.disqualified.empty() ? json(nullptr) : json(s.disqualified)}};
}

Leaderboard RankSubmissions(const Track& track,
                            const std::vector<ResultRecord>& records) {
  Leaderboard board;
  std::map<std::string, std::vector<ScoredRecord>> by_participant;
  for (const ResultRecord& r : records) {
    Result<ScoredRecord> s = ScoreRecord(track, r);
    if (!s.ok()) {
      board.unscored.emplace_back(r, s.status().message());
    } else if (!s->disqualified.empty()) {
      board.disqualified.push_back(*s);
    } else {
      by_participant[r.participant].push_back(*s);
    }
  }
  for (auto& [participant, list] : by_participant) {
    std::sort(list.begin(), list.end(),
              [&](const ScoredRecord& a, const ScoredRecord& b) {
                return Before(track, a, b);
              });
    LeaderboardEntry e;
    e.best = list.front();
    e.submissions = static_cast<int>(list.size());
    board.entries.push_back(e);
  }
  std::sort(board.entries.begin(), board.entries.end(),
            [&](const LeaderboardEntry& a, const LeaderboardEntry& b) {
              return Before(track, a.best, b.best);
            });
  for (size_t i = 0; i < board.entries.size(); ++i) {
    board.entries[i].rank =
        i > 0 && CompareFigures(track, board.entries[i - 1].best,
                                board.entries[i].best) == 0
            ? board.entries[i - 1].rank
            : static_cast<int>(i + 1);
  }
  return board;
}

}  // namespace mai::challenge
