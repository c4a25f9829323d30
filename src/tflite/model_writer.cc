#include "tflite/model_writer.h"

#include <flatbuffers/flatbuffers.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <span>
#include <tuple>

#include "tflite/builtin_options.h"
#include "tflite/quantization.h"
#include "tflite/schema/tflite_schema_generated.h"
#include "tflite/sparsity.h"

namespace mai::tflite {
namespace {

using flatbuffers::Offset;

constexpr uint32_t kSchemaVersion = 3;
// Constants beyond this total go past the flatbuffer, which cannot exceed
// 2 GB; the margin leaves room for the graph itself.
constexpr uint64_t kMaxInlineConstantBytes = uint64_t{3} << 29;  // 1.5 GiB
constexpr size_t kExternalAlign = 16;
constexpr int32_t kPlaceholderForGreaterOpCodes = 127;

size_t AlignUp(size_t n, size_t a) { return (n + a - 1) / a * a; }

class ModelWriter {
 public:
  explicit ModelWriter(const ir::Model& model) : model_(model) {}

  Result<std::vector<uint8_t>> Write(const WriteOptions& options);

 private:
  // Assigns buffer indices (tensor constants, then metadata).
  void PlanBuffers();
  // Serializes the flatbuffer. With `external_offsets`, non-empty buffers
  // are referenced at those file offsets instead of stored inline.
  Status Build(flatbuffers::FlatBufferBuilder& fbb,
               const std::vector<uint64_t>* external_offsets);
  Result<Offset<fb::SubGraph>> WriteSubgraph(
      flatbuffers::FlatBufferBuilder& fbb, size_t s);

