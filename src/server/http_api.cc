#include "server/http_api.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "challenge/score.h"
#include "challenge/track.h"
#include "server/svg_charts.h"
#include "server/tokens.h"
#include "tflite/model_reader.h"

namespace mai::server {

std::string_view OpenApiYaml();   // generated from docs/openapi.yaml
std::string_view WebIndexHtml();  // generated from web/index.html

using nlohmann::json;

namespace {

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double MonotonicSecs() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void SendError(httplib::Response& res, int status, const std::string& code,
               const std::string& message) {
  SendJson(res, status, {{"error", {{"code", code}, {"message", message}}}});
}

// A store Status as an HTTP error.
void SendStatus(httplib::Response& res, const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return SendError(res, 404, "not_found", s.message());
    case StatusCode::kInvalidArgument:
      return SendError(res, 400, "bad_request", s.message());
    case StatusCode::kConflict:
      return SendError(res, 409, "conflict", s.message());
    case StatusCode::kOutOfRange:
      return SendError(res, 429, "quota", s.message());
    case StatusCode::kIoError:
      return SendError(res, 503, "unavailable", s.message());
    default:
      return SendError(res, 500, "internal", s.message());
  }
}

std::optional<int64_t> ParseId(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool SafeName(const std::string& s, size_t max) {
  return !s.empty() && s.size() <= max &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                  c == '_' || c == '.';
         });
}

json JobJson(const Job& j, Store* store, bool with_result) {
  json out = {{"id", j.id},
              {"submission", j.submission_id},
              {"device_class", j.device_class},
              {"kind", JobKindName(j.kind)},
              {"state", JobStateName(j.state)},
              {"attempt", j.attempt},
              {"created_at", j.created_at},
              {"updated_at", j.updated_at}};
  out["error"] = j.error_log.empty() ? json(nullptr) : json(j.error_log);
  out["exit_signal"] = j.exit_signal ? json(*j.exit_signal) : json(nullptr);
  out["finished_at"] = j.finished_at ? json(*j.finished_at) : json(nullptr);
  out["result"] = nullptr;
  if (with_result && j.state == JobState::kSucceeded) {
    auto results = store->ResultsOfJob(j.id);
    if (results.ok() && !results->empty()) {
      json r = json::parse(results->back().result_json, nullptr, false);
      if (!r.is_discarded()) out["result"] = r;
    }
  }
  return out;
}

}  // namespace

// The route handlers, with access to the server's state.
struct ApiHandlers {
  ApiServer& s;

  // The caller's credential, or an error response sent (401/403/429).
  std::optional<Credential> Authenticate(const httplib::Request& req,
                                         httplib::Response& res,
                                         std::optional<TokenKind> kind,
                                         bool admin = false) {
    std::optional<std::string> token =
        BearerToken(req.get_header_value("Authorization"));
    if (!token) {
      SendError(res, 401, "unauthenticated",
                "missing or malformed Authorization: Bearer <token>");
      return std::nullopt;
    }
    const std::string hash = HashToken(*token);
    if (!s.limiter_.Allow(hash, MonotonicSecs())) {
      res.set_header("Retry-After",
                     std::to_string(static_cast<int>(std::ceil(
                         s.limiter_.RetryAfter(hash, MonotonicSecs())))));
      SendError(res, 429, "rate_limited", "too many requests for this token");
      return std::nullopt;
    }
    auto cred = s.store_->LookupToken(hash);
    if (!cred.ok()) {
      SendError(res, 401, "unauthenticated", "unknown or revoked token");
      return std::nullopt;
    }
    if (kind && cred->token.kind != *kind) {
      SendError(res, 403, "forbidden",
                std::string("this endpoint takes a ") + TokenKindName(*kind) +
                    " token");
      return std::nullopt;
    }
    if (admin && cred->participant.role != Role::kAdmin) {
      SendError(res, 403, "forbidden", "admin only");
      return std::nullopt;
    }
    return *cred;
  }

  // ?wait=SECONDS, bounded by max_wait_secs (0 when absent); nullopt with
  // a 400 sent when malformed.
  std::optional<int> WaitSecs(const httplib::Request& req,
                              httplib::Response& res) {
    if (!req.has_param("wait")) return 0;
    auto w = ParseId(req.get_param_value("wait"));
    if (!w) {
      SendError(res, 400, "bad_wait", "wait is seconds");
      return std::nullopt;
    }
    return static_cast<int>(std::min<int64_t>(*w, s.options_.max_wait_secs));
  }

  json SubmissionJson(const Submission& sub, bool with_results) {
    json jobs = json::array();
    auto list = s.store_->JobsOfSubmission(sub.id);
    if (list.ok()) {
      for (const Job& j : *list)
        jobs.push_back(JobJson(j, s.store_, with_results));
    }
    return {{"id", sub.id},
            {"track", sub.track_id},
            {"model_sha256", sub.model_sha256},
            {"model_bytes", sub.model_bytes},
            {"file_name", sub.file_name},
            {"created_at", sub.created_at},
            {"jobs", jobs}};
  }

