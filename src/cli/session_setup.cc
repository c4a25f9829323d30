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

Result<TfliteInputFlags> ParseTfliteInputFlags(
    const std::string& input_layer, const std::string& input_layer_shape,
    const std::string& input_layer_value_files) {
  auto split = [](const std::string& s, char sep) {
    std::vector<std::string> parts;
    if (s.empty()) return parts;
    size_t pos = 0;
    while (true) {
      size_t next = s.find(sep, pos);
      parts.push_back(s.substr(pos, next - pos));
      if (next == std::string::npos) break;
      pos = next + 1;
    }
    return parts;
  };
  TfliteInputFlags flags;
  const std::vector<std::string> names = split(input_layer, ',');
  const std::vector<std::string> shapes = split(input_layer_shape, ':');
  if (!shapes.empty() && shapes.size() != names.size()) {
    return InvalidArgument(
        "--input_layer_shape has {} shapes for {} --input_layer names",
        shapes.size(), names.size());
  }
  for (size_t i = 0; i < shapes.size(); ++i) {
    Shape shape;
    for (const std::string& d : split(shapes[i], ',')) {
      const bool digits =
          !d.empty() && d.size() < 10 &&
          d.find_first_not_of("0123456789") == std::string::npos;
      if (!digits) {
        return InvalidArgument("--input_layer_shape '{}': '{}' is not a size",
                               shapes[i], d);
      }
      shape.push_back(std::stoi(d));
    }
    if (names[i].empty())
      return InvalidArgument("--input_layer has an empty name");
    flags.shapes.emplace_back(names[i], shape);
  }
  for (const std::string& item : split(input_layer_value_files, ',')) {
    const size_t colon = item.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == item.size()) {
      return InvalidArgument(
          "--input_layer_value_files item '{}' is not NAME:FILE", item);
    }
    flags.files.push_back({item.substr(0, colon), item.substr(colon + 1)});
  }
  return flags;
}

Status PrepareAndFillInputs(
    Session& session, const std::vector<InputSpec>& inputs, uint32_t seed,
    const std::vector<std::pair<std::string, Shape>>& shapes) {
  for (const auto& [key, shape] : shapes) {
    MAI_ASSIGN_OR_RETURN(int i, ResolveInput(session, key, 0));
    MAI_RETURN_IF_ERROR(session.ResizeInput(i, shape));
  }
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
