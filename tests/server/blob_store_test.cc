// BlobStore: content addressing against the FIPS 180-2 SHA-256 vectors,
// round trips, idempotence, refusal of hostile names, corruption detection,
// the size limit, temp-file cleanup, and crash safety (a child process killed
// with SIGKILL at random moments during Put never leaves a partial file under
// a final name).
#include "server/blob_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/sha256.h"

namespace mai::server {
namespace {

namespace fs = std::filesystem;

constexpr char kEmptySha[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbcSha[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; i += 8) {
    uint64_t word = rng();
    std::memcpy(out.data() + i, &word, std::min<size_t>(8, n - i));
  }
  return out;
}

// Every regular file under `dir`, recursively.
std::vector<fs::path> AllFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  return files;
}

bool IsTemp(const fs::path& p) {
  return p.filename().string().find(".tmp-") != std::string::npos;
}

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("mai_blob_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  BlobStore OpenStore(BlobStoreOptions options = {}) {
    auto store = BlobStore::Open(dir_.string(), options);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return std::move(store).value();
  }

  fs::path dir_;
};

TEST_F(BlobStoreTest, KnownVectorsNameTheFiles) {
  BlobStore store = OpenStore();
  auto empty = store.Put(Bytes(""));
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_EQ(*empty, kEmptySha);
  auto abc = store.Put(Bytes("abc"));
  ASSERT_TRUE(abc.ok()) << abc.status().message();
  EXPECT_EQ(*abc, kAbcSha);

  const fs::path empty_path = dir_ / "e3" / kEmptySha;
  const fs::path abc_path = dir_ / "ba" / kAbcSha;
  EXPECT_EQ(*store.PathOf(kEmptySha), empty_path.string());
  EXPECT_EQ(*store.PathOf(kAbcSha), abc_path.string());
  ASSERT_TRUE(fs::is_regular_file(empty_path));
  ASSERT_TRUE(fs::is_regular_file(abc_path));
  EXPECT_EQ(fs::file_size(empty_path), 0u);
  EXPECT_EQ(fs::file_size(abc_path), 3u);
  std::set<fs::path> files;
  for (const auto& f : AllFiles(dir_)) files.insert(f);
  EXPECT_EQ(files, (std::set<fs::path>{empty_path, abc_path}));
  EXPECT_TRUE(store.Contains(kEmptySha));
  EXPECT_TRUE(store.Contains(kAbcSha));
}

TEST_F(BlobStoreTest, PutGetRoundTrip) {
  BlobStore store = OpenStore();
  std::vector<uint8_t> blob = RandomBytes(3 << 20, 7);
  auto hex = store.Put(blob);
  ASSERT_TRUE(hex.ok()) << hex.status().message();
  EXPECT_EQ(*hex, Sha256Hex(blob));
  auto back = store.Get(*hex);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, blob);

  auto abc = store.Put(Bytes("abc"));
  ASSERT_TRUE(abc.ok());
  auto abc_back = store.Get(kAbcSha);
  ASSERT_TRUE(abc_back.ok());
  EXPECT_EQ(std::string(abc_back->begin(), abc_back->end()), "abc");

  // Reopening finds what was stored.
  BlobStore again = OpenStore();
  auto reread = again.Get(*hex);
  ASSERT_TRUE(reread.ok()) << reread.status().message();
  EXPECT_EQ(*reread, blob);
}

