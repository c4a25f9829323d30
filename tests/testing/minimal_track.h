// The smallest valid fidelity track (challenge/track.h), for tests that
// change one field before parsing: one metric (PSNR), scored
// "PSNR - runtime_ms", id "t".
#ifndef MAI_TESTS_TESTING_MINIMAL_TRACK_H_
#define MAI_TESTS_TESTING_MINIMAL_TRACK_H_

#include <nlohmann/json.hpp>

namespace mai::testing {

inline nlohmann::json MinimalTrack() {
  return nlohmann::json::parse(R"({
    "schema": "mai.track/1", "id": "t", "title": "T", "task": "denoising",
    "source": "test",
    "model": {"input": {"shape": [1, -1, -1, 3]},
              "output": {"shape": [1, -1, -1, 3]}},
    "data": {"input_dir": "a", "target_dir": "b"},
    "metrics": [{"name": "PSNR", "metric": "psnr"}],
    "score": {"formula": "PSNR - runtime_ms"}
  })");
}

}  // namespace mai::testing

#endif  // MAI_TESTS_TESTING_MINIMAL_TRACK_H_
