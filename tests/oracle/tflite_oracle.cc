#include "oracle/tflite_oracle.h"

#include <fcntl.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

extern char** environ;

namespace mai::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Longest wait for one answer; a model run takes well under a second.
constexpr int kReplyTimeoutMs = 300 * 1000;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return (value != nullptr && value[0] != '\0') ? std::string(value) : fallback;
}

std::string CacheDir() {
  return EnvOr("MAI_CACHE_DIR", EnvOr("HOME", "/tmp") + "/.cache/mai");
}

std::string SourceDir() {
#ifdef MAI_SOURCE_DIR
  return EnvOr("MAI_SOURCE_DIR", MAI_SOURCE_DIR);
#else
  return EnvOr("MAI_SOURCE_DIR", ".");
#endif
}

// Resolves `program` like execvp would; empty when not found.
std::string FindProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return access(program.c_str(), X_OK) == 0 ? program : "";
  }
  std::string path = EnvOr("PATH", "/usr/local/bin:/usr/bin:/bin");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

Status WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return IoError("cannot write {}", path);
  return Status::Ok();
}

Result<std::vector<uint8_t>> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read {}", path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  return bytes;
}

Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Internal("tflite oracle: write to child failed: {}",
                      std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::vector<int> ToShape(const json& j) {
  std::vector<int> shape;
  for (const json& d : j) shape.push_back(d.get<int>());
  return shape;
}

OracleTensorSpec ToSpec(const json& j) {
  OracleTensorSpec spec;
  spec.index = j.value("index", -1);
  spec.name = j.value("name", "");
  spec.shape = ToShape(j.at("shape"));
  spec.dtype = j.value("dtype", "");
  if (j.contains("quantization")) {
    const json& q = j.at("quantization");
    const json& scale = q.at("scale");
    const json& zero_point = q.at("zero_point");
    if (scale.is_array()) {
      for (const json& s : scale) spec.scale.push_back(s.get<float>());
      for (const json& z : zero_point)
        spec.zero_point.push_back(z.get<int64_t>());
    } else {
      spec.scale.push_back(scale.get<float>());
      spec.zero_point.push_back(zero_point.get<int64_t>());
    }
    spec.quantized_dimension = q.value("quantized_dimension", 0);
  }
  return spec;
}

}  // namespace

struct TfliteOracle::Reply {
  json body;
};

int OracleDtypeSize(const std::string& dtype) {
  if (dtype == "float32" || dtype == "int32" || dtype == "uint32") return 4;
  if (dtype == "float16" || dtype == "int16" || dtype == "uint16") return 2;
  if (dtype == "int8" || dtype == "uint8" || dtype == "bool") return 1;
  if (dtype == "int64" || dtype == "uint64" || dtype == "float64") return 8;
  return 0;
}

std::string OracleModelsDir() { return CacheDir() + "/models"; }

std::string OraclePhotosDir() { return CacheDir() + "/photos"; }

Result<std::unique_ptr<TfliteOracle>> TfliteOracle::Start(bool simd) {
  OracleOptions options;
  options.simd = simd;
  return Start(options);
}

