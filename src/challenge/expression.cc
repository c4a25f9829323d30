#include "challenge/expression.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>

namespace mai::challenge {
namespace {

// --- function table ----------------------------------------------------------

enum FunctionId {
  kLog,
  kLog2,
  kLog10,
  kExp,
  kSqrt,
  kAbs,
  kMin,
  kMax,
  kPow,
  kClamp
};

struct FunctionInfo {
  std::string_view name;
  int min_args;
  int max_args;
};

constexpr int kAnyNumber = std::numeric_limits<int>::max();

// Indexed by FunctionId.
constexpr FunctionInfo kFunctions[] = {
    {"log", 1, 1},          {"log2", 1, 1},         {"log10", 1, 1},
    {"exp", 1, 1},          {"sqrt", 1, 1},         {"abs", 1, 1},
    {"min", 2, kAnyNumber}, {"max", 2, kAnyNumber}, {"pow", 2, 2},
    {"clamp", 3, 3},
};

int FindFunction(std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(kFunctions)); ++i) {
    if (kFunctions[i].name == name) return i;
  }
  return -1;
}

std::string ArityText(const FunctionInfo& f) {
  if (f.max_args == kAnyNumber) {
    return fmt::format("at least {} arguments", f.min_args);
  }
  return fmt::format("{} argument{}", f.min_args, f.min_args == 1 ? "" : "s");
}

// --- lexer -------------------------------------------------------------------

enum class TokenKind {
  kNumber,
  kName,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kCaret,
  kLeftParen,
  kRightParen,
  kComma,
  kEnd,
  kError,  // a lexical error; always the last token
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  int column = 0;  // 1-based
  std::string_view text;
  double number = 0;  // kNumber
  std::string error;  // kError: the description, without the column
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

// Whether all of `s` matches the `number` rule of the grammar.
bool IsWellFormedNumber(std::string_view s) {
  size_t i = 0, mantissa_digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++mantissa_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return i == s.size();
}

// 'text' in quotes, shortened to keep messages to a readable line.
std::string Quote(std::string_view text) {
  constexpr size_t kMaxShown = 32;
  if (text.size() > kMaxShown) {
    return fmt::format("'{}...'", text.substr(0, kMaxShown));
  }
  return fmt::format("'{}'", text);
}

// Splits `text` into tokens ending with kEnd, or with kError at the first
// character that cannot start a token or a malformed number.
std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (true) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    Token token;
    token.column = static_cast<int>(i) + 1;
    if (i == text.size()) {
      tokens.push_back(std::move(token));  // kEnd
      return tokens;
    }
    const char c = text[i];
    const size_t start = i;
    if (IsDigit(c) || c == '.') {
      // The longest run that could belong to a number, so that '1..2',
      // '2x' or '1e' are reported whole rather than as two tokens.
      ++i;
      while (i < text.size()) {
        const char d = text[i];
        const char prev = text[i - 1];
        if (IsNameChar(d) || d == '.' ||
            ((d == '+' || d == '-') && (prev == 'e' || prev == 'E'))) {
          ++i;
        } else {
          break;
        }
      }
      token.text = text.substr(start, i - start);
      token.kind = TokenKind::kNumber;
      if (!IsWellFormedNumber(token.text)) {
        token.kind = TokenKind::kError;
        token.error = fmt::format("malformed number {}", Quote(token.text));
      } else {
        const char* end = token.text.data() + token.text.size();
        auto [ptr, ec] = std::from_chars(token.text.data(), end, token.number);
        if (ec != std::errc() || ptr != end || !std::isfinite(token.number)) {
          token.kind = TokenKind::kError;
          token.error =
              fmt::format("number {} is out of range", Quote(token.text));
        }
      }
    } else if (IsNameStart(c)) {
      ++i;
      while (i < text.size() && IsNameChar(text[i])) ++i;
      token.kind = TokenKind::kName;
      token.text = text.substr(start, i - start);
    } else {
      ++i;
      token.text = text.substr(start, 1);
      switch (c) {
        case '+':
          token.kind = TokenKind::kPlus;
          break;
        case '-':
          token.kind = TokenKind::kMinus;
          break;
        case '*':
          token.kind = TokenKind::kStar;
          break;
        case '/':
          token.kind = TokenKind::kSlash;
          break;
        case '^':
          token.kind = TokenKind::kCaret;
          break;
        case '(':
          token.kind = TokenKind::kLeftParen;
          break;
        case ')':
          token.kind = TokenKind::kRightParen;
          break;
        case ',':
          token.kind = TokenKind::kComma;
          break;
        default:
          token.kind = TokenKind::kError;
          if (c > ' ' && c < 0x7f) {
            token.error = fmt::format("unexpected character '{}'", c);
          } else {
            token.error = fmt::format("unexpected byte 0x{:02X}",
                                      static_cast<unsigned char>(c));
          }
      }
    }
    const bool error = token.kind == TokenKind::kError;
    tokens.push_back(std::move(token));
    if (error) return tokens;
  }
}

