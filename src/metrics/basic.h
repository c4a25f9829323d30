// Element-wise errors between raw tensors and top-1 classification accuracy,
// for tracks scored on tensors rather than images (and for comparing a
// model's outputs with a reference runtime's).
#ifndef MAI_METRICS_BASIC_H_
#define MAI_METRICS_BASIC_H_

#include <cstdint>
#include <span>

#include "core/status.h"

namespace mai::metrics {

// Mean squared / mean absolute / root mean squared error between two tensors
// of any shape, flattened (same element order), summed in double.
// Errors (InvalidArgument): empty inputs, different sizes ("a has N values,
// b has M"), a NaN or infinite value (its index is reported).
Result<double> Mse(std::span<const float> a, std::span<const float> b);
Result<double> Mae(std::span<const float> a, std::span<const float> b);
Result<double> Rmse(std::span<const float> a, std::span<const float> b);

// Fraction of rows whose highest score is at the row's label. `scores` holds
// N x num_classes values row-major (logits or probabilities: only the order
// matters), N = labels.size(). Ties: the lowest index among the highest
// scores wins (as numpy.argmax). +-inf scores are allowed.
// Errors (InvalidArgument): num_classes < 1, no labels, scores.size() !=
// N * num_classes, a label outside [0, num_classes), a NaN score.
Result<double> Top1Accuracy(std::span<const float> scores,
                            std::span<const int32_t> labels, int num_classes);

}  // namespace mai::metrics

#endif  // MAI_METRICS_BASIC_H_
