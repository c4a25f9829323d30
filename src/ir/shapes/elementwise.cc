#include "ir/shapes/shape_fns.h"

namespace mai::ir {

void RegisterElementwiseShapeFns(ShapeFnTable& table) {}

}  // namespace mai::ir