std::string Describe(const Token& token) {
  return token.kind == TokenKind::kEnd ? "end of formula" : Quote(token.text);
}

// A number as an operand in a message: negative ones in parentheses.
std::string Operand(double x) {
  return x < 0 ? fmt::format("({})", x) : fmt::format("{}", x);
}

}  // namespace

// --- parser ------------------------------------------------------------------

// Recursive descent over the token list. Every construct that recurses (a
// parenthesis, a call, a unary sign, the right side of '^') goes through
// Enter/Leave, so the recursion is at most kMaxDepth levels deep.
class ExpressionParser {
 public:
  ExpressionParser(const std::vector<Token>& tokens, Expression& out)
      : tokens_(tokens), out_(out) {}

  Status ParseAll() {
    if (Peek().kind == TokenKind::kEnd) return InvalidArgument("empty formula");
    MAI_ASSIGN_OR_RETURN(int root, ParseExpression());
    (void)root;  // the last node
    const Token& t = Peek();
    if (t.kind == TokenKind::kEnd) return Status::Ok();
    if (t.kind == TokenKind::kRightParen) {
      return InvalidArgument("column {}: unmatched ')'", t.column);
    }
    return ErrorAt(t,
                   fmt::format("expected an operator, found {}", Describe(t)));
  }

