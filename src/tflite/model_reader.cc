#include "tflite/model_reader.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <span>

#include "tflite/builtin_options.h"
#include "tflite/model_storage.h"
#include "tflite/quantization.h"
#include "tflite/read_budget.h"
#include "tflite/schema/tflite_schema_generated.h"
#include "tflite/sparsity.h"

namespace mai::tflite {
namespace {

using ir::OpCode;

constexpr uint32_t kSchemaVersion = 3;
// Verifier limits: nesting is shallow in this schema; the table count bounds
// verification work.
constexpr flatbuffers::uoffset_t kMaxVerifierDepth = 64;
constexpr flatbuffers::uoffset_t kMaxVerifierTables = 1u << 24;
constexpr size_t kMaxFlatbufferBytes = FLATBUFFERS_MAX_BUFFER_SIZE - 1;
// Highest tensor rank accepted (TFLite kernels stop at 6 to 8 dims).
constexpr size_t kMaxRank = 16;

struct OpInfo {
  OpCode op = OpCode::kAdd;
  int32_t version = 1;
  std::string custom_name;
};

// State shared by all subgraphs of one file.
class ModelReader {
 public:
  ModelReader(std::shared_ptr<const ir::ModelStorage> storage)
      : storage_(std::move(storage)),
        file_(storage_->data()),
        file_size_(storage_->size()),
        budget_(file_size_) {}

  Result<ir::Model> Read();

 private:
  Status ReadBuffers();
  Status ReadOperatorCodes();
  Status ReadSubgraph(const fb::SubGraph& sg, int index, ir::Graph& graph);
  Status ReadTensor(const fb::Tensor& t, ir::Tensor& tensor);
  Status SetConstantData(uint32_t buffer, ir::Tensor& tensor);
  Status ReadOperator(const fb::Operator& op, const ir::Graph& graph, int index,
                      ir::Node& node);
  Status ReadIndices(const flatbuffers::Vector<int32_t>* in,
                     std::vector<int32_t>& out);
  Status ReadSignatures(ir::Model& model);
  Status ReadMetadata(ir::Model& model);
  Result<std::string> ReadString(const flatbuffers::String* s);