  // Seconds until the submission's jobs are likely done: queued jobs of
  // each class ahead of it times the class's recent median duration.
  double Eta(const Submission& sub) {
    auto depths = s.store_->QueueDepths();
    auto jobs = s.store_->JobsOfSubmission(sub.id);
    if (!depths.ok() || !jobs.ok()) return -1;
    double eta = 0;
    for (const Job& j : *jobs) {
      auto recent = s.store_->RecentDurations(j.device_class, 20);
      double median = 10;  // a guess until jobs of the class finished
      if (recent.ok() && !recent->empty()) {
        std::vector<int64_t> secs;
        for (const JobDuration& d : *recent) secs.push_back(d.seconds);
        std::sort(secs.begin(), secs.end());
        median = std::max<double>(1, secs[secs.size() / 2]);
      }
      const auto it = depths->find(j.device_class);
      const double queued = it == depths->end() ? 0 : it->second;
      eta = std::max(eta, queued * median);
    }
    return eta;
  }

  void Submit(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kParticipant);
    if (!cred) return;
    const std::string type = req.get_header_value("Content-Type");
    if (type != "application/octet-stream") {
      return SendError(res, 415, "unsupported_media_type",
                       "upload the model as application/octet-stream");
    }
    if (req.body.empty()) {
      return SendError(res, 400, "empty_body", "the request has no model");
    }
    if (req.body.size() > s.options_.max_model_bytes) {
      return SendError(
          res, 413, "too_large",
          fmt::format("model is {} bytes, the limit {}", req.body.size(),
                      s.options_.max_model_bytes));
    }
    const std::string track_id = req.get_param_value("track");
    auto track = challenge::LoadTrack(track_id);
    if (track_id.empty() || track_id.find('/') != std::string::npos ||
        !track.ok()) {
      return SendError(res, 404, "unknown_track",
                       "no track '" + track_id + "' (GET /api/v1/tracks)");
    }
    std::vector<std::string> classes =
        req.has_param("devices") ? SplitList(req.get_param_value("devices"))
                                 : s.options_.default_device_classes;
    std::vector<std::string> kinds =
        req.has_param("kinds") ? SplitList(req.get_param_value("kinds"))
                               : std::vector<std::string>{"runtime"};
    NewSubmission sub;
    sub.participant_id = cred->participant.id;
    sub.track_id = track->id;
    std::string name = req.get_param_value("name");
    sub.file_name = SafeName(name, 128) ? name : "model.tflite";
    std::set<std::pair<std::string, std::string>> seen;
    for (const std::string& c : classes) {
      if (!SafeName(c, 64)) {
        return SendError(res, 400, "bad_device_class",
                         "device classes are letters, digits, '-', '_', '.'");
      }
      for (const std::string& k : kinds) {
        auto kind = ParseJobKind(k);
        if (!kind.ok()) {
          return SendError(res, 400, "bad_kind",
                           "kinds: runtime, fidelity, sustained");
        }
        if (*kind == JobKind::kFidelity && challenge::IsRuntimeOnly(*track)) {
          return SendError(res, 400, "bad_kind",
                           "track '" + track->id +
                               "' is runtime-only: it has no fidelity jobs");
        }
        if (seen.insert({c, k}).second) sub.jobs.push_back({c, *kind});
      }
    }
    if (sub.jobs.empty()) {
      return SendError(res, 400, "no_jobs", "no device class or kind given");
    }
    const std::optional<int> wait = WaitSecs(req, res);  // before any change
    if (!wait) return;
    // Run through mai's model reader before accepting.
    std::vector<uint8_t> bytes(req.body.begin(), req.body.end());
    auto model = tflite::ReadModelBytes(bytes);
    if (!model.ok()) {
      return SendError(res, 422, "invalid_model", model.status().message());
    }
    // Durable file first, then the row: a crash in between leaves only an
    // unreferenced blob, never a row without its model.
    auto sha = s.blobs_->Put(bytes);
    if (!sha.ok())
      return SendError(res, 500, "storage", sha.status().message());
    sub.model_sha256 = *sha;
    sub.model_bytes = static_cast<int64_t>(bytes.size());
    const int64_t now = Now();
    DailyQuota quota{now - now % 86400, s.options_.daily_quota};
    auto created = s.store_->CreateSubmission(sub, now, quota);
    if (!created.ok()) return SendStatus(res, created.status());
    s.metrics_.Add("mai_submissions_total", {{"track", track->id}}, 1);
    s.Notify();

    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(*wait);
    while (*wait > 0 && !s.stopping_) {
      auto jobs = s.store_->JobsOfSubmission(created->id);
      if (!jobs.ok()) break;
      if (std::all_of(jobs->begin(), jobs->end(),
                      [](const Job& j) { return IsFinished(j.state); })) {
        break;
      }
      std::unique_lock<std::mutex> lock(s.wake_mu_);
      if (s.wake_.wait_until(
              lock, std::min(deadline, std::chrono::steady_clock::now() +
                                           std::chrono::milliseconds(500))) ==
              std::cv_status::timeout &&
          std::chrono::steady_clock::now() >= deadline) {
        break;
      }
    }
    json body = SubmissionJson(*created, /*with_results=*/true);
    body["eta_secs"] = Eta(*created);
    SendJson(res, 201, body);
  }

  void ListSubmissions(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kParticipant);
    if (!cred) return;
    auto list = s.store_->SubmissionsOfParticipant(cred->participant.id, 100);
    if (!list.ok()) return SendStatus(res, list.status());
    json out = json::array();
    for (const Submission& sub : *list)
      out.push_back(SubmissionJson(sub, false));
    SendJson(res, 200, {{"submissions", out}});
  }

  void GetSubmission(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kParticipant);
    if (!cred) return;
    auto id = ParseId(req.matches[1]);
    auto sub = id ? s.store_->GetSubmission(*id)
                  : Result<Submission>(NotFound("bad id"));
    // Another participant's submission is as unknown as a missing one.
    if (!sub.ok() || (sub->participant_id != cred->participant.id &&
                      cred->participant.role != Role::kAdmin)) {
      return SendError(res, 404, "not_found", "no such submission");
    }
    json body = SubmissionJson(*sub, true);
    body["eta_secs"] = Eta(*sub);
    SendJson(res, 200, body);
  }

  // The job in the path, with its owner and latest result, if the caller
  // may read it (its participant or an admin), or an error response sent:
  // another participant's job is as unknown as a missing one.
  std::optional<JobView> OwnJob(const httplib::Request& req,
                                httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kParticipant);
    if (!cred) return std::nullopt;
    auto id = ParseId(req.matches[1]);
    auto view =
        id ? s.store_->GetJobView(*id) : Result<JobView>(NotFound("bad id"));
    if (!view.ok() || (view->participant_id != cred->participant.id &&
                       cred->participant.role != Role::kAdmin)) {
      SendError(res, 404, "not_found", "no such job");
      return std::nullopt;
    }
    return std::move(*view);
  }

  void GetJob(const httplib::Request& req, httplib::Response& res) {
    auto view = OwnJob(req, res);
    if (!view) return;
    // The agent's report is spliced in as stored (it was serialized from
    // parsed JSON when posted), not parsed and serialized again: status
    // polls of finished jobs are the server's hottest path.
    std::string text =
        JobJson(view->job, s.store_, /*with_result=*/false).dump();
    if (view->result) {
      const std::string kNull = "\"result\":null";
      const size_t at = text.find(kNull);
      const std::string& raw = view->result->result_json;
      if (at != std::string::npos && raw.size() >= 2 && raw.front() == '{' &&
          raw.back() == '}') {
        text.replace(at, kNull.size(), "\"result\":" + raw);
      }
    }
    res.status = 200;
    res.set_content(std::move(text), "application/json");
  }

  // The latest result of the caller's succeeded job in the path, parsed;
  // nullopt with the error sent when the job is not theirs (404
  // not_found) or has no result (404 no_result).
  std::optional<json> OwnJobResult(const httplib::Request& req,
                                   httplib::Response& res) {
    auto view = OwnJob(req, res);
    if (!view) return std::nullopt;
    if (view->result) {
      json r = json::parse(view->result->result_json, nullptr, false);
      if (r.is_object()) return r;
    }
    SendError(res, 404, "no_result",
              "job is " + std::string(JobStateName(view->job.state)) +
                  ": no result to chart yet");
    return std::nullopt;
  }

  static void SendSvg(httplib::Response& res, std::string svg) {
    res.status = 200;
    // Shown in <img>; refused as a document that could run anything.
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Cache-Control", "private, max-age=3600");
    res.set_content(std::move(svg), "image/svg+xml");
  }

  // Server-side charts of a runtime job's `mai bench` report
  // (server/svg_charts.h): the latency histogram of the timed runs...
  void LatencyChart(const httplib::Request& req, httplib::Response& res) {
    auto result = OwnJobResult(req, res);
    if (!result) return;
    std::vector<double> samples;
    const json runs = result->value("runs", json::object());
    if (runs.is_object() && runs.contains("samples_ms") &&
        runs["samples_ms"].is_array()) {
      for (const json& v : runs["samples_ms"]) {
        if (v.is_number()) samples.push_back(v.get<double>());
      }
    }
    SendSvg(res, LatencyHistogramSvg(samples));
  }

  // ...and the time per op type of its op profile, longest first.
  void OpChart(const httplib::Request& req, httplib::Response& res) {
    auto result = OwnJobResult(req, res);
    if (!result) return;
    std::vector<OpTime> ops;
    const json profile = result->value("op_profile", json::object());
    if (profile.is_object() && profile.contains("by_type") &&
        profile["by_type"].is_array()) {
      for (const json& t : profile["by_type"]) {
        if (!t.is_object()) continue;
        OpTime op;
        if (t.contains("op") && t["op"].is_string()) op.op = t["op"];
        if (t.contains("avg_us") && t["avg_us"].is_number()) {
          op.avg_us = t["avg_us"].get<double>();
        }
        if (t.contains("percent") && t["percent"].is_number()) {
          op.percent = t["percent"].get<double>();
        }
        ops.push_back(std::move(op));
      }
    }
    std::stable_sort(
        ops.begin(), ops.end(),
        [](const OpTime& a, const OpTime& b) { return a.avg_us > b.avg_us; });
    SendSvg(res, OpTimeChartSvg(ops));
  }

  void Tracks(const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const challenge::Track& t : challenge::BuiltinTracks()) {
      out.push_back({{"id", t.id},
                     {"title", t.title},
                     {"task", t.task},
                     {"formula", t.score.formula}});
    }
    SendJson(res, 200, {{"tracks", out}});
  }

  // Public: each participant's best valid submission, ranked by the
  // track's score (challenge/score.h). Scoring reads every submission's
  // reports, so a board is kept (ApiServer::boards_) until a submission
  // or a result arrives here, or kLeaderboardMaxAgeSecs pass (results
  // that reach another replica).
  void Leaderboard(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    const challenge::Track* track = nullptr;
    for (const challenge::Track& t : challenge::BuiltinTracks()) {
      if (t.id == id) track = &t;
    }
    if (track == nullptr) {
      return SendError(res, 404, "unknown_track", "no track '" + id + "'");
    }
    const uint64_t generation = s.generation_;
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> lock(s.boards_mu_);
      auto it = s.boards_.find(track->id);
      if (it != s.boards_.end() && it->second.generation == generation &&
          now - it->second.made <
              std::chrono::seconds(ApiServer::kLeaderboardMaxAgeSecs)) {
        res.status = 200;
        res.set_content(it->second.body, "application/json");
        return;
      }
    }
    auto board = RankTrack(*track);
    if (!board.ok()) return SendStatus(res, board.status());
    {
      std::lock_guard<std::mutex> lock(s.boards_mu_);
      s.boards_[track->id] = {generation, now, *board};
    }
    res.status = 200;
    res.set_content(std::move(*board), "application/json");
  }

  // The leaderboard document of a track: a submission is scored from its
  // fidelity job's `mai eval` report (none for runtime-only tracks) and
  // its runtime (or, for power tracks, sustained) job's `mai bench` report.
  Result<std::string> RankTrack(const challenge::Track& track_ref) {
    const challenge::Track* track = &track_ref;
    auto subs = s.store_->SubmissionsOfTrack(track->id, 10000);
    if (!subs.ok()) return subs.status();
    std::vector<challenge::ResultRecord> records;
    std::vector<std::pair<int64_t, std::string>> pending;
    std::map<int64_t, std::string> names;
    for (const Submission& sub : *subs) {
      auto jobs = s.store_->JobsOfSubmission(sub.id);
      if (!jobs.ok()) continue;
      std::optional<json> eval, bench;
      const JobKind speed =
          track->runtime.power ? JobKind::kSustained : JobKind::kRuntime;
      for (const Job& j : *jobs) {
        if (j.state != JobState::kSucceeded) continue;
        auto results = s.store_->ResultsOfJob(j.id);
        if (!results.ok() || results->empty()) continue;
        json r = json::parse(results->back().result_json, nullptr, false);
        if (r.is_discarded()) continue;
        if (j.kind == JobKind::kFidelity) eval = r;
        if (j.kind == speed) bench = r;
      }
      if (!names.count(sub.participant_id)) {
        auto p = s.store_->GetParticipant(sub.participant_id);
        names[sub.participant_id] = p.ok() ? p->name : "?";
      }
      const bool runtime_only = challenge::IsRuntimeOnly(*track);
      if ((!runtime_only && !eval) || !bench) {
        pending.emplace_back(sub.id, !bench ? "no runtime result yet"
                                            : "no fidelity result yet");
        continue;
      }
      auto record =
          challenge::RecordFromReports(*track, runtime_only ? nullptr : &*eval,
                                       "fidelity", *bench, "runtime");
      if (!record.ok()) {
        pending.emplace_back(sub.id, record.status().message());
        continue;
      }
      record->participant = names[sub.participant_id];
      record->submission = std::to_string(sub.id);
      record->submitted_at = sub.created_at;
      records.push_back(std::move(*record));
    }
    const challenge::Leaderboard board =
        challenge::RankSubmissions(*track, records);
    json entries = json::array(), disqualified = json::array(),
         unscored = json::array();
    for (const challenge::LeaderboardEntry& e : board.entries) {
      entries.push_back({{"rank", e.rank},
                         {"participant", e.best.record.participant},
                         {"submission", e.best.record.submission},
                         {"score", e.best.score},
                         {"figures", e.best.record.figures},
                         {"submissions", e.submissions}});
    }
    for (const challenge::ScoredRecord& d : board.disqualified) {
      disqualified.push_back({{"participant", d.record.participant},
                              {"submission", d.record.submission},
                              {"score", d.score},
                              {"reason", d.disqualified}});
    }
    for (const auto& [r, why] : board.unscored) {
      unscored.push_back({{"participant", r.participant},
                          {"submission", r.submission},
                          {"reason", why}});
    }
    for (const auto& [sub_id, why] : pending) {
      unscored.push_back(
          {{"submission", std::to_string(sub_id)}, {"reason", why}});
    }
    return json({{"track", track->id},
                 {"formula", track->score.formula},
                 {"direction",
                  track->score.higher_is_better ? "higher" : "lower"},
                 {"entries", entries},
                 {"disqualified", disqualified},
                 {"unscored", unscored}})
        .dump();
  }

  void Devices(const httplib::Request&, httplib::Response& res) {
    auto agents = s.store_->ListAgents();
    auto depths = s.store_->QueueDepths();
    if (!agents.ok()) return SendStatus(res, agents.status());
    const int64_t now = Now();
    json list = json::array();
    for (const Agent& a : *agents) {
      json description = json::parse(a.description_json, nullptr, false);
      list.push_back(
          {{"id", a.id},
           {"device_class", a.device_class},
           {"online", now - a.last_seen <= 2 * s.options_.lease_secs},
           {"busy", a.active_jobs > 0},
           {"last_seen", a.last_seen},
           {"description",
            description.is_discarded() ? json(nullptr) : description}});
    }
    json queue = json::object();
    if (depths.ok()) {
      for (const auto& [c, n] : *depths) queue[c] = n;
    }
    SendJson(res, 200, {{"agents", list}, {"queue", queue}});
  }

  // --- agents ---------------------------------------------------------------

  void RegisterAgent(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kAgent);
    if (!cred) return;
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() ||
        !body.contains("device_class") || !body["device_class"].is_string()) {
      return SendError(
          res, 400, "bad_request",
          "expected {\"device_class\": ..., \"description\": {...}}");
    }
    const std::string device_class = body["device_class"].get<std::string>();
    if (!SafeName(device_class, 64)) {
      return SendError(res, 400, "bad_device_class",
                       "device classes are letters, digits, '-', '_', '.'");
    }
    const json description = body.value("description", json::object());
    const std::string id = "agent-" + NewToken("").substr(0, 12);
    auto agent = s.store_->RegisterAgent(id, device_class, description.dump(),
                                         cred->token.id, Now());
    if (!agent.ok()) return SendStatus(res, agent.status());
    SendJson(res, 200,
             {{"agent_id", agent->id}, {"lease_secs", s.options_.lease_secs}});
  }

  // The agent named in the path, owned by the caller's token.
  std::optional<Agent> OwnAgent(const Credential& cred, const std::string& id,
                                httplib::Response& res) {
    auto agent = s.store_->GetAgent(id);
    if (!agent.ok() || agent->token_id != cred.token.id) {
      SendError(res, 404, "not_found", "no such agent for this token");
      return std::nullopt;
    }
    return *agent;
  }

  void Lease(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kAgent);
    if (!cred) return;
    auto agent = OwnAgent(*cred, req.matches[1], res);
    if (!agent) return;
    const std::optional<int> wait = WaitSecs(req, res);
    if (!wait) return;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(*wait);
    for (bool first = true;; first = false) {
      const int64_t now = Now();
      s.RequeueExpiredLeasesAtMostOncePerSecond(now);
      // Waiting agents look with a read and lease (a write, fsync'd) only
      // when their class has queued jobs; the first try also records that
      // the agent was seen.
      if (!first) {
        auto depths = s.store_->QueueDepths();
        if (depths.ok() && !depths->count(agent->device_class)) {
          if (s.stopping_ || std::chrono::steady_clock::now() >= deadline) {
            break;
          }
          std::unique_lock<std::mutex> lock(s.wake_mu_);
          s.wake_.wait_until(
              lock, std::min(deadline, std::chrono::steady_clock::now() +
                                           std::chrono::seconds(1)));
          continue;
        }
      }
      auto job = s.store_->LeaseJob(agent->id, agent->device_class, now,
                                    s.options_.lease_secs);
      if (!job.ok()) return SendStatus(res, job.status());
      if (job->has_value()) {
        const Job& j = **job;
        auto sub = s.store_->GetSubmission(j.submission_id);
        if (!sub.ok()) return SendStatus(res, sub.status());
        return SendJson(res, 200,
                        {{"job", j.id},
                         {"attempt", j.attempt},
                         {"kind", JobKindName(j.kind)},
                         {"track", sub->track_id},
                         {"model_sha256", sub->model_sha256},
                         {"model_bytes", sub->model_bytes},
                         {"model_url", "/api/v1/models/" + sub->model_sha256},
                         {"lease_secs", s.options_.lease_secs}});
      }
      if (s.stopping_ || std::chrono::steady_clock::now() >= deadline) break;
      std::unique_lock<std::mutex> lock(s.wake_mu_);
      s.wake_.wait_until(lock,
                         std::min(deadline, std::chrono::steady_clock::now() +
                                                std::chrono::seconds(1)));
    }
    (void)s.store_->TouchAgent(agent->id, Now());
    res.status = 204;
  }

  // {"attempt": N, ...} of an agent's job report.
  std::optional<std::pair<int64_t, int>> JobAndAttempt(
      const httplib::Request& req, httplib::Response& res, json* body) {
    auto id = ParseId(req.matches[1]);
    *body = json::parse(req.body, nullptr, false);
    if (!id || body->is_discarded() || !body->is_object() ||
        !body->contains("attempt") || !(*body)["attempt"].is_number_integer()) {
      SendError(res, 400, "bad_request",
                "expected a job id and {\"attempt\": N}");
      return std::nullopt;
    }
    return std::make_pair(*id, (*body)["attempt"].get<int>());
  }

  std::optional<std::string> AgentOf(const Credential& cred, const json& body,
                                     httplib::Response& res) {
    if (!body.contains("agent_id") || !body["agent_id"].is_string()) {
      SendError(res, 400, "bad_request", "expected \"agent_id\"");
      return std::nullopt;
    }
    auto agent = OwnAgent(cred, body["agent_id"].get<std::string>(), res);
    if (!agent) return std::nullopt;
    return agent->id;
  }

  void Heartbeat(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kAgent);
    if (!cred) return;
    json body;
    auto ja = JobAndAttempt(req, res, &body);
    if (!ja) return;
    auto agent = AgentOf(*cred, body, res);
    if (!agent) return;
    auto job = s.store_->Heartbeat(ja->first, ja->second, *agent, Now(),
                                   s.options_.lease_secs);
    if (!job.ok()) return SendStatus(res, job.status());
    SendJson(res, 200,
             {{"state", JobStateName(job->state)},
              {"lease_secs", s.options_.lease_secs}});
  }

  void PostResult(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kAgent);
    if (!cred) return;
    json body;
    auto ja = JobAndAttempt(req, res, &body);
    if (!ja) return;
    auto agent = AgentOf(*cred, body, res);
    if (!agent) return;
    if (!body.contains("result") || !body["result"].is_object()) {
      return SendError(res, 400, "bad_request", "expected \"result\": {...}");
    }
    Status done = s.store_->CompleteJob(ja->first, ja->second, *agent,
                                        body["result"].dump(), Now());
    if (!done.ok()) return SendStatus(res, done);
    s.metrics_.Add("mai_job_results_total", {{"outcome", "succeeded"}}, 1);
    s.Notify();
    SendJson(res, 200, {{"stored", true}});
  }

  void Failure(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kAgent);
    if (!cred) return;
    json body;
    auto ja = JobAndAttempt(req, res, &body);
    if (!ja) return;
    auto agent = AgentOf(*cred, body, res);
    if (!agent) return;
    const std::string log = body.value("log", std::string());
    std::optional<int> signal;
    if (body.contains("signal") && body["signal"].is_number_integer()) {
      signal = body["signal"].get<int>();
    }
    auto job = s.store_->FailJob(ja->first, ja->second, *agent,
                                 log.substr(0, 64 << 10), signal, Now(),
                                 s.options_.max_failures);
    if (!job.ok()) return SendStatus(res, job.status());
    s.metrics_.Add("mai_job_results_total", {{"outcome", "failed_attempt"}}, 1);
    s.Notify();
    SendJson(res, 200, {{"state", JobStateName(job->state)}});
  }

  void Model(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kAgent);
    if (!cred) return;
    const std::string sha = req.matches[1];
    if (!BlobStore::IsValidHex(sha)) {
      return SendError(res, 400, "bad_sha256", "not a sha256");
    }
    auto bytes = s.blobs_->Get(sha);
    if (!bytes.ok()) return SendError(res, 404, "not_found", "no such model");
    res.status = 200;
    res.set_content(std::string(bytes->begin(), bytes->end()),
                    "application/octet-stream");
  }

  // --- admin ----------------------------------------------------------------

  // A new token of `kind` for the participant, answered 201 with its id and
  // the token itself: the only time it is shown (the store keeps its hash).
  void IssueToken(int64_t participant_id, TokenKind kind,
                  httplib::Response& res) {
    const std::string token =
        NewToken(kind == TokenKind::kAgent ? kAgentTokenPrefix
                                           : kParticipantTokenPrefix);
    auto t = s.store_->AddToken(participant_id, HashToken(token), kind, Now());
    if (!t.ok()) return SendStatus(res, t.status());
    SendJson(res, 201,
             {{"participant", participant_id},
              {"token_id", t->id},
              {"token", token}});
  }

  void CreateParticipant(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kParticipant, /*admin=*/true);
    if (!cred) return;
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("name") ||
        !body["name"].is_string() ||
        !SafeName(body["name"].get<std::string>(), 64)) {
      return SendError(res, 400, "bad_request",
                       "expected {\"name\": letters, digits, '-', '_', '.'}");
    }
    const Role role =
        body.value("admin", false) ? Role::kAdmin : Role::kParticipant;
    auto p = s.store_->CreateParticipant(body["name"].get<std::string>(), role,
                                         Now());
    if (!p.ok()) return SendStatus(res, p.status());
    IssueToken(p->id, TokenKind::kParticipant, res);
  }

  void CreateAgentToken(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kParticipant, /*admin=*/true);
    if (!cred) return;
    IssueToken(cred->participant.id, TokenKind::kAgent, res);
  }

  // Participants with their tokens (never the secrets: only ids, kinds and
  // dates; a token is shown once, when it is created).
  void ListParticipants(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kParticipant, /*admin=*/true);
    if (!cred) return;
    auto all = s.store_->ListParticipants();
    if (!all.ok()) return SendStatus(res, all.status());
    json list = json::array();
    for (const Participant& p : *all) {
      json tokens = json::array();
      auto owned = s.store_->TokensOfParticipant(p.id);
      if (owned.ok()) {
        for (const Token& t : *owned) {
          tokens.push_back(
              {{"id", t.id},
               {"kind", TokenKindName(t.kind)},
               {"created_at", t.created_at},
               {"revoked_at", t.revoked_at ? json(*t.revoked_at) : json()}});
        }
      }
      list.push_back({{"id", p.id},
                      {"name", p.name},
                      {"role", RoleName(p.role)},
                      {"created_at", p.created_at},
                      {"tokens", tokens}});
    }
    SendJson(res, 200, {{"participants", list}});
  }

  // A new participant token for an existing participant (one who lost
  // theirs; revoke the old one).
  void CreateParticipantToken(const httplib::Request& req,
                              httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kParticipant, /*admin=*/true);
    if (!cred) return;
    auto id = ParseId(req.matches[1]);
    auto p = id ? s.store_->GetParticipant(*id)
                : Result<Participant>(NotFound("bad id"));
    if (!p.ok()) return SendError(res, 404, "not_found", "no such participant");
    IssueToken(p->id, TokenKind::kParticipant, res);
  }

  void RevokeToken(const httplib::Request& req, httplib::Response& res) {
    auto cred = Authenticate(req, res, TokenKind::kParticipant, /*admin=*/true);
    if (!cred) return;
    auto id = ParseId(req.matches[1]);
    if (id && *id == cred->token.id) {
      return SendError(res, 409, "conflict",
                       "a token cannot revoke itself (use another admin "
                       "token)");
    }
    Status done =
        id ? s.store_->RevokeToken(*id, Now()) : Status(NotFound("bad id"));
    if (!done.ok()) return SendStatus(res, done);
    SendJson(res, 200, {{"revoked", *id}});
  }

  void Metrics(const httplib::Request&, httplib::Response& res) {
    // Snapshots of the store, then the counters kept by the handlers.
    auto depths = s.store_->QueueDepths();
    s.metrics_.Clear("mai_queue_depth");
    if (depths.ok()) {
      for (const auto& [c, n] : *depths) {
        s.metrics_.Set("mai_queue_depth", {{"device_class", c}},
                       static_cast<double>(n));
      }
    }
    auto states = s.store_->JobCountsByState();
    if (states.ok()) {
      for (const auto& [state, n] : *states) {
        s.metrics_.Set("mai_jobs", {{"state", JobStateName(state)}},
                       static_cast<double>(n));
      }
    }
    auto agents = s.store_->ListAgents();
    if (agents.ok()) {
      const int64_t now = Now();
      double online = 0;
      for (const Agent& a : *agents) {
        online += now - a.last_seen <= 2 * s.options_.lease_secs ? 1 : 0;
      }
      s.metrics_.Set("mai_agents_online", {}, online);
    }
    res.status = 200;
    res.set_content(s.metrics_.Exposition(), "text/plain; version=0.0.4");
  }
};