Result<std::unique_ptr<TfliteOracle>> TfliteOracle::Start(
    const OracleOptions& options) {
  std::string node = FindProgram(EnvOr("MAI_NODE", "node"));
  if (node.empty()) {
    return NotFound("tflite oracle: node (Node.js) not found in PATH");
  }
  std::string script = SourceDir() + "/tests/oracle/tflite_run.mjs";
  if (access(script.c_str(), R_OK) != 0) {
    return NotFound("tflite oracle: harness {} not found", script);
  }
  std::string wasm_dir = CacheDir() + "/tfjs-tflite/wasm";
  std::string base = std::string("tflite_web_api_cc") +
                     (options.simd ? "_simd" : "") +
                     (options.threads > 1 ? "_threaded" : "");
  for (const char* ext : {".js", ".wasm"}) {
    std::string file = wasm_dir + "/" + base + ext;
    if (access(file.c_str(), R_OK) != 0) {
      return NotFound(
          "tflite oracle: {} not found (run scripts/fetch_models.sh)", file);
    }
  }

  std::unique_ptr<TfliteOracle> oracle(new TfliteOracle());
  std::string tmpl = EnvOr("TMPDIR", "/tmp") + "/mai_oracle_XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return IoError("tflite oracle: mkdtemp {} failed: {}", tmpl,
                   std::strerror(errno));
  }
  oracle->temp_dir_ = tmpl;

  // A write to a child that died must come back as EPIPE, not kill the test.
  signal(SIGPIPE, SIG_IGN);

  int to_child[2];
  int from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0) {
    return IoError("tflite oracle: pipe failed: {}", std::strerror(errno));
  }
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    close(to_child[0]);
    close(to_child[1]);
    return IoError("tflite oracle: pipe failed: {}", std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);

  std::vector<std::string> args = {node, script, "--serve", "--wasm_dir",
                                   wasm_dir};
  if (!options.simd) args.push_back("--no_simd");
  if (options.threads > 1) {
    args.push_back("--threads");
    args.push_back(std::to_string(options.threads));
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  int rc =
      posix_spawn(&pid, node.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  if (rc != 0) {
    close(to_child[1]);
    close(from_child[0]);
    return Internal("tflite oracle: cannot start {}: {}", node,
                    std::strerror(rc));
  }
  oracle->pid_ = pid;
  oracle->to_child_ = to_child[1];
  oracle->from_child_ = from_child[0];

  Result<Reply> ready = oracle->Call(R"({"ping":true})");
  if (!ready.ok()) {
    return ready.status().WithContext("tflite oracle did not start");
  }
  return oracle;
}

TfliteOracle::~TfliteOracle() {
  Shutdown();
  if (!temp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
  }
}

void TfliteOracle::Shutdown() {
  if (to_child_ >= 0) close(to_child_);  // EOF on stdin ends the server
  to_child_ = -1;
  if (pid_ > 0) {
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }
  if (from_child_ >= 0) close(from_child_);
  from_child_ = -1;
  dead_ = true;
}

Result<TfliteOracle::Reply> TfliteOracle::Call(const std::string& request) {
  if (dead_) return Internal("tflite oracle: the oracle process has ended");
  Status sent = WriteAll(to_child_, request + "\n");
  if (!sent.ok()) {
    Shutdown();
    return sent;
  }
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(kReplyTimeoutMs);
  size_t newline;
  while ((newline = pending_.find('\n')) == std::string::npos) {
    int left =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count());
    if (left <= 0) {
      Shutdown();
      return Internal("tflite oracle: no answer within {} s",
                      kReplyTimeoutMs / 1000);
    }
    pollfd pfd{from_child_, POLLIN, 0};
    int ready = poll(&pfd, 1, left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      Shutdown();
      return Internal("tflite oracle: poll failed: {}", std::strerror(errno));
    }
    if (ready == 0) continue;
    char buffer[4096];
    ssize_t n = read(from_child_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Shutdown();
      return Internal(
          "tflite oracle: the node process exited (see its stderr above)");
    }
    pending_.append(buffer, static_cast<size_t>(n));
  }
  std::string line = pending_.substr(0, newline);
  pending_.erase(0, newline + 1);

  Reply reply;
  reply.body = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (reply.body.is_discarded() || !reply.body.is_object() ||
      !reply.body.contains("ok")) {
    Shutdown();
    return Internal("tflite oracle: unreadable answer '{}'", line);
  }
  if (!reply.body.value("ok", false)) {
    std::string error = reply.body.value("error", "unknown error");
    if (reply.body.value("tflite", false)) {
      return Unimplemented("tflite oracle: {}", error);
    }
    return InvalidArgument("tflite oracle: {}", error);
  }
  return reply;
}

std::string TfliteOracle::NewCallDir() {
  std::string dir = temp_dir_ + "/call" + std::to_string(calls_++);
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  return dir;
}

Result<std::vector<OracleTensor>> TfliteOracle::ReadOutputs(
    const Reply& reply) {
  std::vector<OracleTensor> outputs;
  if (!reply.body.contains("outputs") || !reply.body.at("outputs").is_array()) {
    return Internal("tflite oracle: answer without outputs");
  }
  for (const json& o : reply.body.at("outputs")) {
    OracleTensor tensor;
    tensor.name = o.value("name", "");
    tensor.shape = ToShape(o.at("shape"));
    tensor.dtype = o.value("dtype", "");
    MAI_ASSIGN_OR_RETURN(tensor.data, ReadFile(o.value("path", "")));
    int64_t elements = 1;
    for (int d : tensor.shape) elements *= d;
    int64_t expected = elements * OracleDtypeSize(tensor.dtype);
    if (static_cast<int64_t>(tensor.data.size()) != expected) {
      return Internal(
          "tflite oracle: output '{}' has {} bytes, {}[{}] needs {}",
          tensor.name, tensor.data.size(), tensor.dtype,
          fmt::join(tensor.shape, ","), expected);
    }
    outputs.push_back(std::move(tensor));
  }
  return outputs;
}