  std::shared_ptr<const ir::ModelStorage> storage_;
  const uint8_t* file_;
  size_t file_size_;
  ReadBudget budget_;
  const fb::Model* model_ = nullptr;
  std::vector<std::span<const uint8_t>> buffers_;
  // Aligned copies of buffers whose bytes are misaligned in the file, made
  // once per buffer and shared by the tensors that use it.
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> aligned_copies_;
  std::vector<OpInfo> opcodes_;
};

Result<std::string> ModelReader::ReadString(const flatbuffers::String* s) {
  if (s == nullptr) return std::string();
  MAI_RETURN_IF_ERROR(budget_.Spend(s->size(), 1));
  return s->str();
}

Status ModelReader::ReadIndices(const flatbuffers::Vector<int32_t>* in,
                                std::vector<int32_t>& out) {
  if (in == nullptr) return Status::Ok();
  MAI_RETURN_IF_ERROR(budget_.Spend(in->size(), sizeof(int32_t)));
  out.assign(in->begin(), in->end());
  return Status::Ok();
}

Status ModelReader::ReadBuffers() {
  const auto* buffers = model_->buffers();
  if (buffers == nullptr) return Status::Ok();
  MAI_RETURN_IF_ERROR(
      budget_.Spend(buffers->size(), 2 * sizeof(buffers_[0]) + 16));
  buffers_.resize(buffers->size());
  aligned_copies_.resize(buffers->size());
  for (size_t i = 0; i < buffers->size(); ++i) {
    const fb::Buffer* b = buffers->Get(i);
    const auto* data = b->data();
    uint64_t offset = b->offset();
    if (offset > 1) {
      uint64_t size = b->size();
      if (data != nullptr && data->size() != 0) {
        return InvalidModel("buffer {} has both inline data and an offset", i);
      }
      if (offset > file_size_ || size > file_size_ - offset) {
        return InvalidModel(
            "buffer {}: {} bytes at offset {} lie past the end of the file ({} "
            "bytes)",
            i, size, offset, file_size_);
      }
      buffers_[i] = {file_ + offset, static_cast<size_t>(size)};
    } else if (data != nullptr) {
      buffers_[i] = {data->data(), data->size()};
    }
  }
  return Status::Ok();
}

Status ModelReader::ReadOperatorCodes() {
  const auto* codes = model_->operator_codes();
  if (codes == nullptr) return Status::Ok();
  MAI_RETURN_IF_ERROR(budget_.Spend(codes->size(), sizeof(OpInfo)));
  opcodes_.resize(codes->size());
  for (size_t i = 0; i < codes->size(); ++i) {
    const fb::OperatorCode* c = codes->Get(i);
    int32_t code =
        std::max<int32_t>(c->builtin_code(), c->deprecated_builtin_code());
    if (code < 0) {
      return InvalidModel("operator code {}: builtin code {} is negative", i,
                          code);
    }
    OpInfo& info = opcodes_[i];
    info.op = static_cast<OpCode>(code);
    info.version = c->version();
    if (info.version < 1) {
      return InvalidModel("operator code {} ({}): version {} is below 1", i,
                          ir::OpCodeName(info.op), info.version);
    }
    if (info.op == OpCode::kCustom) {
      if (c->custom_code() == nullptr || c->custom_code()->size() == 0) {
        return InvalidModel("operator code {}: CUSTOM op without a custom_code",
                            i);
      }
      MAI_ASSIGN_OR_RETURN(info.custom_name, ReadString(c->custom_code()));
    }
  }
  return Status::Ok();
}

// Bytes of `n` elements of `dtype` as stored (int4 packs two per byte);
// nullopt for types without a fixed size.
std::optional<int64_t> StoredBytes(DType dtype, int64_t n) {
  if (dtype == DType::kInt4) return (n + 1) / 2;
  size_t size = DTypeSize(dtype);
  if (size == 0) return std::nullopt;
  return n * static_cast<int64_t>(size);
}

Status ModelReader::ReadTensor(const fb::Tensor& t, ir::Tensor& tensor) {
  MAI_ASSIGN_OR_RETURN(tensor.name, ReadString(t.name()));
  int type = static_cast<int>(t.type());
  if (!IsValidDType(type)) return InvalidModel("unknown dtype {}", type);
  tensor.dtype = static_cast<DType>(type);
  if (t.shape() != nullptr && t.shape()->size() > kMaxRank) {
    return InvalidModel("rank {} exceeds the limit of {}", t.shape()->size(),
                        kMaxRank);
  }
  MAI_RETURN_IF_ERROR(ReadIndices(t.shape(), tensor.shape));
  for (int32_t d : tensor.shape) {
    if (d < 0)
      return InvalidModel("shape {} has a negative dim",
                          ShapeToString(tensor.shape));
  }
  auto elements = NumElements(tensor.shape);
  if (!elements.ok()) {
    return InvalidModel("shape {} has more than {} elements",
                        ShapeToString(tensor.shape), kMaxElements);
  }
  if (auto bytes = StoredBytes(tensor.dtype, *elements);
      bytes && *bytes > kMaxElements) {
    return InvalidModel(
        "shape {} of {} needs {} bytes, more than the limit of {}",
        ShapeToString(tensor.shape), DTypeName(tensor.dtype), *bytes,
        kMaxElements);
  }
  if (t.shape_signature() != nullptr && t.shape_signature()->size() != 0) {
    MAI_RETURN_IF_ERROR(
        ReadIndices(t.shape_signature(), tensor.shape_signature));
    if (tensor.shape_signature.size() != tensor.shape.size()) {
      return InvalidModel("shape_signature {} and shape {} differ in rank",
                          ShapeToString(tensor.shape_signature),
                          ShapeToString(tensor.shape));
    }
    for (size_t i = 0; i < tensor.shape.size(); ++i) {
      int32_t s = tensor.shape_signature[i];
      if (s < -1 || (s >= 0 && s != tensor.shape[i])) {
        return InvalidModel("shape_signature {} does not match shape {}",
                            ShapeToString(tensor.shape_signature),
                            ShapeToString(tensor.shape));
      }
    }
  }
  tensor.is_variable = t.is_variable();
  MAI_ASSIGN_OR_RETURN(tensor.quant,
                       ReadQuantization(t.quantization(), budget_));
  if (t.sparsity() != nullptr) {
    MAI_ASSIGN_OR_RETURN(ir::SparsityParams sparsity,
                         ReadSparsity(*t.sparsity(), budget_));
    tensor.sparsity = std::move(sparsity);
  }
  MAI_RETURN_IF_ERROR(SetConstantData(t.buffer(), tensor));
  return ValidateQuantization(tensor);
}

Status ModelReader::SetConstantData(uint32_t buffer, ir::Tensor& tensor) {
  if (buffer >= buffers_.size()) {
    return InvalidModel("buffer index {} is out of range ({} buffers)", buffer,
                        buffers_.size());
  }
  std::span<const uint8_t> bytes = buffers_[buffer];
  if (bytes.empty()) {
    if (tensor.sparsity) return InvalidModel("sparse tensor has no data");
    return Status::Ok();
  }
  if (tensor.sparsity) {
    MAI_RETURN_IF_ERROR(ValidateSparsity(
        *tensor.sparsity, tensor.shape, DTypeSize(tensor.dtype), bytes.size()));
  } else if (auto expected =
                 StoredBytes(tensor.dtype, NumElementsUnchecked(tensor.shape));
             expected && static_cast<uint64_t>(*expected) != bytes.size()) {
    return InvalidModel("constant has {} bytes, shape {} of {} needs {}",
                        bytes.size(), ShapeToString(tensor.shape),
                        DTypeName(tensor.dtype), *expected);
  }
  // Variables start from their own state, not from the buffer.
  if (tensor.is_variable) return Status::Ok();
  size_t align =
      std::max<size_t>(1, std::min<size_t>(DTypeSize(tensor.dtype), 16));
  if (reinterpret_cast<uintptr_t>(bytes.data()) % align == 0) {
    tensor.data = bytes.data();
    tensor.data_bytes = bytes.size();
    return Status::Ok();
  }
  if (aligned_copies_[buffer] == nullptr) {
    MAI_RETURN_IF_ERROR(budget_.Spend(bytes.size(), 1));
    aligned_copies_[buffer] = std::make_shared<const std::vector<uint8_t>>(
        bytes.begin(), bytes.end());
  }
  tensor.owned_data = aligned_copies_[buffer];
  tensor.data = tensor.owned_data->data();
  tensor.data_bytes = tensor.owned_data->size();
  return Status::Ok();
}

Status ModelReader::ReadOperator(const fb::Operator& op, const ir::Graph& graph,
                                 int index, ir::Node& node) {
  uint32_t opcode_index = op.opcode_index();
  if (opcode_index >= opcodes_.size()) {
    return InvalidModel(
        "node {}: opcode_index {} is out of range ({} operator codes)", index,
        opcode_index, opcodes_.size());
  }
  const OpInfo& info = opcodes_[opcode_index];
  node.op = info.op;
  node.version = info.version;
  MAI_RETURN_IF_ERROR(budget_.Spend(info.custom_name.size(), 1));
  node.custom_name = info.custom_name;
  std::string label = fmt::format("node {} ({})", index, node.OpName());
  const int num_tensors = static_cast<int>(graph.tensors.size());
  auto check = [&](const std::vector<int32_t>& indices, const char* what,
                   bool allow_absent) -> Status {
    for (size_t i = 0; i < indices.size(); ++i) {
      int32_t t = indices[i];
      if (t == ir::kNoTensor && allow_absent) continue;
      if (t < 0 || t >= num_tensors) {
        return InvalidModel(
            "{}: {} {} is tensor index {}, out of range ({} tensors)", label,
            what, i, t, num_tensors);
      }
    }
    return Status::Ok();
  };
  MAI_RETURN_IF_ERROR(ReadIndices(op.inputs(), node.inputs));
  MAI_RETURN_IF_ERROR(ReadIndices(op.outputs(), node.outputs));
  MAI_RETURN_IF_ERROR(ReadIndices(op.intermediates(), node.intermediates));
  MAI_RETURN_IF_ERROR(check(node.inputs, "input", true));
  MAI_RETURN_IF_ERROR(check(node.outputs, "output", false));
  MAI_RETURN_IF_ERROR(check(node.intermediates, "intermediate", false));

  std::span<const uint8_t> custom;
  uint64_t large_offset = op.large_custom_options_offset();
  if (large_offset > 1) {
    uint64_t size = op.large_custom_options_size();
    if (large_offset > file_size_ || size > file_size_ - large_offset) {
      return InvalidModel(
          "{}: {} bytes of custom options at offset {} lie past the end of the "
          "file ({} "
          "bytes)",
          label, size, large_offset, file_size_);
    }
    custom = {file_ + large_offset, static_cast<size_t>(size)};
  } else if (op.custom_options() != nullptr) {
    custom = {op.custom_options()->data(), op.custom_options()->size()};
  }
  if (!custom.empty()) {
    MAI_RETURN_IF_ERROR(budget_.Spend(custom.size(), 1));
    node.custom_options.assign(custom.begin(), custom.end());
  }
  auto params = ReadBuiltinOptions(op, node, graph, budget_);
  if (!params.ok()) return params.status().WithContext(label);
  node.params = std::move(params).value();
  return Status::Ok();
}

// Checks that the nodes, in order, form a valid data flow: every input is a
// graph input, a constant, a variable or the output of an earlier node; every
// tensor is produced at most once and never overwrites an input or constant;
// every graph output exists by the end. Zero-element tensors nobody produces
// count as (empty) constants.
Status ValidateDataFlow(ir::Graph& graph) {
  const int n = static_cast<int>(graph.tensors.size());
  constexpr int kGraphInput = -2, kConstant = -3, kNone = -1;
  // producer[t]: node index, or one of the markers above.
  std::vector<int> producer(n, kNone);
  for (int t = 0; t < n; ++t) {
    if (graph.tensors[t].is_constant()) producer[t] = kConstant;
  }
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    int t = graph.inputs[i];
    if (producer[t] == kConstant) {
      return InvalidModel("input {}: {} is a constant", i,
                          graph.TensorLabel(t));
    }
    if (producer[t] == kGraphInput) {
      return InvalidModel("input {}: {} is listed twice", i,
                          graph.TensorLabel(t));
    }
    producer[t] = kGraphInput;
  }
  // First producing node of every tensor, to explain out-of-order reads.
  std::vector<int> first_writer(n, kNone);
  for (int j = static_cast<int>(graph.nodes.size()) - 1; j >= 0; --j) {
    for (int32_t t : graph.nodes[j].outputs) first_writer[t] = j;
  }
  static const uint8_t kEmpty = 0;
  for (int j = 0; j < static_cast<int>(graph.nodes.size()); ++j) {
    const ir::Node& node = graph.nodes[j];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      int t = node.inputs[i];
      if (t == ir::kNoTensor || producer[t] != kNone) continue;
      ir::Tensor& tensor = graph.tensors[t];
      if (tensor.is_variable) continue;
      if (std::find(node.outputs.begin(), node.outputs.end(), t) !=
          node.outputs.end()) {
        return InvalidModel("{}: input {} reads its own output {}",
                            graph.NodeLabel(j), i, graph.TensorLabel(t));
      }
      if (first_writer[t] > j) {
        return InvalidModel(
            "{}: input {} reads {}, which {} produces later (cycle or wrong "
            "order)",
            graph.NodeLabel(j), i, graph.TensorLabel(t),
            graph.NodeLabel(first_writer[t]));
      }
      if (NumElementsUnchecked(tensor.shape) == 0 && !tensor.sparsity) {
        tensor.data = &kEmpty;
        tensor.data_bytes = 0;
        producer[t] = kConstant;
        continue;
      }
      return InvalidModel(
          "{}: input {} reads {}, which is no graph input, constant, variable "
          "or output of an "
          "earlier node",
          graph.NodeLabel(j), i, graph.TensorLabel(t));
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      int t = node.outputs[i];
      if (graph.tensors[t].is_variable) continue;
      int p = producer[t];
      if (p == kGraphInput) {
        return InvalidModel("{}: output {} writes graph input {}",
                            graph.NodeLabel(j), i, graph.TensorLabel(t));
      }
      if (p == kConstant) {
        return InvalidModel("{}: output {} writes constant {}",
                            graph.NodeLabel(j), i, graph.TensorLabel(t));
      }
      if (p != kNone) {
        return InvalidModel("{}: output {} writes {}, already produced by {}",
                            graph.NodeLabel(j), i, graph.TensorLabel(t),
                            graph.NodeLabel(p));
      }
      producer[t] = j;
    }
  }
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    int t = graph.outputs[i];
    if (producer[t] == kNone && !graph.tensors[t].is_variable) {
      return InvalidModel("output {}: {} is never produced", i,
                          graph.TensorLabel(t));
    }
  }
  return Status::Ok();
}