ApiServer::ApiServer(ApiOptions options, Store* store, const BlobStore* blobs)
    : options_(std::move(options)),
      store_(store),
      blobs_(blobs),
      http_(std::make_unique<httplib::Server>()),
      limiter_(options_.rate_per_sec, options_.rate_burst) {
  metrics_.Help("mai_http_requests_total", "counter", "HTTP requests");
  metrics_.Help("mai_http_request_seconds", "histogram",
                "HTTP request latency");
  metrics_.Help("mai_queue_depth", "gauge", "Queued jobs by device class");
  metrics_.Help("mai_jobs", "gauge", "Jobs by state");
  metrics_.Help("mai_agents_online", "gauge", "Agents seen within two leases");
  metrics_.Help("mai_submissions_total", "counter", "Accepted submissions");
  metrics_.Help("mai_job_results_total", "counter", "Agent reports");
  Routes();
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::RequeueExpiredLeasesAtMostOncePerSecond(int64_t now) {
  int64_t last = last_requeue_.load();
  if (now <= last || !last_requeue_.compare_exchange_strong(last, now)) return;
  (void)store_->RequeueExpiredLeases(now);
}

void ApiServer::Notify() {
  ++generation_;
  std::lock_guard<std::mutex> lock(wake_mu_);
  wake_.notify_all();
}

void ApiServer::Routes() {
  httplib::Server& h = *http_;
  const int threads = options_.threads;
  h.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Bodies beyond the model limit (plus headroom) are refused with 413
  // before they are read in full.
  h.set_payload_max_length(options_.max_model_bytes + (1 << 20));
  h.set_read_timeout(options_.read_timeout_secs, 0);
  // Headers and body go out in separate writes: without TCP_NODELAY the
  // second waits for the client's delayed ACK (40 ms on Linux).
  h.set_tcp_nodelay(true);
  // Pollers keep their connection (httplib closes it after 5 requests by
  // default, and reconnect storms cost more than the requests).
  h.set_keep_alive_max_count(10000);
  h.set_logger([this](const httplib::Request& req,
                      const httplib::Response& res) {
    metrics_.Add("mai_http_requests_total",
                 {{"method", req.method}, {"code", std::to_string(res.status)}},
                 1);
  });
  h.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        SendError(res, 500, "internal", "unexpected server error");
      });
  h.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string code = res.status == 413   ? "too_large"
                             : res.status == 404 ? "not_found"
                                                 : "error";
    SendError(
        res, res.status, code,
        res.status == 413 ? "request body over the limit" : "no such endpoint");
  });

  // Registers METHOD PATTERN with the request latency histogram labelled by
  // ROUTE (the pattern as the API documents it).
  using Fn = void (ApiHandlers::*)(const httplib::Request&, httplib::Response&);
  auto handler = [this](std::string route, Fn fn) {
    return [this, fn, route = std::move(route)](const httplib::Request& req,
                                                httplib::Response& res) {
      const auto start = std::chrono::steady_clock::now();
      ApiHandlers handlers{*this};
      (handlers.*fn)(req, res);
      metrics_.Observe("mai_http_request_seconds", {{"route", route}},
                       std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count(),
                       kLatencyBuckets);
    };
  };
  auto get = [&](const std::string& pattern, std::string route, Fn fn) {
    h.Get(pattern, handler("GET " + route, fn));
  };
  auto post = [&](const std::string& pattern, std::string route, Fn fn) {
    h.Post(pattern, handler("POST " + route, fn));
  };
  h.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, {{"status", "ok"}});
  });
  get("/metrics", "/metrics", &ApiHandlers::Metrics);
  h.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; script-src 'unsafe-inline'; "
                   "style-src 'unsafe-inline'; img-src 'self' data: blob:");
    res.set_content(std::string(WebIndexHtml()), "text/html; charset=utf-8");
  });
  h.Get("/api/openapi.yaml",
        [](const httplib::Request&, httplib::Response& res) {
          res.set_content(std::string(OpenApiYaml()), "application/yaml");
        });
  const std::string v1 = "/api/v1";
  post(v1 + "/submissions", "/submissions", &ApiHandlers::Submit);
  get(v1 + "/submissions", "/submissions", &ApiHandlers::ListSubmissions);
  get(v1 + R"(/submissions/(\d+))", "/submissions/{id}",
      &ApiHandlers::GetSubmission);
  get(v1 + R"(/jobs/(\d+))", "/jobs/{id}", &ApiHandlers::GetJob);
  get(v1 + R"(/jobs/(\d+)/charts/latency\.svg)",
      "/jobs/{id}/charts/latency.svg", &ApiHandlers::LatencyChart);
  get(v1 + R"(/jobs/(\d+)/charts/ops\.svg)", "/jobs/{id}/charts/ops.svg",
      &ApiHandlers::OpChart);
  get(v1 + "/tracks", "/tracks", &ApiHandlers::Tracks);
  get(v1 + "/devices", "/devices", &ApiHandlers::Devices);
  get(v1 + R"(/tracks/([A-Za-z0-9_.-]+)/leaderboard)",
      "/tracks/{id}/leaderboard", &ApiHandlers::Leaderboard);
  post(v1 + "/agents/register", "/agents/register",
       &ApiHandlers::RegisterAgent);
  post(v1 + R"(/agents/([A-Za-z0-9_.-]+)/lease)", "/agents/{id}/lease",
       &ApiHandlers::Lease);
  post(v1 + R"(/jobs/(\d+)/heartbeat)", "/jobs/{id}/heartbeat",
       &ApiHandlers::Heartbeat);
  post(v1 + R"(/jobs/(\d+)/result)", "/jobs/{id}/result",
       &ApiHandlers::PostResult);
  post(v1 + R"(/jobs/(\d+)/failure)", "/jobs/{id}/failure",
       &ApiHandlers::Failure);
  get(v1 + R"(/models/([0-9a-f]+))", "/models/{sha256}", &ApiHandlers::Model);
  post(v1 + "/admin/participants", "/admin/participants",
       &ApiHandlers::CreateParticipant);
  post(v1 + "/admin/agent_tokens", "/admin/agent_tokens",
       &ApiHandlers::CreateAgentToken);
  get(v1 + "/admin/participants", "/admin/participants",
      &ApiHandlers::ListParticipants);
  post(v1 + R"(/admin/participants/(\d+)/tokens)",
       "/admin/participants/{id}/tokens", &ApiHandlers::CreateParticipantToken);
  post(v1 + R"(/admin/tokens/(\d+)/revoke)", "/admin/tokens/{id}/revoke",
       &ApiHandlers::RevokeToken);
}

