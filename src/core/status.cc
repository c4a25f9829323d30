#include "core/status.h"

namespace mai {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kInvalidModel:
      return "invalid model";
    case StatusCode::kUnimplemented:
      return "unimplemented";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kOutOfRange:
      return "out of range";
    case StatusCode::kIoError:
      return "I/O error";
    case StatusCode::kConflict:
      return "conflict";
    case StatusCode::kInternal:
      return "internal error";
  }
  return "unknown";
}

}  // namespace mai