Status ModelReader::ReadSubgraph(const fb::SubGraph& sg, int index,
                                 ir::Graph& graph) {
  MAI_ASSIGN_OR_RETURN(graph.name, ReadString(sg.name()));
  const auto* tensors = sg.tensors();
  if (tensors != nullptr) {
    MAI_RETURN_IF_ERROR(budget_.Spend(tensors->size(), sizeof(ir::Tensor)));
    graph.tensors.resize(tensors->size());
    for (size_t i = 0; i < tensors->size(); ++i) {
      Status s = ReadTensor(*tensors->Get(i), graph.tensors[i]);
      if (!s.ok()) {
        return s.WithContext(graph.TensorLabel(static_cast<int>(i)));
      }
    }
  }
  const int num_tensors = static_cast<int>(graph.tensors.size());
  auto check_io = [&](const std::vector<int32_t>& list,
                      const char* what) -> Status {
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i] < 0 || list[i] >= num_tensors) {
        return InvalidModel(
            "{} {} is tensor index {}, out of range ({} tensors)", what, i,
            list[i], num_tensors);
      }
    }
    return Status::Ok();
  };
  MAI_RETURN_IF_ERROR(ReadIndices(sg.inputs(), graph.inputs));
  MAI_RETURN_IF_ERROR(ReadIndices(sg.outputs(), graph.outputs));
  MAI_RETURN_IF_ERROR(check_io(graph.inputs, "input"));
  MAI_RETURN_IF_ERROR(check_io(graph.outputs, "output"));
  const auto* ops = sg.operators();
  if (ops != nullptr) {
    MAI_RETURN_IF_ERROR(budget_.Spend(ops->size(), sizeof(ir::Node)));
    graph.nodes.resize(ops->size());
    for (size_t j = 0; j < ops->size(); ++j) {
      MAI_RETURN_IF_ERROR(ReadOperator(*ops->Get(j), graph, static_cast<int>(j),
                                       graph.nodes[j]));
    }
  }
  return ValidateDataFlow(graph);
}

