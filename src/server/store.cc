#include "server/store.h"

#include <array>
#include <utility>

namespace mai::server {
namespace {

template <typename E, size_t N>
Result<E> ParseName(std::string_view name,
                    const std::array<std::pair<E, const char*>, N>& names,
                    const char* what) {
  for (const auto& [value, text] : names) {
    if (name == text) return value;
  }
  std::string known;
  for (const auto& [value, text] : names) {
    known += (known.empty() ? "" : ", ") + std::string(text);
  }
  return InvalidArgument("unknown {} '{}' (known: {})", what, name, known);
}

template <typename E, size_t N>
const char* NameOf(E value,
                   const std::array<std::pair<E, const char*>, N>& names) {
  for (const auto& [v, text] : names) {
    if (v == value) return text;
  }
  return "?";
}

constexpr std::array<std::pair<Role, const char*>, 2> kRoles = {{
    {Role::kParticipant, "participant"},
    {Role::kAdmin, "admin"},
}};
constexpr std::array<std::pair<TokenKind, const char*>, 2> kTokenKinds = {{
    {TokenKind::kParticipant, "participant"},
    {TokenKind::kAgent, "agent"},
}};
constexpr std::array<std::pair<JobKind, const char*>, 3> kJobKinds = {{
    {JobKind::kRuntime, "runtime"},
    {JobKind::kFidelity, "fidelity"},
    {JobKind::kSustained, "sustained"},
}};
constexpr std::array<std::pair<JobState, const char*>, 6> kJobStates = {{
    {JobState::kQueued, "queued"},
    {JobState::kLeased, "leased"},
    {JobState::kRunning, "running"},
    {JobState::kSucceeded, "succeeded"},
    {JobState::kFailed, "failed"},
    {JobState::kCancelled, "cancelled"},
}};

}  // namespace

const char* RoleName(Role role) { return NameOf(role, kRoles); }
const char* TokenKindName(TokenKind kind) { return NameOf(kind, kTokenKinds); }
const char* JobKindName(JobKind kind) { return NameOf(kind, kJobKinds); }
const char* JobStateName(JobState state) { return NameOf(state, kJobStates); }

Result<Role> ParseRole(std::string_view name) {
  return ParseName(name, kRoles, "role");
}
Result<TokenKind> ParseTokenKind(std::string_view name) {
  return ParseName(name, kTokenKinds, "token kind");
}
Result<JobKind> ParseJobKind(std::string_view name) {
  return ParseName(name, kJobKinds, "job kind");
}
Result<JobState> ParseJobState(std::string_view name) {
  return ParseName(name, kJobStates, "job state");
}

bool IsFinished(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

}  // namespace mai::server