 private:
  using Node = Expression::Node;
  using NodeKind = Expression::NodeKind;

  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (t.kind != TokenKind::kEnd && t.kind != TokenKind::kError) ++pos_;
    return t;
  }

  // An error at `token`, or the lexical error if `token` is one (the parser
  // never gets past an error token, so this reports the leftmost problem).
  static Status ErrorAt(const Token& token, const std::string& description) {
    if (token.kind == TokenKind::kError) {
      return InvalidArgument("column {}: {}", token.column, token.error);
    }
    return InvalidArgument("column {}: {}", token.column, description);
  }

  Status Enter(const Token& token) {
    if (++depth_ > Expression::kMaxDepth) {
      return InvalidArgument("column {}: formula nested deeper than {} levels",
                             token.column, Expression::kMaxDepth);
    }
    return Status::Ok();
  }
  void Leave() { --depth_; }

  Result<int> AddNode(Node node) {
    if (out_.nodes_.size() >= Expression::kMaxNodes) {
      return InvalidArgument(
          "column {}: formula too large (more than {} numbers, names and "
          "operators)",
          node.column, Expression::kMaxNodes);
    }
    out_.nodes_.push_back(std::move(node));
    return static_cast<int>(out_.nodes_.size()) - 1;
  }

  Result<int> AddBinary(NodeKind kind, int column, int lhs, int rhs) {
    Node node;
    node.kind = kind;
    node.column = column;
    node.lhs = lhs;
    node.rhs = rhs;
    return AddNode(std::move(node));
  }

  // expression := term (('+' | '-') term)*
  Result<int> ParseExpression() {
    MAI_ASSIGN_OR_RETURN(int lhs, ParseTerm());
    while (Peek().kind == TokenKind::kPlus ||
           Peek().kind == TokenKind::kMinus) {
      const Token& op = Next();
      MAI_ASSIGN_OR_RETURN(int rhs, ParseTerm());
      const NodeKind kind =
          op.kind == TokenKind::kPlus ? NodeKind::kAdd : NodeKind::kSubtract;
      MAI_ASSIGN_OR_RETURN(lhs, AddBinary(kind, op.column, lhs, rhs));
    }
    return lhs;
  }

  // term := unary (('*' | '/') unary)*
  Result<int> ParseTerm() {
    MAI_ASSIGN_OR_RETURN(int lhs, ParseUnary());
    while (Peek().kind == TokenKind::kStar ||
           Peek().kind == TokenKind::kSlash) {
      const Token& op = Next();
      MAI_ASSIGN_OR_RETURN(int rhs, ParseUnary());
      const NodeKind kind =
          op.kind == TokenKind::kStar ? NodeKind::kMultiply : NodeKind::kDivide;
      MAI_ASSIGN_OR_RETURN(lhs, AddBinary(kind, op.column, lhs, rhs));
    }
    return lhs;
  }

  // unary := ('+' | '-') unary | power
  Result<int> ParseUnary() {
    const Token& sign = Peek();
    if (sign.kind != TokenKind::kPlus && sign.kind != TokenKind::kMinus) {
      return ParsePower();
    }
    Next();
    MAI_RETURN_IF_ERROR(Enter(sign));
    MAI_ASSIGN_OR_RETURN(int operand, ParseUnary());
    Leave();
    if (sign.kind == TokenKind::kPlus) return operand;
    Node node;
    node.kind = NodeKind::kNegate;
    node.column = sign.column;
    node.lhs = operand;
    return AddNode(std::move(node));
  }

  // power := primary ('^' unary)?
  Result<int> ParsePower() {
    MAI_ASSIGN_OR_RETURN(int base, ParsePrimary());
    if (Peek().kind != TokenKind::kCaret) return base;
    const Token& op = Next();
    MAI_RETURN_IF_ERROR(Enter(op));
    MAI_ASSIGN_OR_RETURN(int exponent, ParseUnary());
    Leave();
    return AddBinary(NodeKind::kPower, op.column, base, exponent);
  }

  // primary := number | name | name '(' arguments? ')' | '(' expression ')'
  Result<int> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kNumber: {
        Next();
        Node node;
        node.kind = NodeKind::kNumber;
        node.column = t.column;
        node.number = t.number;
        return AddNode(std::move(node));
      }
      case TokenKind::kName: {
        Next();
        const int function = FindFunction(t.text);
        if (function >= 0) return ParseCall(t, function);
        if (Peek().kind == TokenKind::kLeftParen) {
          return InvalidArgument("column {}: unknown function {}", t.column,
                                 Quote(t.text));
        }
        Node node;
        node.kind = NodeKind::kVariable;
        node.column = t.column;
        node.name = std::string(t.text);
        return AddNode(std::move(node));
      }
      case TokenKind::kLeftParen: {
        Next();
        MAI_RETURN_IF_ERROR(Enter(t));
        MAI_ASSIGN_OR_RETURN(int inner, ParseExpression());
        Leave();
        const Token& close = Peek();
        if (close.kind != TokenKind::kRightParen) {
          return ErrorAt(close,
                         fmt::format("expected ')' to close '(' at column {}, "
                                     "found {}",
                                     t.column, Describe(close)));
        }
        Next();
        return inner;
      }
      case TokenKind::kEnd:
        return InvalidArgument(
            "column {}: unexpected end of formula (expected a number, name "
            "or '(')",
            t.column);
      default:
        return ErrorAt(t, fmt::format("expected a number, name or '(', "
                                      "found {}",
                                      Describe(t)));
    }
  }

  // After the function name: '(' arguments? ')'.
  Result<int> ParseCall(const Token& name, int function) {
    const FunctionInfo& info = kFunctions[function];
    const Token& open = Peek();
    if (open.kind != TokenKind::kLeftParen) {
      return InvalidArgument(
          "column {}: '{}' is a function; expected '(' after it, found {}",
          name.column, info.name, Describe(open));
    }
    Next();
    MAI_RETURN_IF_ERROR(Enter(open));
    std::vector<int> args;
    if (Peek().kind != TokenKind::kRightParen) {
      while (true) {
        MAI_ASSIGN_OR_RETURN(int arg, ParseExpression());
        args.push_back(arg);
        const Token& t = Peek();
        if (t.kind == TokenKind::kComma) {
          Next();
          continue;
        }
        if (t.kind == TokenKind::kRightParen) break;
        return ErrorAt(t, fmt::format("expected ',' or ')' in the call of "
                                      "'{}' at column {}, found {}",
                                      info.name, name.column, Describe(t)));
      }
    }
    Next();  // ')'
    Leave();
    const int count = static_cast<int>(args.size());
    if (count < info.min_args || count > info.max_args) {
      return InvalidArgument("column {}: {}() takes {}, got {}", name.column,
                             info.name, ArityText(info), count);
    }
    Node node;
    node.kind = NodeKind::kCall;
    node.column = name.column;
    node.function = function;
    node.first_arg = static_cast<int>(out_.args_.size());
    node.num_args = count;
    out_.args_.insert(out_.args_.end(), args.begin(), args.end());
    return AddNode(std::move(node));
  }

  const std::vector<Token>& tokens_;
  Expression& out_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// --- Expression --------------------------------------------------------------