TEST_F(BlobStoreTest, GetOfAbsentBlobIsNotFound) {
  BlobStore store = OpenStore();
  EXPECT_EQ(store.Get(kAbcSha).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(store.Contains(kAbcSha));
}

TEST_F(BlobStoreTest, PutIsIdempotent) {
  BlobStore store = OpenStore();
  auto first = store.Put(Bytes("model bytes"));
  ASSERT_TRUE(first.ok());
  const std::string path = *store.PathOf(*first);
  struct stat before;
  ASSERT_EQ(stat(path.c_str(), &before), 0);
  auto second = store.Put(Bytes("model bytes"));
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(*second, *first);
  struct stat after;
  ASSERT_EQ(stat(path.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the blob was rewritten";
  EXPECT_EQ(AllFiles(dir_).size(), 1u);
}

TEST_F(BlobStoreTest, ConcurrentPutsOfTheSameBlob) {
  BlobStore store = OpenStore();
  std::vector<uint8_t> blob = RandomBytes(1 << 20, 11);
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto hex = store.Put(blob);
      results[i] = hex.ok() ? *hex : hex.status().message();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, Sha256Hex(blob));
  auto files = AllFiles(dir_);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(fs::file_size(files[0]), blob.size());
}

TEST_F(BlobStoreTest, FilesAreCreatedWithMode0644) {
  mode_t old_mask = umask(022);
  BlobStore store = OpenStore();
  auto hex = store.Put(Bytes("abc"));
  umask(old_mask);
  ASSERT_TRUE(hex.ok());
  struct stat st;
  ASSERT_EQ(stat(store.PathOf(*hex)->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(BlobStoreTest, HostileHexArgumentsAreRefused) {
  BlobStore store = OpenStore();
  ASSERT_TRUE(store.Put(Bytes("abc")).ok());
  // A file outside the store that a traversal would reach.
  std::ofstream(dir_ / "secret") << "secret";

  std::string upper = kAbcSha;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  std::string with_nul = kAbcSha;
  with_nul[10] = '\0';
  std::string traversal_64 = "../../" + std::string(kAbcSha).substr(0, 58);
  ASSERT_EQ(traversal_64.size(), 64u);
  std::string slash_64 = std::string(kAbcSha).substr(0, 63);
  slash_64[2] = '/';
  slash_64 += 'a';
  const std::vector<std::string> hostile = {
      "",
      "..",
      "/",
      "../../etc/passwd",
      "../secret",
      "/etc/passwd",
      upper,
      std::string(kAbcSha).substr(0, 63),
      std::string(kAbcSha) + "0",
      with_nul,
      traversal_64,
      slash_64,
      std::string(64, 'g'),
      std::string(kAbcSha).substr(0, 63) + " ",
  };
  for (const std::string& h : hostile) {
    SCOPED_TRACE(testing::PrintToString(h));
    EXPECT_FALSE(BlobStore::IsValidHex(h));
    EXPECT_EQ(store.Get(h).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store.PathOf(h).status().code(), StatusCode::kInvalidArgument);
    EXPECT_FALSE(store.Contains(h));
  }
  EXPECT_TRUE(BlobStore::IsValidHex(kAbcSha));
}

TEST_F(BlobStoreTest, CorruptedBlobIsDetectedOnGet) {
  BlobStore store = OpenStore();
  std::vector<uint8_t> blob = RandomBytes(4096, 3);
  auto hex = store.Put(blob);
  ASSERT_TRUE(hex.ok());
  const std::string path = *store.PathOf(*hex);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    char c = static_cast<char>(blob[1000] ^ 0x01);
    f.write(&c, 1);
  }
  auto got = store.Get(*hex);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kInternal);
  EXPECT_NE(got.status().message().find("corrupt"), std::string::npos)
      << got.status().message();

  // Putting the same bytes again repairs it.
  ASSERT_TRUE(store.Put(blob).ok());
  auto repaired = store.Get(*hex);
  ASSERT_TRUE(repaired.ok()) << repaired.status().message();
  EXPECT_EQ(*repaired, blob);

  // A truncated blob is corrupt too.
  fs::resize_file(path, 100);
  EXPECT_EQ(store.Get(*hex).status().code(), StatusCode::kInternal);

  // So is a symlink under a final name (it is not followed).
  fs::remove(path);
  std::ofstream(dir_ / "elsewhere", std::ios::binary)
      .write(reinterpret_cast<const char*>(blob.data()), blob.size());
  fs::create_symlink(dir_ / "elsewhere", path);
  EXPECT_EQ(store.Get(*hex).status().code(), StatusCode::kInternal);
}

TEST_F(BlobStoreTest, SizeLimitIsCheckedBeforeWriting) {
  BlobStore store = OpenStore({.max_blob_bytes = 16});
  std::string at_limit(16, 'a');
  std::string over(17, 'b');
  EXPECT_TRUE(store.Put(Bytes(at_limit)).ok());
  auto refused = store.Put(Bytes(over));
  EXPECT_EQ(refused.status().code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(store.Contains(Sha256Hex(Bytes(over))));
  EXPECT_EQ(AllFiles(dir_).size(), 1u);  // only the blob at the limit

  const fs::path file = dir_.string() + "_upload";
  std::ofstream(file) << over;
  EXPECT_EQ(store.PutFile(file.string()).status().code(),
            StatusCode::kOutOfRange);
  fs::remove(file);
  EXPECT_EQ(AllFiles(dir_).size(), 1u);
}

TEST_F(BlobStoreTest, PutFile) {
  BlobStore store = OpenStore();
  const fs::path file = dir_.string() + "_upload";
  std::ofstream(file) << "abc";
  auto hex = store.PutFile(file.string());
  fs::remove(file);
  ASSERT_TRUE(hex.ok()) << hex.status().message();
  EXPECT_EQ(*hex, kAbcSha);
  EXPECT_TRUE(store.Contains(kAbcSha));
  EXPECT_EQ(store.PutFile(file.string()).status().code(),
            StatusCode::kNotFound);
}

TEST_F(BlobStoreTest, OpenRefusesBadDirectories) {
  EXPECT_EQ(BlobStore::Open("").status().code(), StatusCode::kInvalidArgument);
  fs::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  EXPECT_FALSE(BlobStore::Open((dir_ / "file").string()).ok());
}

TEST_F(BlobStoreTest, OpenCleansLeftoverTempFiles) {
  {
    BlobStore store = OpenStore();
    ASSERT_TRUE(store.Put(Bytes("abc")).ok());
  }
  const fs::path shard_temp =
      dir_ / "ba" / (std::string(kAbcSha) + ".tmp-123-4-00000000deadbeef");
  const fs::path other_shard_temp =
      dir_ / "e3" / (std::string(kEmptySha) + ".tmp-9-9-1");
  const fs::path root_temp = dir_ / "stray.tmp-1";
  const fs::path unrelated = dir_ / "README";
  fs::create_directories(dir_ / "e3");
  std::ofstream(shard_temp) << "partial";
  std::ofstream(other_shard_temp) << "";
  std::ofstream(root_temp) << "partial";
  std::ofstream(unrelated) << "keep me";

  BlobStore store = OpenStore();
  EXPECT_FALSE(fs::exists(shard_temp));
  EXPECT_FALSE(fs::exists(other_shard_temp));
  EXPECT_FALSE(fs::exists(root_temp));
  EXPECT_TRUE(fs::exists(unrelated));
  auto abc = store.Get(kAbcSha);
  ASSERT_TRUE(abc.ok()) << abc.status().message();
  EXPECT_EQ(abc->size(), 3u);
}

// Forks a child that Puts a large blob and SIGKILLs it after a seeded random
// delay; after every trial, every file under a final name must be complete
// (its size and its SHA-256 match its name).
TEST_F(BlobStoreTest, KilledPutNeverLeavesAPartialFinalFile) {
  constexpr size_t kBlobBytes = 8 << 20;
  constexpr int kTrials = 20;
  BlobStore store = OpenStore();

  // Calibrate the delays on how long one Put takes here.
  std::vector<uint8_t> calibration = RandomBytes(kBlobBytes, 1000);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store.Put(calibration).ok());
  auto put_us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  std::set<std::string> known = {Sha256Hex(calibration)};

  std::mt19937 rng(20240531);
  std::uniform_int_distribution<long> delay_us(0, put_us * 3 / 2 + 1000);
  int killed = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<uint8_t> blob = RandomBytes(kBlobBytes, trial);
    known.insert(Sha256Hex(blob));
    const long delay = delay_us(rng);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Child: no gtest code, only the Put.
      Result<std::string> hex = store.Put(blob);
      _exit(hex.ok() ? 0 : 1);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay));
    kill(pid, SIGKILL);
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    if (WIFSIGNALED(wstatus)) {
      ++killed;
    } else {
      EXPECT_EQ(WEXITSTATUS(wstatus), 0) << "Put failed in trial " << trial;
    }

    for (const fs::path& file : AllFiles(dir_)) {
      if (IsTemp(file)) continue;
      const std::string name = file.filename().string();
      SCOPED_TRACE("trial " + std::to_string(trial) + ": " + file.string());
      ASSERT_TRUE(known.count(name)) << "unexpected final name";
      EXPECT_EQ(file.parent_path().filename().string(), name.substr(0, 2));
      EXPECT_EQ(fs::file_size(file), kBlobBytes);
      auto actual = Sha256HexOfFile(file.string());
      ASSERT_TRUE(actual.ok());
      EXPECT_EQ(*actual, name) << "partial or wrong bytes under a final name";
    }
  }
  EXPECT_GT(killed, 0) << "no trial interrupted a Put; delays too long";
  std::printf("[          ] %d of %d Puts killed (one Put took %ld us)\n",
              killed, kTrials, static_cast<long>(put_us));

  // Reopening removes the killed children's temp files; every trial's blob
  // can then be stored and read back intact.
  BlobStore reopened = OpenStore();
  for (const fs::path& file : AllFiles(dir_))
    EXPECT_FALSE(IsTemp(file)) << file;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<uint8_t> blob = RandomBytes(kBlobBytes, trial);
    auto hex = reopened.Put(blob);
    ASSERT_TRUE(hex.ok()) << hex.status().message();
    auto back = reopened.Get(*hex);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_TRUE(*back == blob);
  }
}

}  // namespace
}  // namespace mai::server
