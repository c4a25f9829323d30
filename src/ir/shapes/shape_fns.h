// Registration of per-family shape functions (one .cc per op family).
// Each Register*ShapeFns adds its ops to the table; ir/shape_inference.cc
// calls them all.
#ifndef MAI_IR_SHAPES_SHAPE_FNS_H_
#define MAI_IR_SHAPES_SHAPE_FNS_H_

#include <unordered_map>

#include "ir/shape_inference.h"

namespace mai::ir {

using ShapeFnTable = std::unordered_map<OpCode, ShapeFn>;

void RegisterConvShapeFns(ShapeFnTable& table);         // shapes/conv.cc
void RegisterElementwiseShapeFns(ShapeFnTable& table);  // shapes/elementwise.cc
void RegisterPoolReduceShapeFns(ShapeFnTable& table);   // shapes/pool_reduce.cc
void RegisterTransformShapeFns(ShapeFnTable& table);    // shapes/transform.cc
void RegisterSpatialShapeFns(ShapeFnTable& table);      // shapes/spatial.cc

}  // namespace mai::ir

#endif  // MAI_IR_SHAPES_SHAPE_FNS_H_
