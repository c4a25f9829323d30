#include "ir/shapes/shape_fns.h"

namespace mai::ir {

void RegisterConvShapeFns(ShapeFnTable& table) {}

}  // namespace mai::ir