Result<Expression> Expression::Parse(std::string_view text) {
  if (text.size() > kMaxLength) {
    return InvalidArgument("formula is {} characters long; the limit is {}",
                           text.size(), kMaxLength);
  }
  const std::vector<Token> tokens = Tokenize(text);
  Expression expression;
  expression.text_ = std::string(text);
  ExpressionParser parser(tokens, expression);
  MAI_RETURN_IF_ERROR(parser.ParseAll());
  return expression;
}

namespace {

std::string JoinNames(const std::vector<std::string_view>& names) {
  if (names.empty()) return "no variables are defined";
  std::string out = "known: ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

Status Expression::CheckVariables(const std::set<std::string>& known) const {
  if (nodes_.empty()) return InvalidArgument("empty formula");
  // Leaves are stored in text order, so this finds the leftmost unknown.
  for (const Node& node : nodes_) {
    if (node.kind == NodeKind::kVariable && !known.count(node.name)) {
      return InvalidArgument(
          "column {}: unknown variable '{}' ({})", node.column, node.name,
          JoinNames(std::vector<std::string_view>(known.begin(), known.end())));
    }
  }
  return Status::Ok();
}

Result<double> Expression::Evaluate(
    const std::map<std::string, double, std::less<>>& variables) const {
  if (nodes_.empty()) return InvalidArgument("empty formula");
  // Children come before parents, so one pass computes every node.
  std::vector<double> values(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& node = nodes_[i];
    const double a = node.lhs >= 0 ? values[node.lhs] : 0;
    const double b = node.rhs >= 0 ? values[node.rhs] : 0;
    double& v = values[i];
    std::string operation;  // for the "is not finite" message
    switch (node.kind) {
      case NodeKind::kNumber:
        v = node.number;
        break;
      case NodeKind::kVariable: {
        auto it = variables.find(node.name);
        if (it == variables.end()) {
          std::vector<std::string_view> names;
          for (const auto& [name, value] : variables) names.push_back(name);
          return InvalidArgument("column {}: unknown variable '{}' ({})",
                                 node.column, node.name, JoinNames(names));
        }
        v = it->second;
        if (!std::isfinite(v)) {
          return InvalidArgument("column {}: variable '{}' is {}, not finite",
                                 node.column, node.name, v);
        }
        break;
      }
      case NodeKind::kNegate:
        v = -a;
        break;
      case NodeKind::kAdd:
        v = a + b;
        operation = fmt::format("{} + {}", Operand(a), Operand(b));
        break;
      case NodeKind::kSubtract:
        v = a - b;
        operation = fmt::format("{} - {}", Operand(a), Operand(b));
        break;
      case NodeKind::kMultiply:
        v = a * b;
        operation = fmt::format("{} * {}", Operand(a), Operand(b));
        break;
      case NodeKind::kDivide:
        if (b == 0) {
          return InvalidArgument("column {}: division by zero ({} / {})",
                                 node.column, Operand(a), Operand(b));
        }
        v = a / b;
        operation = fmt::format("{} / {}", Operand(a), Operand(b));
        break;
      case NodeKind::kPower:
        operation = fmt::format("{} ^ {}", Operand(a), Operand(b));
        if (a < 0 && std::trunc(b) != b) {
          return InvalidArgument(
              "column {}: {} is undefined: negative base with a fractional "
              "exponent",
              node.column, operation);
        }
        v = std::pow(a, b);
        break;
      case NodeKind::kCall: {
        const FunctionInfo& info = kFunctions[node.function];
        std::vector<double> args(node.num_args);
        for (int k = 0; k < node.num_args; ++k) {
          args[k] = values[args_[node.first_arg + k]];
        }
        operation = fmt::format("{}({})", info.name, fmt::join(args, ", "));
        const double x = args[0];
        switch (node.function) {
          case kLog:
          case kLog2:
          case kLog10:
            if (!(x > 0)) {
              return InvalidArgument("column {}: {}: the argument must be > 0",
                                     node.column, operation);
            }
            v = node.function == kLog    ? std::log(x)
                : node.function == kLog2 ? std::log2(x)
                                         : std::log10(x);
            break;
          case kExp:
            v = std::exp(x);
            break;
          case kSqrt:
            if (x < 0) {
              return InvalidArgument("column {}: {}: the argument must be >= 0",
                                     node.column, operation);
            }
            v = std::sqrt(x);
            break;
          case kAbs:
            v = std::fabs(x);
            break;
          case kMin:
            v = *std::min_element(args.begin(), args.end());
            break;
          case kMax:
            v = *std::max_element(args.begin(), args.end());
            break;
          case kPow:
            if (x < 0 && std::trunc(args[1]) != args[1]) {
              return InvalidArgument(
                  "column {}: {} is undefined: negative base with a "
                  "fractional exponent",
                  node.column, operation);
            }
            v = std::pow(x, args[1]);
            break;
          case kClamp:
            if (args[1] > args[2]) {
              return InvalidArgument("column {}: {}: lo > hi", node.column,
                                     operation);
            }
            v = std::clamp(x, args[1], args[2]);
            break;
        }
        break;
      }
    }
    if (!std::isfinite(v)) {
      return InvalidArgument("column {}: {} is not finite", node.column,
                             operation);
    }
  }
  return values.back();
}

std::vector<std::string> Expression::Variables() const {
  std::vector<std::string> names;
  for (const Node& node : nodes_) {
    if (node.kind == NodeKind::kVariable) names.push_back(node.name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string Expression::ToString() const {
  if (nodes_.empty()) return "";
  // Bottom-up like Evaluate; each node is the child of one parent only, so
  // its text can be moved into the parent's.
  std::vector<std::string> texts(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& node = nodes_[i];
    std::string& s = texts[i];
    auto binary = [&](const char* op) {
      s = fmt::format("({} {} {})", texts[node.lhs], op, texts[node.rhs]);
      texts[node.lhs].clear();
      texts[node.rhs].clear();
    };
    switch (node.kind) {
      case NodeKind::kNumber:
        s = fmt::format("{}", node.number);
        break;
      case NodeKind::kVariable:
        s = node.name;
        break;
      case NodeKind::kNegate:
        s = fmt::format("(-{})", texts[node.lhs]);
        texts[node.lhs].clear();
        break;
      case NodeKind::kAdd:
        binary("+");
        break;
      case NodeKind::kSubtract:
        binary("-");
        break;
      case NodeKind::kMultiply:
        binary("*");
        break;
      case NodeKind::kDivide:
        binary("/");
        break;
      case NodeKind::kPower:
        binary("^");
        break;
      case NodeKind::kCall: {
        s = std::string(kFunctions[node.function].name);
        s += '(';
        for (int k = 0; k < node.num_args; ++k) {
          if (k > 0) s += ", ";
          std::string& arg = texts[args_[node.first_arg + k]];
          s += arg;
          arg.clear();
        }
        s += ')';
        break;
      }
    }
  }
  return std::move(texts.back());
}

}  // namespace mai::challenge
