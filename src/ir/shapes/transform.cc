#include "ir/shapes/shape_fns.h"

namespace mai::ir {

void RegisterTransformShapeFns(ShapeFnTable& table) {}

}  // namespace mai::ir