Result<int> ApiServer::Bind(const std::string& host, int port) {
  // cpp-httplib (Debian's build) listens with a backlog of 5: a burst of
  // new connections (pollers, agents reconnecting after a restart)
  // overflows it, and the kernel drops the handshakes' last ACKs, which
  // costs those clients 1, 3, 7 s of retransmission. Keep the listening
  // socket and listen on it again with a real backlog.
  listen_fd_ = -1;
  http_->set_socket_options([this](int sock) {
    // SO_REUSEADDR only: a restart binds at once, but a second server on
    // the same port fails instead of silently sharing it (SO_REUSEPORT).
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = sock;
  });
  const int bound = port == 0 ? http_->bind_to_any_port(host)
                              : (http_->bind_to_port(host, port) ? port : -1);
  if (bound < 0) return IoError("cannot listen on {}:{}", host, port);
  if (listen_fd_ < 0 || ::listen(listen_fd_, kListenBacklog) != 0) {
    return IoError("cannot raise the listen backlog on {}:{}", host, bound);
  }
  return bound;
}

int ApiServer::ListenBacklog() const {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (listen_fd_ < 0 ||
      getsockopt(listen_fd_, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) {
    return -1;
  }
  return static_cast<int>(info.tcpi_sacked);  // a listener's max backlog
}

void ApiServer::Run() { http_->listen_after_bind(); }

void ApiServer::Stop() {
  stopping_ = true;
  Notify();
  if (http_) http_->stop();
}

}  // namespace mai::server
