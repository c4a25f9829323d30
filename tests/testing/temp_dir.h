// A private temporary directory for a test (mkdtemp), removed with its
// contents when the object goes away. path() is empty if creation failed.
#ifndef MAI_TESTS_TESTING_TEMP_DIR_H_
#define MAI_TESTS_TESTING_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace mai::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "mai_test") {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX"))
            .string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace mai::testing

#endif  // MAI_TESTS_TESTING_TEMP_DIR_H_
