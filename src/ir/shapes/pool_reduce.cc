#include "ir/shapes/shape_fns.h"

namespace mai::ir {

void RegisterPoolReduceShapeFns(ShapeFnTable& table) {}

}  // namespace mai::ir
