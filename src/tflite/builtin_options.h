// Builtin op options: flatbuffer `*Options` tables <-> ir::OpParams.
//
// Which table belongs to which op is decided here, in one switch per
// direction. Ops whose options mai does not use get std::monostate (their
// table, if any, is ignored when reading and not written).
#ifndef MAI_TFLITE_BUILTIN_OPTIONS_H_
#define MAI_TFLITE_BUILTIN_OPTIONS_H_

#include <utility>

#include "core/status.h"
#include "ir/graph.h"
#include "tflite/read_budget.h"
#include "tflite/schema/tflite_schema_generated.h"

namespace mai::tflite {

// Converts and validates the options of `op` (whose code, inputs and outputs
// are already in `node`, with indices checked against `graph`). Absent
// options give the op's defaults, except for ops that cannot run without
// them (convolutions, pools, DEPTH_TO_SPACE, SPACE_TO_DEPTH): those are an
// error. Options of the wrong type, out-of-range enums, strides, dilations,
// filter or block sizes < 1 are errors. Messages carry no node prefix.
// Vectors in options (RESHAPE new_shape, SQUEEZE dims) are paid from
// `budget`.
Result<ir::OpParams> ReadBuiltinOptions(const fb::Operator& op,
                                        const ir::Node& node,
                                        const ir::Graph& graph,
                                        ReadBudget& budget);

// The options table of `node` (type NONE and a null offset for monostate).
// InvalidArgument when node.params holds a type that does not belong to
// node.op.
Result<std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>>>
WriteBuiltinOptions(flatbuffers::FlatBufferBuilder& fbb, const ir::Node& node);

// The options table type that belongs to `op` (NONE when mai keeps none).
fb::BuiltinOptions OptionsTypeOf(ir::OpCode op);

}  // namespace mai::tflite

#endif  // MAI_TFLITE_BUILTIN_OPTIONS_H_
