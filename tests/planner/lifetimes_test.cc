// ComputeLifetimes: records, reshape aliasing and concatenation placement on
// hand-built graphs, with hand-derived steps, sizes and offsets.
#include "planner/lifetimes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mai::planner {
namespace {

// Builds an ir::Graph op by op (shapes given, no shape inference needed).
class GraphMaker {
 public:
  int Tensor(const std::string& name, const Shape& shape,
             DType dtype = DType::kFloat32) {
    ir::Tensor t;
    t.name = name;
    t.shape = shape;
    t.dtype = dtype;
    g.tensors.push_back(t);
    return static_cast<int>(g.tensors.size()) - 1;
  }
  int Constant(const std::string& name, const Shape& shape) {
    int t = Tensor(name, shape, DType::kInt32);
    g.tensors[t].SetOwnedData(
        std::vector<uint8_t>(NumElementsUnchecked(shape) * 4, 0));
    return t;
  }
  int Op(ir::OpCode op, std::vector<int32_t> in, std::vector<int32_t> out,
         ir::OpParams params = {}) {
    ir::Node n;
    n.op = op;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    n.params = params;
    g.nodes.push_back(std::move(n));
    return static_cast<int>(g.nodes.size()) - 1;
  }
  std::vector<int> AllNodes() const {
    std::vector<int> v;
    for (int n = 0; n < static_cast<int>(g.nodes.size()); ++n) v.push_back(n);
    return v;
  }
  ir::Graph g;
};

ir::ConcatenationParams Axis(int axis) {
  return ir::ConcatenationParams{axis, ir::Activation::kNone};
}

// x -> RELU c1 [1,4,4,2] -> RESHAPE r1 [1,16,2] ─┐
// x -> RELU c2 [1,2,2,2] -> RESHAPE r2 [1,4,2]  ─┴> CONCAT y [1,20,2] -> RELU z
struct HeadGraph {
  GraphMaker m;
  int x, c1, c2, r1, r2, y, z;
  HeadGraph() {
    x = m.Tensor("x", {1, 4, 4, 2});
    int x2 = m.Tensor("x2", {1, 2, 2, 2});
    c1 = m.Tensor("c1", {1, 4, 4, 2});
    c2 = m.Tensor("c2", {1, 2, 2, 2});
    r1 = m.Tensor("r1", {1, 16, 2});
    r2 = m.Tensor("r2", {1, 4, 2});
    y = m.Tensor("y", {1, 20, 2});
    z = m.Tensor("z", {1, 20, 2});
    int s1 = m.Constant("s1", {3}), s2 = m.Constant("s2", {3});
    m.Op(ir::OpCode::kRelu, {x}, {c1});                        // step 0
    m.Op(ir::OpCode::kRelu, {x2}, {c2});                       // step 1
    m.Op(ir::OpCode::kReshape, {c1, s1}, {r1});                // step 2
    m.Op(ir::OpCode::kReshape, {c2, s2}, {r2});                // step 3
    m.Op(ir::OpCode::kConcatenation, {r1, r2}, {y}, Axis(1));  // step 4
    m.Op(ir::OpCode::kRelu, {y}, {z});                         // step 5
    m.g.inputs = {x, x2};
    m.g.outputs = {z};
  }
};

TEST(LifetimesTest, ConcatenationHoldsItsInputsAndTheirReshapes) {
  HeadGraph h;
  auto lt = ComputeLifetimes(h.m.g, h.m.AllNodes(), true, true);
  ASSERT_TRUE(lt.ok()) << lt.status().message();
  const int rec = lt->record_of_tensor[h.y];
  ASSERT_GE(rec, 0);
  for (int t : {h.c1, h.c2, h.r1, h.r2}) {
    EXPECT_EQ(lt->record_of_tensor[t], rec) << h.m.g.tensors[t].name;
  }
  EXPECT_EQ(lt->offset_in_record[h.y], 0u);
  EXPECT_EQ(lt->offset_in_record[h.c1], 0u);
  EXPECT_EQ(lt->offset_in_record[h.r1], 0u);
  EXPECT_EQ(lt->offset_in_record[h.c2], 16u * 2 * 4);
  EXPECT_EQ(lt->offset_in_record[h.r2], 16u * 2 * 4);
  // From c1's producer (step 0) to y's reader (step 5); y's 160 bytes.
  EXPECT_EQ(lt->records[rec].first_use, 0);
  EXPECT_EQ(lt->records[rec].last_use, 5);
  EXPECT_EQ(lt->records[rec].bytes, 20u * 2 * 4);
  EXPECT_EQ(lt->concats_in_place, (std::vector<int>{4}));
  EXPECT_EQ(lt->noop_reshapes, (std::vector<int>{2, 3}));
  // x, x2, the merged record, z.
  EXPECT_EQ(lt->records.size(), 4u);
  EXPECT_NE(lt->record_of_tensor[h.z], rec);
}

TEST(LifetimesTest, WithoutConcatPlacementOnlyReshapesAlias) {
  HeadGraph h;
  auto lt = ComputeLifetimes(h.m.g, h.m.AllNodes(), true, false);
  ASSERT_TRUE(lt.ok());
  EXPECT_EQ(lt->record_of_tensor[h.c1], lt->record_of_tensor[h.r1]);
  EXPECT_EQ(lt->record_of_tensor[h.c2], lt->record_of_tensor[h.r2]);
  EXPECT_NE(lt->record_of_tensor[h.r1], lt->record_of_tensor[h.y]);
  EXPECT_TRUE(lt->concats_in_place.empty());
  EXPECT_EQ(lt->noop_reshapes, (std::vector<int>{2, 3}));
  const LifetimeRecord& c1 = lt->records[lt->record_of_tensor[h.c1]];
  EXPECT_EQ(c1.first_use, 0);
  EXPECT_EQ(c1.last_use, 4);
  EXPECT_EQ(lt->records.size(), 6u);
  for (size_t off : lt->offset_in_record) EXPECT_EQ(off, 0u);

  auto none = ComputeLifetimes(h.m.g, h.m.AllNodes(), false, true);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->records.size(), 8u);
  EXPECT_TRUE(none->noop_reshapes.empty());
  EXPECT_TRUE(none->concats_in_place.empty());
}