Result<std::vector<OracleTensor>> TfliteOracle::Run(
    const std::vector<uint8_t>& model_bytes,
    const std::vector<std::vector<uint8_t>>& inputs) {
  std::string model_path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    model_path = temp_dir_ + "/model" + std::to_string(calls_++) + ".tflite";
    MAI_RETURN_IF_ERROR(WriteFile(model_path, model_bytes));
  }
  Result<std::vector<OracleTensor>> result = RunFile(model_path, inputs);
  std::error_code ec;
  fs::remove(model_path, ec);
  return result;
}

Result<std::vector<OracleTensor>> TfliteOracle::RunFile(
    const std::string& model_path,
    const std::vector<std::vector<uint8_t>>& inputs) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string dir = NewCallDir();
  json request;
  request["model"] = fs::absolute(model_path).string();
  request["inputs"] = json::array();
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string path = dir + "/input" + std::to_string(i) + ".bin";
    MAI_RETURN_IF_ERROR(WriteFile(path, inputs[i]));
    request["inputs"].push_back(path);
  }
  request["output_dir"] = dir + "/out";
  Result<Reply> reply = Call(request.dump());
  Result<std::vector<OracleTensor>> outputs =
      reply.ok() ? ReadOutputs(*reply)
                 : Result<std::vector<OracleTensor>>(reply.status());
  std::error_code ec;
  fs::remove_all(dir, ec);
  return outputs;
}

Result<OracleSeededRun> TfliteOracle::RunFileSeeded(
    const std::string& model_path, uint32_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string dir = NewCallDir();
  json request;
  request["model"] = fs::absolute(model_path).string();
  request["seed"] = seed;
  request["output_dir"] = dir;
  Result<Reply> reply = Call(request.dump());
  Result<OracleSeededRun> run = [&]() -> Result<OracleSeededRun> {
    if (!reply.ok()) return reply.status();
    OracleSeededRun seeded;
    MAI_ASSIGN_OR_RETURN(seeded.outputs, ReadOutputs(*reply));
    for (const json& path : reply->body.value("inputs", json::array())) {
      MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                           ReadFile(path.get<std::string>()));
      seeded.inputs.push_back(std::move(bytes));
    }
    return seeded;
  }();
  std::error_code ec;
  fs::remove_all(dir, ec);
  return run;
}

Result<OracleModelInfo> TfliteOracle::Info(const std::string& model_path) {
  std::lock_guard<std::mutex> lock(mu_);
  json request;
  request["model"] = fs::absolute(model_path).string();
  request["info"] = true;
  MAI_ASSIGN_OR_RETURN(Reply reply, Call(request.dump()));
  OracleModelInfo info;
  const json& body = reply.body.at("info");
  for (const json& t : body.at("inputs")) info.inputs.push_back(ToSpec(t));
  for (const json& t : body.at("outputs")) info.outputs.push_back(ToSpec(t));
  return info;
}

Result<std::vector<uint8_t>> TfliteOracle::Generate(uint32_t seed, int index,
                                                    const std::string& dtype,
                                                    int64_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string path = NewCallDir() + "/generated.bin";
  json request;
  request["generate"] = {
      {"seed", seed}, {"index", index}, {"dtype", dtype}, {"count", count}};
  request["path"] = path;
  Result<Reply> reply = Call(request.dump());
  if (!reply.ok()) return reply.status();
  Result<std::vector<uint8_t>> bytes = ReadFile(path);
  std::error_code ec;
  fs::remove_all(fs::path(path).parent_path(), ec);
  return bytes;
}

TfliteOracle* SharedOracle(std::string* why_unavailable) {
  static std::mutex mu;
  static std::unique_ptr<TfliteOracle> oracle;
  static std::string failure;
  static bool tried = false;
  std::lock_guard<std::mutex> lock(mu);
  if (!tried) {
    tried = true;
    Result<std::unique_ptr<TfliteOracle>> started = TfliteOracle::Start();
    if (started.ok()) {
      oracle = std::move(started).value();
    } else {
      failure = started.status().message();
    }
  }
  if (oracle == nullptr && why_unavailable != nullptr) {
    *why_unavailable = failure;
  }
  return oracle.get();
}

}  // namespace mai::testing
