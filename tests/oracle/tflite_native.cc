#include "oracle/tflite_native.h"

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

namespace mai::testing {
namespace {

// The C API's opaque types and the few enum values used here (TFLite's
// c_api.h / c_api_types.h, stable since 2.2).
struct TfLiteModel;
struct TfLiteInterpreterOptions;
struct TfLiteInterpreter;
struct TfLiteTensor;
struct TfLiteDelegate;
constexpr int kTfLiteOk = 0;

// TfLiteType values, in order, as dtype names ("" where mai has none).
constexpr const char* kTypeNames[] = {
    "",     "float32", "int32", "uint8", "int64",   "",
    "bool", "int16",   "",      "int8",  "float16", "float64",
    "",     "uint64",  "",      "",      "uint32",  "uint16"};

std::string CacheDir() {
  if (const char* dir = std::getenv("MAI_CACHE_DIR"); dir && *dir) return dir;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.cache/mai";
}

// Collects TFLite's error log of one run.
void ReportError(void* user_data, const char* format, va_list args) {
  char line[1024];
  std::vsnprintf(line, sizeof line, format, args);
  auto* log = static_cast<std::string*>(user_data);
  if (!log->empty()) *log += "; ";
  *log += line;
}

}  // namespace

struct TfliteNative::Api {
  void* handle = nullptr;
  const char* (*version)();
  TfLiteModel* (*model_create)(const void*, size_t);
  void (*model_delete)(TfLiteModel*);
  TfLiteInterpreterOptions* (*options_create)();
  void (*options_delete)(TfLiteInterpreterOptions*);
  void (*options_set_threads)(TfLiteInterpreterOptions*, int32_t);
  void (*options_add_delegate)(TfLiteInterpreterOptions*, TfLiteDelegate*);
  void (*options_set_error_reporter)(TfLiteInterpreterOptions*,
                                     void (*)(void*, const char*, va_list),
                                     void*);
  TfLiteInterpreter* (*interpreter_create)(const TfLiteModel*,
                                           const TfLiteInterpreterOptions*);
  void (*interpreter_delete)(TfLiteInterpreter*);
  int (*allocate_tensors)(TfLiteInterpreter*);
  int (*invoke)(TfLiteInterpreter*);
  int32_t (*input_count)(const TfLiteInterpreter*);
  TfLiteTensor* (*input_tensor)(const TfLiteInterpreter*, int32_t);
  int32_t (*output_count)(const TfLiteInterpreter*);
  const TfLiteTensor* (*output_tensor)(const TfLiteInterpreter*, int32_t);
  int (*tensor_type)(const TfLiteTensor*);
  int32_t (*tensor_num_dims)(const TfLiteTensor*);
  int32_t (*tensor_dim)(const TfLiteTensor*, int32_t);
  size_t (*tensor_byte_size)(const TfLiteTensor*);
  void* (*tensor_data)(const TfLiteTensor*);
  const char* (*tensor_name)(const TfLiteTensor*);
  TfLiteDelegate* (*xnnpack_create)(const void* options);
  void (*xnnpack_delete)(TfLiteDelegate*);
};

const char* NativeKernelsName(NativeKernels kernels) {
  return kernels == NativeKernels::kBuiltin ? "builtin" : "xnnpack";
}

std::string TfliteNativeLibraryPath() {
  if (const char* p = std::getenv("MAI_TFLITE_NATIVE_LIB"); p && *p) return p;
  return CacheDir() + "/tflite-native/libtensorflowlite_c.so";
}

TfliteNative::TfliteNative(std::unique_ptr<Api> api) : api_(std::move(api)) {}
TfliteNative::~TfliteNative() = default;  // never dlclose (see header)

Result<std::unique_ptr<TfliteNative>> TfliteNative::Load(
    const std::string& library_path) {
  const std::string path =
      library_path.empty() ? TfliteNativeLibraryPath() : library_path;
  if (!std::filesystem::exists(path)) {
    return NotFound("{} not found (run scripts/fetch_models.sh)", path);
  }
  auto api = std::make_unique<Api>();
  api->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (api->handle == nullptr) {
    return NotFound("cannot load {}: {}", path, dlerror());
  }
  std::string missing;
  auto bind = [&](auto& fn, const char* symbol) {
    void* p = dlsym(api->handle, symbol);
    if (p == nullptr)
      missing += std::string(missing.empty() ? "" : ", ") + symbol;
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
  };
  bind(api->version, "TfLiteVersion");
  bind(api->model_create, "TfLiteModelCreate");
  bind(api->model_delete, "TfLiteModelDelete");
  bind(api->options_create, "TfLiteInterpreterOptionsCreate");
  bind(api->options_delete, "TfLiteInterpreterOptionsDelete");
  bind(api->options_set_threads, "TfLiteInterpreterOptionsSetNumThreads");
  bind(api->options_add_delegate, "TfLiteInterpreterOptionsAddDelegate");
  bind(api->options_set_error_reporter,
       "TfLiteInterpreterOptionsSetErrorReporter");
  bind(api->interpreter_create, "TfLiteInterpreterCreate");
  bind(api->interpreter_delete, "TfLiteInterpreterDelete");
  bind(api->allocate_tensors, "TfLiteInterpreterAllocateTensors");
  bind(api->invoke, "TfLiteInterpreterInvoke");
  bind(api->input_count, "TfLiteInterpreterGetInputTensorCount");
  bind(api->input_tensor, "TfLiteInterpreterGetInputTensor");
  bind(api->output_count, "TfLiteInterpreterGetOutputTensorCount");
  bind(api->output_tensor, "TfLiteInterpreterGetOutputTensor");
  bind(api->tensor_type, "TfLiteTensorType");
  bind(api->tensor_num_dims, "TfLiteTensorNumDims");
  bind(api->tensor_dim, "TfLiteTensorDim");
  bind(api->tensor_byte_size, "TfLiteTensorByteSize");
  bind(api->tensor_data, "TfLiteTensorData");
  bind(api->tensor_name, "TfLiteTensorName");
  bind(api->xnnpack_create, "TfLiteXNNPackDelegateCreate");
  bind(api->xnnpack_delete, "TfLiteXNNPackDelegateDelete");
  if (!missing.empty()) {
    return NotFound("{} is not a TFLite C library with XNNPACK (missing {})",
                    path, missing);
  }
  return std::unique_ptr<TfliteNative>(new TfliteNative(std::move(api)));
}

std::string TfliteNative::Version() const { return api_->version(); }

Result<std::vector<OracleTensor>> TfliteNative::Run(
    const std::vector<uint8_t>& model_bytes,
    const std::vector<std::vector<uint8_t>>& inputs, NativeKernels kernels) {
  std::lock_guard<std::mutex> lock(mu_);
  const Api& api = *api_;
  std::string log;
  // Owners of the C objects, released in reverse order on every path.
  std::unique_ptr<TfLiteModel, void (*)(TfLiteModel*)> model(
      api.model_create(model_bytes.data(), model_bytes.size()),
      api.model_delete);
  if (model == nullptr) return Unimplemented("TFLite refused the model file");
  std::unique_ptr<TfLiteInterpreterOptions, void (*)(TfLiteInterpreterOptions*)>
      options(api.options_create(), api.options_delete);
  api.options_set_threads(options.get(), 1);
  api.options_set_error_reporter(options.get(), ReportError, &log);
  std::unique_ptr<TfLiteDelegate, void (*)(TfLiteDelegate*)> delegate(
      nullptr, api.xnnpack_delete);
  if (kernels == NativeKernels::kXnnpack) {
    // TfLiteXNNPackDelegateOptions of TFLite 2.9 begins {int32 num_threads;
    // uint32 flags; ...}; later fields are zero (their defaults). Flags QS8
    // and QU8 (1 | 2): this build's defaults leave int8 ops to the builtin
    // kernels.
    uint32_t xnnpack_options[16] = {};
    xnnpack_options[0] = 1;
    xnnpack_options[1] = 1 | 2;
    delegate.reset(api.xnnpack_create(xnnpack_options));
    if (delegate == nullptr) return Internal("cannot create XNNPACK delegate");
    api.options_add_delegate(options.get(), delegate.get());
  }
  std::unique_ptr<TfLiteInterpreter, void (*)(TfLiteInterpreter*)> interpreter(
      api.interpreter_create(model.get(), options.get()),
      api.interpreter_delete);
  if (interpreter == nullptr) {
    return Unimplemented("TFLite cannot build an interpreter: {}", log);
  }
  if (api.allocate_tensors(interpreter.get()) != kTfLiteOk) {
    return Unimplemented("TFLite cannot allocate tensors: {}", log);
  }
  const int num_inputs = api.input_count(interpreter.get());
  if (num_inputs != static_cast<int>(inputs.size())) {
    return InvalidArgument("model has {} inputs, {} given", num_inputs,
                           inputs.size());
  }
  for (int i = 0; i < num_inputs; ++i) {
    TfLiteTensor* t = api.input_tensor(interpreter.get(), i);
    if (api.tensor_byte_size(t) != inputs[i].size()) {
      return InvalidArgument("input {} has {} bytes, {} given", i,
                             api.tensor_byte_size(t), inputs[i].size());
    }
    std::copy(inputs[i].begin(), inputs[i].end(),
              static_cast<uint8_t*>(api.tensor_data(t)));
  }
  if (api.invoke(interpreter.get()) != kTfLiteOk) {
    return Unimplemented("TFLite failed to run the model: {}", log);
  }
  std::vector<OracleTensor> outputs;
  for (int i = 0; i < api.output_count(interpreter.get()); ++i) {
    const TfLiteTensor* t = api.output_tensor(interpreter.get(), i);
    const int type = api.tensor_type(t);
    OracleTensor out;
    out.name = api.tensor_name(t) ? api.tensor_name(t) : "";
    out.dtype = type >= 0 && type < static_cast<int>(std::size(kTypeNames))
                    ? kTypeNames[type]
                    : "";
    if (out.dtype.empty()) {
      return Unimplemented("output {} has TfLiteType {}, not readable", i,
                           type);
    }
    for (int d = 0; d < api.tensor_num_dims(t); ++d) {
      out.shape.push_back(api.tensor_dim(t, d));
    }
    const auto* data = static_cast<const uint8_t*>(api.tensor_data(t));
    out.data.assign(data, data + api.tensor_byte_size(t));
    outputs.push_back(std::move(out));
  }
  return outputs;
}

TfliteNative* SharedTfliteNative(std::string* why_unavailable) {
  static std::once_flag once;
  static std::unique_ptr<TfliteNative> native;
  static std::string why;
  std::call_once(once, [] {
    auto loaded = TfliteNative::Load();
    if (loaded.ok()) {
      native = std::move(*loaded);
    } else {
      why = loaded.status().message();
    }
  });
  if (native == nullptr && why_unavailable != nullptr) *why_unavailable = why;
  return native.get();
}

}  // namespace mai::testing