Status ModelReader::ReadSignatures(ir::Model& model) {
  const auto* defs = model_->signature_defs();
  if (defs == nullptr) return Status::Ok();
  MAI_RETURN_IF_ERROR(budget_.Spend(defs->size(), sizeof(ir::SignatureDef)));
  for (size_t i = 0; i < defs->size(); ++i) {
    const fb::SignatureDef* d = defs->Get(i);
    ir::SignatureDef sig;
    MAI_ASSIGN_OR_RETURN(sig.key, ReadString(d->signature_key()));
    uint32_t sub = d->subgraph_index();
    if (sub >= model.subgraphs.size()) {
      return InvalidModel(
          "signature {} '{}': subgraph index {} is out of range ({} subgraphs)",
          i, sig.key, sub, model.subgraphs.size());
    }
    sig.subgraph_index = static_cast<int32_t>(sub);
    const ir::Graph& graph = model.subgraphs[sub];
    auto read_maps =
        [&](const flatbuffers::Vector<flatbuffers::Offset<fb::TensorMap>>* maps,
            std::vector<ir::SignatureTensor>& out, const char* what) -> Status {
      if (maps == nullptr) return Status::Ok();
      MAI_RETURN_IF_ERROR(
          budget_.Spend(maps->size(), sizeof(ir::SignatureTensor)));
      for (size_t k = 0; k < maps->size(); ++k) {
        const fb::TensorMap* m = maps->Get(k);
        ir::SignatureTensor st;
        MAI_ASSIGN_OR_RETURN(st.name, ReadString(m->name()));
        if (m->tensor_index() >= graph.tensors.size()) {
          return InvalidModel(
              "signature {} '{}': {} '{}' is tensor index {}, out of range ({} "
              "tensors)",
              i, sig.key, what, st.name, m->tensor_index(),
              graph.tensors.size());
        }
        st.tensor_index = static_cast<int32_t>(m->tensor_index());
        out.push_back(std::move(st));
      }
      return Status::Ok();
    };
    MAI_RETURN_IF_ERROR(read_maps(d->inputs(), sig.inputs, "input"));
    MAI_RETURN_IF_ERROR(read_maps(d->outputs(), sig.outputs, "output"));
    model.signatures.push_back(std::move(sig));
  }
  return Status::Ok();
}

