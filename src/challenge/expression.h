// A small, safe arithmetic language for challenge score formulas.
//
// Challenge tracks define their score as a formula over named figures that
// the benchmark measures, written by organizers in track files:
//
//   MAI_ASSIGN_OR_RETURN(challenge::Expression score,
//                        challenge::Expression::Parse(
//                            "2^(2*PSNR) / (C*runtime_ms)"));
//   MAI_RETURN_IF_ERROR(score.CheckVariables({"C", "PSNR", "runtime_ms"}));
//   ...
//   MAI_ASSIGN_OR_RETURN(double value, score.Evaluate(
//       {{"C", 0.5}, {"PSNR", 27.3}, {"runtime_ms", 41.0}}));
//
// Grammar (whitespace between tokens is ignored):
//
//   expression := term (('+' | '-') term)*            left-associative
//   term       := unary (('*' | '/') unary)*          left-associative
//   unary      := ('+' | '-') unary | power
//   power      := primary ('^' unary)?                right-associative
//   primary    := number | name | name '(' arguments? ')' | '(' expression ')'
//   number     := digits ('.' digits?)? exponent? | '.' digits exponent?
//   exponent   := ('e' | 'E') ('+' | '-')? digits
//   name       := [A-Za-z_][A-Za-z0-9_]*
//
// So '^' binds tighter than a unary minus on its left and accepts one on its
// right, as in mathematics: -2^2 = -4, 2^-1 = 0.5, 2^3^2 = 2^9 = 512.
// A name followed by '(' is a call of one of these functions (arity is
// checked by Parse):
//
//   log(x) natural   log2(x)   log10(x)   exp(x)   sqrt(x)   abs(x)
//   min(a, b, ...)   max(a, b, ...)  (2 or more)   pow(a, b)
//   clamp(x, lo, hi)
//
// Function names are reserved: they cannot be used as variables. Any other
// name is a variable whose value Evaluate takes from its map.
//
// The text is untrusted. Parsing never executes anything, never recurses
// more than kMaxDepth levels (so 100000 '(' is a clean error, not a stack
// overflow) and builds at most kMaxNodes nodes; evaluation is a single loop
// over the nodes, without recursion. Errors are InvalidArgument, one line,
// and, where they concern a place in the text, start with its 1-based
// column: "column 7: unknown function 'eval'". Callers add their own context
// (track file, field) with Status::WithContext.
#ifndef MAI_CHALLENGE_EXPRESSION_H_
#define MAI_CHALLENGE_EXPRESSION_H_

#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mai::challenge {

class ExpressionParser;  // expression.cc

// A parsed formula: an immutable, copyable value.
class Expression {
 public:
  static constexpr size_t kMaxLength = 4096;  // characters (bytes) of text
  static constexpr int kMaxDepth = 64;  // nested '(', calls, unary signs, '^'
  static constexpr size_t kMaxNodes = 1024;  // numbers, names, operators

  // An empty expression (no text); Evaluate and CheckVariables fail on it
  // with "empty formula". Use Parse to make a real one.
  Expression() = default;

  // Parses `text`. InvalidArgument, naming the column, for: empty text,
  // an unexpected character ("column 3: unexpected character '$'"), a
  // malformed number ('1e', '1..2', '2x'), a number beyond the range of
  // double ('1e999', and '1e-400', which would silently become 0), a
  // missing operand or operator, unbalanced parentheses, an unknown function
  // or wrong number of arguments, a function name used without '(', and
  // the limits above (text longer than kMaxLength, nesting deeper than
  // kMaxDepth, more than kMaxNodes nodes).
  static Result<Expression> Parse(std::string_view text);

  // OK when every variable of the formula is in `known`; otherwise
  // InvalidArgument for the first unknown one in the text, e.g.
  // "column 5: unknown variable 'PSNR2' (known: C, PSNR, runtime_ms)".
  // Lets a track file be validated before any model runs.
  Status CheckVariables(const std::set<std::string>& known) const;

  // The value of the formula in double precision, variables taken from
  // `variables` (extra entries are ignored). InvalidArgument, naming the
  // column and the operation, for: an unknown variable, a variable whose
  // value is not finite, division by zero, log/log2/log10 of a value <= 0,
  // sqrt of a value < 0, a negative base with a fractional exponent,
  // clamp with lo > hi, and any intermediate result that is not finite
  // ("column 3: 10 ^ 400 is not finite").
  Result<double> Evaluate(
      const std::map<std::string, double, std::less<>>& variables) const;

  // The names of the variables used, sorted, each once.
  std::vector<std::string> Variables() const;

  // The text given to Parse.
  const std::string& text() const { return text_; }

  // Canonical fully parenthesized form, e.g. "1+2*-x" -> "(1 + (2 * (-x)))",
  // "min(a,b)" -> "min(a, b)"; numbers are printed in their shortest form
  // that reads back exactly, and unary '+' is dropped. Parse(ToString())
  // evaluates exactly as this expression does, as long as the added
  // parentheses keep it within kMaxLength and kMaxDepth (a left-associative
  // chain of more than kMaxDepth operators, "1+1+...+1", does not).
  // Empty for an empty expression.
  std::string ToString() const;

 private:
  friend class ExpressionParser;

  enum class NodeKind {
    kNumber,
    kVariable,
    kNegate,
    kAdd,
    kSubtract,
    kMultiply,
    kDivide,
    kPower,
    kCall,
  };

  struct Node {
    NodeKind kind = NodeKind::kNumber;
    int column = 0;     // 1-based column of its token, for errors
    double number = 0;  // kNumber
    std::string name;   // kVariable
    int lhs = -1;       // kNegate operand, binary left operand
    int rhs = -1;       // binary right operand
    int function = -1;  // kCall: index into the function table
    int first_arg = 0;  // kCall: arguments are args_[first_arg, +num_args)
    int num_args = 0;
  };

  std::string text_;
  // Children always come before their parent; the root is the last node.
  std::vector<Node> nodes_;
  std::vector<int> args_;  // node indices of call arguments
};

}  // namespace mai::challenge

#endif  // MAI_CHALLENGE_EXPRESSION_H_
