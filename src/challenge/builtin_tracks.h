// The track files of tracks/*.json, embedded at build time
// (cmake/embed_tracks.cmake writes the definition).
#ifndef MAI_CHALLENGE_BUILTIN_TRACKS_H_
#define MAI_CHALLENGE_BUILTIN_TRACKS_H_

#include <string_view>
#include <vector>

namespace mai::challenge {

struct BuiltinTrackSource {
  std::string_view file;  // name under tracks/
  std::string_view json;  // its text
};

const std::vector<BuiltinTrackSource>& BuiltinTrackSources();

}  // namespace mai::challenge

#endif  // MAI_CHALLENGE_BUILTIN_TRACKS_H_