Status ModelReader::ReadMetadata(ir::Model& model) {
  if (const auto* mb = model_->metadata_buffer(); mb != nullptr) {
    for (size_t i = 0; i < mb->size(); ++i) {
      int32_t b = mb->Get(i);
      if (b < 0 || static_cast<size_t>(b) >= buffers_.size()) {
        return InvalidModel(
            "metadata_buffer {} is buffer index {}, out of range ({} buffers)",
            i, b, buffers_.size());
      }
    }
  }
  const auto* metadata = model_->metadata();
  if (metadata == nullptr) return Status::Ok();
  for (size_t i = 0; i < metadata->size(); ++i) {
    const fb::Metadata* m = metadata->Get(i);
    MAI_ASSIGN_OR_RETURN(std::string name, ReadString(m->name()));
    if (m->buffer() >= buffers_.size()) {
      return InvalidModel(
          "metadata {} '{}': buffer index {} is out of range ({} buffers)", i,
          name, m->buffer(), buffers_.size());
    }
    std::span<const uint8_t> bytes = buffers_[m->buffer()];
    MAI_RETURN_IF_ERROR(
        budget_.Spend(bytes.size() + sizeof(model.metadata[0]), 1));
    model.metadata.emplace_back(
        std::move(name), std::vector<uint8_t>(bytes.begin(), bytes.end()));
  }
  return Status::Ok();
}

