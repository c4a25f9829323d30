// Status and Result<T>: how every fallible engine function reports errors.
//
// The engine never throws and never aborts on bad input. A function that can
// fail returns `Status` (no value) or `Result<T>` (a value or an error). The
// message is one line and carries context (model, node index, op, tensor) so
// a user can act on it:
//
//   Result<Graph> graph = ReadModel(bytes);
//   if (!graph.ok()) { fmt::print(stderr, "{}\n", graph.status().message()); }
//
// Helpers MAI_RETURN_IF_ERROR / MAI_ASSIGN_OR_RETURN propagate errors.
#ifndef MAI_CORE_STATUS_H_
#define MAI_CORE_STATUS_H_

#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace mai {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // a caller passed something wrong (flag, shape, file)
  kInvalidModel,     // the model file is malformed or inconsistent
  kUnimplemented,    // valid, but mai does not support it (op, dtype)
  kNotFound,         // a file, tensor or op that does not exist
  kOutOfRange,       // an index or size beyond a limit
  kIoError,          // the OS refused a read/write/mmap
  kConflict,         // the request conflicts with the current state (a
                     // stale lease, a name already taken): nothing changed
  kInternal,         // a bug in mai
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename... Args>
Status InvalidArgument(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kInvalidArgument,
                fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Status InvalidModel(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kInvalidModel,
                fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Status Unimplemented(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kUnimplemented,
                fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Status NotFound(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kNotFound,
                fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Status OutOfRange(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kOutOfRange,
                fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Status IoError(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kIoError,
                fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Status Conflict(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kConflict,
                fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Status Internal(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kInternal,
                fmt::format(f, std::forward<Args>(args)...));
}

// A value of type T or an error Status. Accessing value() of an error is a
// programming bug (checked in debug builds only); always test ok() first.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Internal("Result constructed from OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace mai

#define MAI_STATUS_CONCAT_INNER_(a, b) a##b
#define MAI_STATUS_CONCAT_(a, b) MAI_STATUS_CONCAT_INNER_(a, b)

// Returns from the current function if `expr` (a Status) is not OK.
#define MAI_RETURN_IF_ERROR(expr)                      \
  do {                                                 \
    ::mai::Status mai_status_tmp_ = (expr);            \
    if (!mai_status_tmp_.ok()) return mai_status_tmp_; \
  } while (0)

// `lhs = value of expr (a Result<T>)`, or returns its error.
#define MAI_ASSIGN_OR_RETURN(lhs, expr)                                      \
  MAI_ASSIGN_OR_RETURN_IMPL_(MAI_STATUS_CONCAT_(mai_result_, __LINE__), lhs, \
                             expr)
#define MAI_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

#endif  // MAI_CORE_STATUS_H_