  const ir::Model& model_;
  std::vector<std::span<const uint8_t>> buffers_;  // [0] is the sentinel
  std::vector<std::vector<uint32_t>>
      tensor_buffer_;  // per subgraph, per tensor
  std::vector<uint32_t> metadata_buffer_;
  std::map<std::tuple<int32_t, std::string, int32_t>, uint32_t> opcode_index_;
  std::vector<std::tuple<int32_t, std::string, int32_t>> opcodes_;
};

void ModelWriter::PlanBuffers() {
  buffers_.assign(1, {});
  tensor_buffer_.resize(model_.subgraphs.size());
  for (size_t s = 0; s < model_.subgraphs.size(); ++s) {
    const ir::Graph& g = model_.subgraphs[s];
    tensor_buffer_[s].assign(g.tensors.size(), 0);
    for (size_t t = 0; t < g.tensors.size(); ++t) {
      const ir::Tensor& tensor = g.tensors[t];
      if (!tensor.is_constant()) continue;
      tensor_buffer_[s][t] = static_cast<uint32_t>(buffers_.size());
      buffers_.emplace_back(tensor.data, tensor.data_bytes);
    }
  }
  for (const auto& [name, bytes] : model_.metadata) {
    metadata_buffer_.push_back(static_cast<uint32_t>(buffers_.size()));
    buffers_.emplace_back(bytes.data(), bytes.size());
  }
}

Result<Offset<fb::SubGraph>> ModelWriter::WriteSubgraph(
    flatbuffers::FlatBufferBuilder& fbb, size_t s) {
  const ir::Graph& g = model_.subgraphs[s];
  std::vector<Offset<fb::Tensor>> tensors;
  tensors.reserve(g.tensors.size());
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const ir::Tensor& tensor = g.tensors[t];
    auto shape = fbb.CreateVector(tensor.shape);
    auto name = fbb.CreateString(tensor.name);
    auto quant = WriteQuantization(fbb, tensor.quant);
    Offset<fb::SparsityParameters> sparsity = 0;
    if (tensor.sparsity) sparsity = WriteSparsity(fbb, *tensor.sparsity);
    Offset<flatbuffers::Vector<int32_t>> signature = 0;
    if (!tensor.shape_signature.empty())
      signature = fbb.CreateVector(tensor.shape_signature);
    tensors.push_back(
        fb::CreateTensor(fbb, shape, static_cast<fb::TensorType>(tensor.dtype),
                         tensor_buffer_[s][t], name, quant, tensor.is_variable,
                         sparsity, signature, /*has_rank=*/true));
  }
  std::vector<Offset<fb::Operator>> ops;
  ops.reserve(g.nodes.size());
  for (size_t j = 0; j < g.nodes.size(); ++j) {
    const ir::Node& node = g.nodes[j];
    auto key = std::make_tuple(
        static_cast<int32_t>(node.op),
        node.op == ir::OpCode::kCustom ? node.custom_name : std::string(),
        node.version);
    auto [it, inserted] =
        opcode_index_.emplace(key, static_cast<uint32_t>(opcodes_.size()));
    if (inserted) opcodes_.push_back(key);
    auto options = WriteBuiltinOptions(fbb, node);
    if (!options.ok())
      return options.status().WithContext(g.NodeLabel(static_cast<int>(j)));
    auto inputs = fbb.CreateVector(node.inputs);
    auto outputs = fbb.CreateVector(node.outputs);
    Offset<flatbuffers::Vector<int32_t>> intermediates = 0;
    if (!node.intermediates.empty())
      intermediates = fbb.CreateVector(node.intermediates);
    Offset<flatbuffers::Vector<uint8_t>> custom = 0;
    if (!node.custom_options.empty())
      custom = fbb.CreateVector(node.custom_options);
    ops.push_back(fb::CreateOperator(
        fbb, it->second, inputs, outputs, options->first, options->second,
        custom, fb::CustomOptionsFormat::FLEXBUFFERS, 0, intermediates));
  }
  auto tensors_vec = fbb.CreateVector(tensors);
  auto inputs = fbb.CreateVector(g.inputs);
  auto outputs = fbb.CreateVector(g.outputs);
  auto ops_vec = fbb.CreateVector(ops);
  auto name = g.name.empty() ? Offset<flatbuffers::String>(0)
                             : fbb.CreateString(g.name);
  return fb::CreateSubGraph(fbb, tensors_vec, inputs, outputs, ops_vec, name);
}

Status ModelWriter::Build(flatbuffers::FlatBufferBuilder& fbb,
                          const std::vector<uint64_t>* external_offsets) {
  opcode_index_.clear();
  opcodes_.clear();
  // Buffers go first (the builder fills from the back, so they end up last
  // in the file, after the graph).
  std::vector<Offset<fb::Buffer>> buffers;
  buffers.reserve(buffers_.size());
  for (size_t i = 0; i < buffers_.size(); ++i) {
    std::span<const uint8_t> bytes = buffers_[i];
    if (bytes.empty()) {
      buffers.push_back(fb::CreateBuffer(fbb));
    } else if (external_offsets != nullptr) {
      buffers.push_back(
          fb::CreateBuffer(fbb, 0, (*external_offsets)[i], bytes.size()));
    } else {
      fbb.ForceVectorAlignment(bytes.size(), sizeof(uint8_t), 16);
      auto data = fbb.CreateVector(bytes.data(), bytes.size());
      buffers.push_back(fb::CreateBuffer(fbb, data));
    }
  }
  auto buffers_vec = fbb.CreateVector(buffers);

  std::vector<Offset<fb::SubGraph>> subgraphs;
  for (size_t s = 0; s < model_.subgraphs.size(); ++s) {
    MAI_ASSIGN_OR_RETURN(auto sg, WriteSubgraph(fbb, s));
    subgraphs.push_back(sg);
  }
  auto subgraphs_vec = fbb.CreateVector(subgraphs);

  std::vector<Offset<fb::OperatorCode>> codes;
  for (const auto& [code, custom, version] : opcodes_) {
    auto custom_code = custom.empty() ? Offset<flatbuffers::String>(0)
                                      : fbb.CreateString(custom);
    int8_t deprecated =
        static_cast<int8_t>(std::min(code, kPlaceholderForGreaterOpCodes));
    codes.push_back(
        fb::CreateOperatorCode(fbb, deprecated, custom_code, version, code));
  }
  auto codes_vec = fbb.CreateVector(codes);

  std::vector<Offset<fb::SignatureDef>> signatures;
  for (const ir::SignatureDef& sig : model_.signatures) {
    auto maps = [&](const std::vector<ir::SignatureTensor>& list) {
      std::vector<Offset<fb::TensorMap>> out;
      for (const ir::SignatureTensor& st : list) {
        out.push_back(
            fb::CreateTensorMap(fbb, fbb.CreateString(st.name),
                                static_cast<uint32_t>(st.tensor_index)));
      }
      return fbb.CreateVector(out);
    };
    auto inputs = maps(sig.inputs);
    auto outputs = maps(sig.outputs);
    auto key = fbb.CreateString(sig.key);
    signatures.push_back(fb::CreateSignatureDef(
        fbb, inputs, outputs, key, static_cast<uint32_t>(sig.subgraph_index)));
  }
  auto signatures_vec =
      signatures.empty()
          ? Offset<flatbuffers::Vector<Offset<fb::SignatureDef>>>(0)
          : fbb.CreateVector(signatures);

  std::vector<Offset<fb::Metadata>> metadata;
  for (size_t i = 0; i < model_.metadata.size(); ++i) {
    metadata.push_back(fb::CreateMetadata(
        fbb, fbb.CreateString(model_.metadata[i].first), metadata_buffer_[i]));
  }
  auto metadata_vec = metadata.empty()
                          ? Offset<flatbuffers::Vector<Offset<fb::Metadata>>>(0)
                          : fbb.CreateVector(metadata);
  auto description = model_.description.empty()
                         ? Offset<flatbuffers::String>(0)
                         : fbb.CreateString(model_.description);
  auto root = fb::CreateModel(fbb, kSchemaVersion, codes_vec, subgraphs_vec,
                              description, buffers_vec, 0, metadata_vec,
                              signatures_vec);
  fb::FinishModelBuffer(fbb, root);
  return Status::Ok();
}

Result<std::vector<uint8_t>> ModelWriter::Write(const WriteOptions& options) {
  PlanBuffers();
  uint64_t constant_bytes = 0;
  for (const auto& b : buffers_) constant_bytes += b.size();
  bool external = options.buffers_after_flatbuffer ||
                  constant_bytes > kMaxInlineConstantBytes;
  if (!external) {
    flatbuffers::FlatBufferBuilder fbb(1 << 16);
    MAI_RETURN_IF_ERROR(Build(fbb, nullptr));
    return std::vector<uint8_t>(fbb.GetBufferPointer(),
                                fbb.GetBufferPointer() + fbb.GetSize());
  }
  // Pass 1 with placeholder offsets fixes the flatbuffer's size (every
  // offset field is present and 8 bytes wide either way); pass 2 writes the
  // real offsets of the data appended after it.
  std::vector<uint64_t> offsets(buffers_.size(), 2);
  size_t fb_size = 0;
  {
    flatbuffers::FlatBufferBuilder fbb(1 << 16);
    MAI_RETURN_IF_ERROR(Build(fbb, &offsets));
    fb_size = fbb.GetSize();
  }
  size_t cursor = AlignUp(fb_size, kExternalAlign);
  for (size_t i = 0; i < buffers_.size(); ++i) {
    if (buffers_[i].empty()) continue;
    offsets[i] = cursor;
    cursor = AlignUp(cursor + buffers_[i].size(), kExternalAlign);
  }
  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  MAI_RETURN_IF_ERROR(Build(fbb, &offsets));
  if (fbb.GetSize() != fb_size) {
    return Internal("flatbuffer size changed between passes ({} vs {})",
                    fbb.GetSize(), fb_size);
  }
  std::vector<uint8_t> out(cursor, 0);
  std::memcpy(out.data(), fbb.GetBufferPointer(), fb_size);
  for (size_t i = 0; i < buffers_.size(); ++i) {
    if (!buffers_[i].empty()) {
      std::memcpy(out.data() + offsets[i], buffers_[i].data(),
                  buffers_[i].size());
    }
  }
  return out;
}

}  // namespace

Result<std::vector<uint8_t>> WriteModel(const ir::Model& model) {
  return WriteModel(model, WriteOptions{});
}

Result<std::vector<uint8_t>> WriteModel(const ir::Model& model,
                                        const WriteOptions& options) {
  ModelWriter writer(model);
  return writer.Write(options);
}

Status WriteModelFile(const ir::Model& model, const std::string& path,
                      const WriteOptions& options) {
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, WriteModel(model, options));
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return IoError("cannot create '{}'", path);
  size_t written =
      bytes.empty() ? 0 : std::fwrite(bytes.data(), 1, bytes.size(), f);
  bool closed = std::fclose(f) == 0;
  if (written != bytes.size() || !closed)
    return IoError("cannot write '{}'", path);
  return Status::Ok();
}

}  // namespace mai::tflite