TEST(LifetimesTest, OneUnfitInputKeepsTheWholeConcatenation) {
  HeadGraph h;
  // r2 also read by the last node: not only the concatenation's.
  int w = h.m.Tensor("w", {1, 4, 2});
  h.m.Op(ir::OpCode::kRelu, {h.r2}, {w});
  h.m.g.outputs.push_back(w);
  auto lt = ComputeLifetimes(h.m.g, h.m.AllNodes(), true, true);
  ASSERT_TRUE(lt.ok());
  EXPECT_TRUE(lt->concats_in_place.empty());
  EXPECT_NE(lt->record_of_tensor[h.r1], lt->record_of_tensor[h.y]);
  EXPECT_EQ(lt->offset_in_record[h.r1], 0u);
}

TEST(LifetimesTest, OuterDimsAboveOneOrMismatchedDTypeStayCopies) {
  {
    GraphMaker m;
    int a = m.Tensor("a", {2, 3}), b = m.Tensor("b", {2, 1});
    int ca = m.Tensor("ca", {2, 3}), cb = m.Tensor("cb", {2, 1});
    int y = m.Tensor("y", {2, 4});
    m.Op(ir::OpCode::kRelu, {a}, {ca});
    m.Op(ir::OpCode::kRelu, {b}, {cb});
    m.Op(ir::OpCode::kConcatenation, {ca, cb}, {y}, Axis(1));
    m.g.inputs = {a, b};
    m.g.outputs = {y};
    auto lt = ComputeLifetimes(m.g, m.AllNodes(), true, true);
    ASSERT_TRUE(lt.ok());
    EXPECT_TRUE(lt->concats_in_place.empty());
  }
  {
    GraphMaker m;
    int a = m.Tensor("a", {1, 3}, DType::kInt32);
    int b = m.Tensor("b", {1, 1}, DType::kInt32);
    int ca = m.Tensor("ca", {1, 3}, DType::kInt32);
    int cb = m.Tensor("cb", {1, 1}, DType::kInt32);
    int y = m.Tensor("y", {1, 4}, DType::kInt32);
    m.Op(ir::OpCode::kRelu, {a}, {ca});
    m.Op(ir::OpCode::kRelu, {b}, {cb});
    m.Op(ir::OpCode::kConcatenation, {ca, cb}, {y}, Axis(1));
    m.g.inputs = {a, b};
    m.g.outputs = {y};
    auto lt = ComputeLifetimes(m.g, m.AllNodes(), true, true);
    ASSERT_TRUE(lt.ok());
    EXPECT_TRUE(lt->concats_in_place.empty());  // int32 is not in scope
  }
}

// A RESHAPE whose shape arrives at run time keeps its check: aliased but
// not listed as a no-op; a reshape to another dtype is not aliased.
TEST(LifetimesTest, RunTimeShapeReshapeIsNotANoop) {
  GraphMaker m;
  int x = m.Tensor("x", {2, 6}), s = m.Tensor("s", {2}, DType::kInt32);
  int a = m.Tensor("a", {2, 6}), r = m.Tensor("r", {3, 4});
  int z = m.Tensor("z", {3, 4});
  m.Op(ir::OpCode::kRelu, {x}, {a});
  m.Op(ir::OpCode::kReshape, {a, s}, {r});
  m.Op(ir::OpCode::kRelu, {r}, {z});
  m.g.inputs = {x, s};
  m.g.outputs = {z};
  auto lt = ComputeLifetimes(m.g, m.AllNodes(), true, true);
  ASSERT_TRUE(lt.ok());
  EXPECT_EQ(lt->record_of_tensor[a], lt->record_of_tensor[r]);
  EXPECT_TRUE(lt->noop_reshapes.empty());

  m.g.tensors[r].dtype = DType::kInt32;
  auto other = ComputeLifetimes(m.g, m.AllNodes(), true, true);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->record_of_tensor[a], other->record_of_tensor[r]);
}

}  // namespace
}  // namespace mai::planner
