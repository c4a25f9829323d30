#include "cli/session_setup.h"

#include <filesystem>

#include "core/npy.h"

namespace mai::cli {

Result<InputSpec> ParseInputFlag(const std::string& flag) {
  InputSpec spec;
  size_t eq = flag.find('=');
  if (eq == std::string::npos) {
    spec.path = flag;
  } else {
    spec.name_or_index = flag.substr(0, eq);
    spec.path = flag.substr(eq + 1);
  }
  if (spec.path.empty())
    return InvalidArgument("--input '{}' names no file", flag);
  return spec;
}

namespace {

Result<int> ResolveInput(const Session& session, const std::string& key,
                         int next) {
  std::vector<TensorInfo> infos = session.inputs();
  if (key.empty()) {
    if (next >= static_cast<int>(infos.size())) {
      return InvalidArgument("more --input files than the model's {} inputs",
                             infos.size());
    }
    return next;
  }
  for (size_t i = 0; i < infos.size(); ++i) {
    if (infos[i].name == key) return static_cast<int>(i);
  }
  bool numeric =
      !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
  if (numeric && key.size() < 6 &&
      std::stoi(key) < static_cast<int>(infos.size())) {
    return std::stoi(key);
  }
  std::string names;
  for (const TensorInfo& info : infos)
    names += (names.empty() ? "" : ", ") + info.name;
  return InvalidArgument("model has no input '{}' (inputs: {})", key, names);
}

bool IsNpy(const std::string& path) {
  return std::filesystem::path(path).extension() == ".npy";
}

}  // namespace

Status PrepareAndFillInputs(Session& session,
                            const std::vector<InputSpec>& inputs,
                            uint32_t seed) {
  std::vector<std::vector<uint8_t>> data(session.num_inputs());
  std::vector<bool> given(session.num_inputs(), false);
  int next = 0;
  for (const InputSpec& spec : inputs) {
    MAI_ASSIGN_OR_RETURN(int i,
                         ResolveInput(session, spec.name_or_index, next));
    next = i + 1;
    if (given[i]) return InvalidArgument("input {} given twice", i);
    MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(spec.path));
    if (IsNpy(spec.path)) {
      auto npy = ParseNpy(bytes);
      if (!npy.ok()) return npy.status().WithContext(spec.path);
      TensorInfo info = session.inputs()[i];
      if (npy->dtype != info.dtype) {
        return InvalidArgument("{}: dtype {} but input '{}' is {}", spec.path,
                               DTypeName(npy->dtype), info.name,
                               DTypeName(info.dtype));
      }
      if (npy->shape != info.shape) {
        MAI_RETURN_IF_ERROR(
            session.ResizeInput(i, npy->shape).WithContext(spec.path));
      }
      data[i] = std::move(npy->data);
    } else {
      data[i] = std::move(bytes);
    }
    given[i] = true;
  }
  MAI_RETURN_IF_ERROR(session.Prepare());
  for (int i = 0; i < session.num_inputs(); ++i) {
    if (given[i]) {
      MAI_RETURN_IF_ERROR(session.SetInput(i, data[i]));
    } else {
      FillDeterministic(session.inputs()[i].dtype, seed, i,
                        session.input_data(i));
    }
  }
  return Status::Ok();
}

}  // namespace mai::cli