Result<ir::Model> ModelReader::Read() {
  if (file_size_ < 8) {
    return InvalidModel("not a .tflite model: {} bytes is too small",
                        file_size_);
  }
  flatbuffers::Verifier::Options options;
  options.max_depth = kMaxVerifierDepth;
  options.max_tables = kMaxVerifierTables;
  flatbuffers::Verifier verifier(
      file_, std::min(file_size_, kMaxFlatbufferBytes), options);
  if (!fb::VerifyModelBuffer(verifier)) {
    return InvalidModel(
        "not a valid .tflite model: the flatbuffer failed verification "
        "(truncated or "
        "corrupt file)");
  }
  model_ = fb::GetModel(file_);
  if (model_->version() != kSchemaVersion) {
    return InvalidModel("schema version {} is not supported (expected {})",
                        model_->version(), kSchemaVersion);
  }
  if (model_->subgraphs() == nullptr || model_->subgraphs()->size() == 0) {
    return InvalidModel("model has no subgraphs");
  }
  MAI_RETURN_IF_ERROR(ReadBuffers());
  MAI_RETURN_IF_ERROR(ReadOperatorCodes());

  ir::Model model;
  model.version = model_->version();
  MAI_ASSIGN_OR_RETURN(model.description, ReadString(model_->description()));
  const auto* subgraphs = model_->subgraphs();
  MAI_RETURN_IF_ERROR(budget_.Spend(subgraphs->size(), sizeof(ir::Graph)));
  model.subgraphs.resize(subgraphs->size());
  for (size_t s = 0; s < subgraphs->size(); ++s) {
    Status status = ReadSubgraph(*subgraphs->Get(s), static_cast<int>(s),
                                 model.subgraphs[s]);
    if (!status.ok()) return status.WithContext(fmt::format("subgraph {}", s));
  }
  MAI_RETURN_IF_ERROR(ReadSignatures(model));
  MAI_RETURN_IF_ERROR(ReadMetadata(model));
  model.storage = storage_;
  return model;
}

}  // namespace

Result<ir::Model> ReadModelStorage(
    std::shared_ptr<const ir::ModelStorage> storage) {
  if (storage == nullptr) return InvalidArgument("no model storage");
  ModelReader reader(std::move(storage));
  return reader.Read();
}

Result<ir::Model> ReadModelFile(const std::string& path) {
  auto storage = MappedFileStorage::Open(path);
  if (!storage.ok()) return storage.status();
  auto model = ReadModelStorage(std::move(storage).value());
  if (!model.ok()) return model.status().WithContext(path);
  return model;
}

Result<ir::Model> ReadModelBytes(std::vector<uint8_t> bytes) {
  return ReadModelStorage(
      std::make_shared<const VectorStorage>(std::move(bytes)));
}

}  // namespace mai::tflite
