// The score-formula language: values worked out by hand, the canonical
// form, every error with its column, hostile inputs and a seeded fuzz loop.
#include "challenge/expression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

namespace mai::challenge {
namespace {

using Vars = std::map<std::string, double, std::less<>>;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The value of `text`, or NaN (and a test failure) on any error.
double Value(std::string_view text, const Vars& vars = {}) {
  Result<Expression> e = Expression::Parse(text);
  if (!e.ok()) {
    ADD_FAILURE() << "Parse(\"" << text << "\"): " << e.status().message();
    return std::nan("");
  }
  Result<double> v = e->Evaluate(vars);
  if (!v.ok()) {
    ADD_FAILURE() << "Evaluate(\"" << text << "\"): " << v.status().message();
    return std::nan("");
  }
  return *v;
}

// The message of the error Parse gives for `text`, or "<parsed>".
std::string ParseError(std::string_view text) {
  Result<Expression> e = Expression::Parse(text);
  if (e.ok()) return "<parsed>";
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  return e.status().message();
}

// The message of the error Evaluate gives for `text` (which must parse).
std::string EvaluateError(std::string_view text, const Vars& vars = {}) {
  Result<Expression> e = Expression::Parse(text);
  if (!e.ok()) return "<parse error> " + e.status().message();
  Result<double> v = e->Evaluate(vars);
  if (v.ok()) return fmt::format("<evaluated to {}>", *v);
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  return v.status().message();
}

std::string Canonical(std::string_view text) {
  Result<Expression> e = Expression::Parse(text);
  if (!e.ok()) return "<parse error> " + e.status().message();
  return e->ToString();
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// --- values ------------------------------------------------------------------

TEST(ExpressionTest, Numbers) {
  EXPECT_EQ(Value("3"), 3);
  EXPECT_EQ(Value("0.5"), 0.5);
  EXPECT_EQ(Value(".5"), 0.5);
  EXPECT_EQ(Value("5."), 5);
  EXPECT_EQ(Value("1e-3"), 0.001);
  EXPECT_EQ(Value("2.5E+2"), 250);
  EXPECT_EQ(Value("2.5e2"), 250);
  EXPECT_EQ(Value("007"), 7);
  EXPECT_EQ(Value(" \t\n 42 \r\n"), 42);
}

TEST(ExpressionTest, PrecedenceAndAssociativity) {
  EXPECT_EQ(Value("1+2*3"), 7);
  EXPECT_EQ(Value("(1+2)*3"), 9);
  EXPECT_EQ(Value("2^3^2"), 512);  // 2^(3^2) = 2^9
  EXPECT_EQ(Value("(2^3)^2"), 64);
  EXPECT_EQ(Value("-2^2"), -4);  // -(2^2)
  EXPECT_EQ(Value("(-2)^2"), 4);
  EXPECT_EQ(Value("2^-1"), 0.5);
  EXPECT_EQ(Value("2^-1^2"), 0.5);   // 2^(-(1^2))
  EXPECT_EQ(Value("-2^-2"), -0.25);  // -(2^(-2))
  EXPECT_EQ(Value("8/4/2"), 1);      // (8/4)/2
  EXPECT_EQ(Value("1-2-3"), -4);     // (1-2)-3
  EXPECT_EQ(Value("2*3^2"), 18);
  EXPECT_EQ(Value("-3*-2"), 6);
  EXPECT_EQ(Value("--2"), 2);
  EXPECT_EQ(Value("+-+2"), -2);
  EXPECT_EQ(Value("1 - -1"), 2);
  EXPECT_EQ(Value("6/2*3"), 9);  // (6/2)*3
  EXPECT_EQ(Value("2 ^ 10 / 4 + 1"), 257);
  EXPECT_EQ(Value("(-8)^3"), -512);  // negative base, integer exponent
  EXPECT_EQ(Value("0^0"), 1);
}

TEST(ExpressionTest, Functions) {
  EXPECT_NEAR(Value("log(exp(2))"), 2, 1e-15);
  EXPECT_EQ(Value("log(1)"), 0);
  EXPECT_EQ(Value("log2(8)"), 3);
  EXPECT_NEAR(Value("log10(1000)"), 3, 1e-15);
  EXPECT_EQ(Value("exp(0)"), 1);
  EXPECT_EQ(Value("sqrt(16)"), 4);
  EXPECT_EQ(Value("sqrt(0)"), 0);
  EXPECT_EQ(Value("abs(-3)"), 3);
  EXPECT_EQ(Value("abs(3)"), 3);
  EXPECT_EQ(Value("pow(2, 10)"), 1024);
  EXPECT_EQ(Value("pow(-2, 3)"), -8);
  EXPECT_EQ(Value("pow(4, 0.5)"), 2);
  EXPECT_EQ(Value("2 * sqrt(9) + 1"), 7);
  EXPECT_EQ(Value("-sqrt(4)^2"), -4);  // -(sqrt(4)^2)
}

TEST(ExpressionTest, MinMaxAreVariadic) {
  EXPECT_EQ(Value("min(3, 1)"), 1);
  EXPECT_EQ(Value("min(3, 1, 2)"), 1);
  EXPECT_EQ(Value("max(3, 1, 2, 7, -1)"), 7);
  EXPECT_EQ(Value("min(1, -1)"), -1);
  EXPECT_EQ(Value("max(2*3, 1+1, 4^0.5)"), 6);
  EXPECT_EQ(Value("max(min(1, 2), 0.5)"), 1);
  std::string many = "max(1";
  for (int i = 2; i <= 100; ++i) many += fmt::format(", {}", i);
  many += ")";
  EXPECT_EQ(Value(many), 100);
}

TEST(ExpressionTest, Clamp) {
  EXPECT_EQ(Value("clamp(5, 0, 1)"), 1);
  EXPECT_EQ(Value("clamp(-5, 0, 1)"), 0);
  EXPECT_EQ(Value("clamp(0.25, 0, 1)"), 0.25);
  EXPECT_EQ(Value("clamp(1, 1, 1)"), 1);
  EXPECT_EQ(Value("clamp(x, lo, hi)", {{"x", 7}, {"lo", 2}, {"hi", 4}}), 4);
}

TEST(ExpressionTest, Variables) {
  const Vars vars = {{"a", 2}, {"b_2", 3}, {"_c", 4}, {"unused", 100}};
  EXPECT_EQ(Value("a * b_2 + _c", vars), 10);
  EXPECT_EQ(Value("a^b_2", vars), 8);
  EXPECT_EQ(Value("-a", vars), -2);
}

// --- the Mobile AI challenge formulas ----------------------------------------

TEST(ExpressionTest, MaiPowerTrackFormula) {
  // 1.66 * 27.34 = 45.3844; 50 * (1 - 0.09) = 45.5; sum 90.8844, which the
  // challenge report publishes as 90.9.
  const double score = Value("1.66*PSNR + 50*(1 - power_W)",
                             {{"PSNR", 27.34}, {"power_W", 0.09}});
  EXPECT_NEAR(score, 90.8844, 1e-9);
  EXPECT_EQ(std::round(score * 10) / 10, 90.9);
}

TEST(ExpressionTest, MaiPsnrRuntimeFormula) {
  const std::string f = "2^(2*PSNR) / (C*runtime_ms)";
  // PSNR 5: 2^10 = 1024; C * runtime = 0.5 * 4 = 2; 1024 / 2 = 512.
  EXPECT_EQ(Value(f, {{"PSNR", 5}, {"C", 0.5}, {"runtime_ms", 4}}), 512);
  // PSNR 10: 2^20 = 1048576; C * runtime = 1.
  EXPECT_EQ(Value(f, {{"PSNR", 10}, {"C", 1}, {"runtime_ms", 1}}), 1048576);
  // PSNR 0.5: 2^1 = 2; 0.25 * 8 = 2; 1.
  EXPECT_EQ(Value(f, {{"PSNR", 0.5}, {"C", 0.25}, {"runtime_ms", 8}}), 1);
  // PSNR 16: 2^32; 0.125 * 32 = 4; 2^30.
  EXPECT_EQ(Value(f, {{"PSNR", 16}, {"C", 0.125}, {"runtime_ms", 32}}),
            1073741824.0);
}

TEST(ExpressionTest, MaiRmseRuntimeFormula) {
  const std::string f = "2^(-20*si_RMSE) / (C*runtime_ms)";
  // si_RMSE 0.05: 2^-1 = 0.5; C * runtime = 0.5; 1.
  EXPECT_DOUBLE_EQ(Value(f, {{"si_RMSE", 0.05}, {"C", 0.5}, {"runtime_ms", 1}}),
                   1);
  // si_RMSE 0.1: 2^-2 = 0.25; C * runtime = 0.5; 0.5.
  EXPECT_DOUBLE_EQ(Value(f, {{"si_RMSE", 0.1}, {"C", 1}, {"runtime_ms", 0.5}}),
                   0.5);
  // si_RMSE 0: 1 / (2 * 8).
  EXPECT_EQ(Value(f, {{"si_RMSE", 0}, {"C", 2}, {"runtime_ms", 8}}), 0.0625);
  // Lower error scores higher.
  EXPECT_GT(Value(f, {{"si_RMSE", 0.01}, {"C", 1}, {"runtime_ms", 1}}),
            Value(f, {{"si_RMSE", 0.02}, {"C", 1}, {"runtime_ms", 1}}));
}

// --- Variables, ToString, copies ---------------------------------------------

TEST(ExpressionTest, VariablesAreSortedAndUnique) {
  auto e = Expression::Parse("2^(2*PSNR)/(C*runtime_ms) + PSNR - C");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_THAT(e->Variables(), ElementsAre("C", "PSNR", "runtime_ms"));
  EXPECT_EQ(e->text(), "2^(2*PSNR)/(C*runtime_ms) + PSNR - C");

  auto constant = Expression::Parse("1 + log(2)");
  ASSERT_TRUE(constant.ok());
  EXPECT_TRUE(constant->Variables().empty());
}

TEST(ExpressionTest, CanonicalForm) {
  EXPECT_EQ(Canonical("1+2*3"), "(1 + (2 * 3))");
  EXPECT_EQ(Canonical("-2^2"), "(-(2 ^ 2))");
  EXPECT_EQ(Canonical("2^-1"), "(2 ^ (-1))");
  EXPECT_EQ(Canonical("2^3^2"), "(2 ^ (3 ^ 2))");
  EXPECT_EQ(Canonical("8/4/2"), "((8 / 4) / 2)");
  EXPECT_EQ(Canonical("+x"), "x");
  EXPECT_EQ(Canonical("((x))"), "x");
  EXPECT_EQ(Canonical("min(a,b ,  c)"), "min(a, b, c)");
  EXPECT_EQ(Canonical("clamp(x,0,1)"), "clamp(x, 0, 1)");
  EXPECT_EQ(Canonical(".5 + 2.5E+2 + 1e-3"), "((0.5 + 250) + 0.001)");
  EXPECT_EQ(Canonical("1.66*PSNR + 50*(1 - power_W)"),
            "((1.66 * PSNR) + (50 * (1 - power_W)))");
  EXPECT_EQ(Canonical("2^(2*PSNR)/(C*runtime_ms)"),
            "((2 ^ (2 * PSNR)) / (C * runtime_ms))");
}

TEST(ExpressionTest, ToStringRoundTrip) {
  const Vars vars = {{"PSNR", 27.34},      {"power_W", 0.09},  {"C", 0.3},
                     {"runtime_ms", 17.5}, {"si_RMSE", 0.123}, {"x", -1.7}};
  for (const char* text :
       {"1.66*PSNR + 50*(1 - power_W)", "2^(2*PSNR)/(C*runtime_ms)",
        "2^(-20*si_RMSE)/(C*runtime_ms)", "-2^2 + 2^-1 - -x",
        "clamp(x, -1, 1) * max(1, 2, x) / min(3, abs(x))",
        "0.1 + 0.2 + 1e-7 + 123456789.123456789 + 3.14159265358979",
        "log(PSNR) + log2(C) + log10(runtime_ms) + exp(x) + sqrt(PSNR)",
        "pow(PSNR, 0.5) ^ 1.5"}) {
    SCOPED_TRACE(text);
    auto e = Expression::Parse(text);
    ASSERT_TRUE(e.ok()) << e.status().message();
    auto again = Expression::Parse(e->ToString());
    ASSERT_TRUE(again.ok())
        << e->ToString() << ": " << again.status().message();
    EXPECT_EQ(again->ToString(), e->ToString());
    EXPECT_EQ(again->Variables(), e->Variables());
    auto a = e->Evaluate(vars);
    auto b = again->Evaluate(vars);
    ASSERT_TRUE(a.ok()) << a.status().message();
    ASSERT_TRUE(b.ok()) << b.status().message();
    EXPECT_EQ(*a, *b);  // bit for bit: same tree, same numbers
  }
}

TEST(ExpressionTest, IsACopyableValue) {
  auto parsed = Expression::Parse("a * 2");
  ASSERT_TRUE(parsed.ok());
  Expression copy = *parsed;
  Expression assigned;
  assigned = copy;
  EXPECT_EQ(*copy.Evaluate({{"a", 3}}), 6);
  EXPECT_EQ(*assigned.Evaluate({{"a", 4}}), 8);
  EXPECT_EQ(assigned.text(), "a * 2");
}

TEST(ExpressionTest, DefaultIsEmpty) {
  Expression e;
  EXPECT_EQ(e.Evaluate({}).status().message(), "empty formula");
  EXPECT_EQ(e.CheckVariables({}).message(), "empty formula");
  EXPECT_EQ(e.ToString(), "");
  EXPECT_TRUE(e.Variables().empty());
}

// --- parse errors ------------------------------------------------------------

TEST(ExpressionErrorTest, Empty) {
  EXPECT_EQ(ParseError(""), "empty formula");
  EXPECT_EQ(ParseError(" \t\n"), "empty formula");
}

TEST(ExpressionErrorTest, MissingOperand) {
  EXPECT_EQ(ParseError("1 +"),
            "column 4: unexpected end of formula (expected a number, name or "
            "'(')");
  EXPECT_EQ(ParseError("2 ^"),
            "column 4: unexpected end of formula (expected a number, name or "
            "'(')");
  EXPECT_EQ(ParseError("-"),
            "column 2: unexpected end of formula (expected a number, name or "
            "'(')");
  EXPECT_EQ(ParseError("1 + * 2"),
            "column 5: expected a number, name or '(', found '*'");
  EXPECT_EQ(ParseError("* 2"),
            "column 1: expected a number, name or '(', found '*'");
  EXPECT_EQ(ParseError("()"),
            "column 2: expected a number, name or '(', found ')'");
  EXPECT_EQ(ParseError(","),
            "column 1: expected a number, name or '(', found ','");
}

TEST(ExpressionErrorTest, MissingOperator) {
  EXPECT_EQ(ParseError("1 2"), "column 3: expected an operator, found '2'");
  EXPECT_EQ(ParseError("PSNR runtime"),
            "column 6: expected an operator, found 'runtime'");
  EXPECT_EQ(ParseError("(1)(2)"), "column 4: expected an operator, found '('");
  EXPECT_EQ(ParseError("1, 2"), "column 2: expected an operator, found ','");
}

TEST(ExpressionErrorTest, UnbalancedParentheses) {
  EXPECT_EQ(ParseError("(1 + 2"),
            "column 7: expected ')' to close '(' at column 1, found end of "
            "formula");
  EXPECT_EQ(ParseError("((1)"),
            "column 5: expected ')' to close '(' at column 1, found end of "
            "formula");
  EXPECT_EQ(ParseError("(1 + 2))"), "column 8: unmatched ')'");
  EXPECT_EQ(ParseError(")"),
            "column 1: expected a number, name or '(', found ')'");
  EXPECT_EQ(ParseError("2 * (x 3)"),
            "column 8: expected ')' to close '(' at column 5, found '3'");
}

TEST(ExpressionErrorTest, UnknownFunction) {
  EXPECT_EQ(ParseError("score + eval(1)"), "column 9: unknown function 'eval'");
  EXPECT_EQ(ParseError("system(\"rm\")"),
            "column 1: unknown function 'system'");
  EXPECT_EQ(ParseError("Log(2)"), "column 1: unknown function 'Log'");
  EXPECT_EQ(ParseError("1 + log"),
            "column 5: 'log' is a function; expected '(' after it, found end "
            "of formula");
  EXPECT_EQ(ParseError("min + 1"),
            "column 1: 'min' is a function; expected '(' after it, found "
            "'+'");
}

TEST(ExpressionErrorTest, WrongArity) {
  EXPECT_EQ(ParseError("log(1, 2)"), "column 1: log() takes 1 argument, got 2");
  EXPECT_EQ(ParseError("1 + sqrt()"),
            "column 5: sqrt() takes 1 argument, got 0");
  EXPECT_EQ(ParseError("pow(2)"), "column 1: pow() takes 2 arguments, got 1");
  EXPECT_EQ(ParseError("pow(1, 2, 3)"),
            "column 1: pow() takes 2 arguments, got 3");
  EXPECT_EQ(ParseError("min(1)"),
            "column 1: min() takes at least 2 arguments, got 1");
  EXPECT_EQ(ParseError("max()"),
            "column 1: max() takes at least 2 arguments, got 0");
  EXPECT_EQ(ParseError("clamp(1, 2)"),
            "column 1: clamp() takes 3 arguments, got 2");
  EXPECT_EQ(ParseError("min(1 2)"),
            "column 7: expected ',' or ')' in the call of 'min' at column 1, "
            "found '2'");
  EXPECT_EQ(ParseError("min(1,)"),
            "column 7: expected a number, name or '(', found ')'");
  EXPECT_EQ(ParseError("max(1, 2"),
            "column 9: expected ',' or ')' in the call of 'max' at column 1, "
            "found end of formula");
}

TEST(ExpressionErrorTest, BadNumber) {
  EXPECT_EQ(ParseError("1e"), "column 1: malformed number '1e'");
  EXPECT_EQ(ParseError("2 * 1..2"), "column 5: malformed number '1..2'");
  EXPECT_EQ(ParseError("1.2.3"), "column 1: malformed number '1.2.3'");
  EXPECT_EQ(ParseError("1e+"), "column 1: malformed number '1e+'");
  EXPECT_EQ(ParseError("1 + 2x"), "column 5: malformed number '2x'");
  EXPECT_EQ(ParseError("0x1F"), "column 1: malformed number '0x1F'");
  EXPECT_EQ(ParseError("."), "column 1: malformed number '.'");
  EXPECT_EQ(ParseError("1e999"), "column 1: number '1e999' is out of range");
  // Below the smallest subnormal is refused too, rather than read as 0.
  EXPECT_EQ(ParseError("1e-400"), "column 1: number '1e-400' is out of range");
  EXPECT_EQ(Value("1e-320 * 1e300"), 1e-320 * 1e300);  // subnormal is fine
}

TEST(ExpressionErrorTest, UnknownCharacter) {
  EXPECT_EQ(ParseError("PSNR $ 2"), "column 6: unexpected character '$'");
  EXPECT_EQ(ParseError("1;"), "column 2: unexpected character ';'");
  EXPECT_EQ(ParseError("a = 1"), "column 3: unexpected character '='");
  EXPECT_EQ(ParseError("1 + \x01"), "column 5: unexpected byte 0x01");
  EXPECT_EQ(ParseError("1 + \xc3\xa9"), "column 5: unexpected byte 0xC3");
  EXPECT_EQ(ParseError(std::string_view("1\0", 2)),
            "column 2: unexpected byte 0x00");
  // The leftmost problem is reported, even when the parser would also
  // have complained about something later.
  EXPECT_EQ(ParseError("1 * (2 + $)"), "column 10: unexpected character '$'");
  EXPECT_EQ(ParseError("1 + 2 @ +"), "column 7: unexpected character '@'");
}

// --- variable and evaluation errors ------------------------------------------

TEST(ExpressionErrorTest, UnknownVariable) {
  EXPECT_EQ(EvaluateError("PSNR2 * 2", {{"PSNR", 1}}),
            "column 1: unknown variable 'PSNR2' (known: PSNR)");
  EXPECT_EQ(EvaluateError("x"),
            "column 1: unknown variable 'x' (no variables are defined)");

  auto e = Expression::Parse("2^(2*PSNR2)/(C*runtime_ms) + y");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->CheckVariables({"C", "PSNR", "runtime_ms"}).message(),
            "column 6: unknown variable 'PSNR2' (known: C, PSNR, runtime_ms)");
  EXPECT_EQ(e->CheckVariables({"C", "PSNR2", "runtime_ms"}).message(),
            "column 30: unknown variable 'y' (known: C, PSNR2, runtime_ms)");
  EXPECT_EQ(e->CheckVariables({"C", "PSNR2", "runtime_ms", "y"}).code(),
            StatusCode::kOk);
  EXPECT_EQ(e->CheckVariables({"C", "PSNR2", "runtime_ms", "y"}).code(),
            StatusCode::kOk);
  EXPECT_EQ(e->CheckVariables({}).code(), StatusCode::kInvalidArgument);
}

TEST(ExpressionErrorTest, NonFiniteVariable) {
  EXPECT_EQ(EvaluateError("x + 1", {{"x", std::nan("")}}),
            "column 1: variable 'x' is nan, not finite");
  EXPECT_EQ(
      EvaluateError("1 + x", {{"x", std::numeric_limits<double>::infinity()}}),
      "column 5: variable 'x' is inf, not finite");
}

TEST(ExpressionErrorTest, DivisionByZero) {
  EXPECT_EQ(EvaluateError("1 / (x - 2)", {{"x", 2}}),
            "column 3: division by zero (1 / 0)");
  EXPECT_EQ(EvaluateError("0/0"), "column 2: division by zero (0 / 0)");
  EXPECT_EQ(EvaluateError("2^(2*PSNR)/(C*runtime_ms)",
                          {{"PSNR", 5}, {"C", 1}, {"runtime_ms", 0}}),
            "column 11: division by zero (1024 / 0)");
}

TEST(ExpressionErrorTest, DomainErrors) {
  EXPECT_EQ(EvaluateError("log(0)"),
            "column 1: log(0): the argument must be > 0");
  EXPECT_EQ(EvaluateError("1 + log10(-1)"),
            "column 5: log10(-1): the argument must be > 0");
  EXPECT_EQ(EvaluateError("log2(-0.5)"),
            "column 1: log2(-0.5): the argument must be > 0");
  EXPECT_EQ(EvaluateError("sqrt(-1)"),
            "column 1: sqrt(-1): the argument must be >= 0");
  EXPECT_EQ(EvaluateError("(-8)^0.5"),
            "column 5: (-8) ^ 0.5 is undefined: negative base with a "
            "fractional exponent");
  EXPECT_EQ(EvaluateError("pow(-8, 0.5)"),
            "column 1: pow(-8, 0.5) is undefined: negative base with a "
            "fractional exponent");
  EXPECT_EQ(EvaluateError("clamp(1, 3, 2)"),
            "column 1: clamp(1, 3, 2): lo > hi");
}

TEST(ExpressionErrorTest, NonFiniteResults) {
  EXPECT_EQ(EvaluateError("10^400"), "column 3: 10 ^ 400 is not finite");
  EXPECT_EQ(EvaluateError("exp(1000)"), "column 1: exp(1000) is not finite");
  EXPECT_EQ(EvaluateError("1e308 * 10"), "column 7: 1e+308 * 10 is not finite");
  EXPECT_EQ(EvaluateError("1e308 + 1e308"),
            "column 7: 1e+308 + 1e+308 is not finite");
  EXPECT_EQ(EvaluateError("0^-1"), "column 2: 0 ^ (-1) is not finite");
  EXPECT_EQ(EvaluateError("pow(2, 5000)"),
            "column 1: pow(2, 5000) is not finite");
  EXPECT_EQ(EvaluateError("2^(2*PSNR)", {{"PSNR", 600}}),
            "column 2: 2 ^ 1200 is not finite");
}

// --- limits and hostile inputs -----------------------------------------------

TEST(ExpressionLimitsTest, Length) {
  EXPECT_EQ(ParseError(std::string(100000, '(')),
            "formula is 100000 characters long; the limit is 4096");
  EXPECT_EQ(ParseError(Repeat("x+", 2500)),
            "formula is 5000 characters long; the limit is 4096");
  // Exactly at the limit is fine.
  EXPECT_EQ(Value("1" + std::string(Expression::kMaxLength - 1, ' ')), 1);
}

TEST(ExpressionLimitsTest, Depth) {
  // 64 levels of parentheses are allowed, the 65th '(' is refused.
  EXPECT_EQ(Value(std::string(64, '(') + "1" + std::string(64, ')')), 1);
  EXPECT_EQ(ParseError(std::string(65, '(') + "1" + std::string(65, ')')),
            "column 65: formula nested deeper than 64 levels");
  EXPECT_EQ(ParseError(std::string(4000, '(')),
            "column 65: formula nested deeper than 64 levels");
  EXPECT_EQ(ParseError(std::string(4000, '-') + "1"),
            "column 65: formula nested deeper than 64 levels");
  EXPECT_EQ(ParseError(std::string(4000, '+') + "1"),
            "column 65: formula nested deeper than 64 levels");
  // The 65th '^' of 2^2^2^..., at column 130.
  EXPECT_EQ(ParseError(Repeat("2^", 1000) + "2"),
            "column 130: formula nested deeper than 64 levels");
  // The '(' of the 65th nested call, at column 4 * 65.
  EXPECT_EQ(ParseError(Repeat("abs(", 100) + "1" + std::string(100, ')')),
            "column 260: formula nested deeper than 64 levels");
  // 63 calls and a unary minus make 64 levels.
  EXPECT_EQ(Value(Repeat("abs(", 63) + "-1" + std::string(63, ')')), 1);
}

TEST(ExpressionLimitsTest, NodeCount) {
  // 512 ones and 511 '+': 1023 nodes, allowed; a left-associative chain
  // does not nest, however long.
  EXPECT_EQ(Value("1" + Repeat("+1", 511)), 512);
  // 2001 ones and 2000 '+'. Nodes in order: 1, 1, +, 1, +, ...; node 1024
  // (0-based) is the 512th '+', at column 2 * 512.
  EXPECT_EQ(ParseError("1" + Repeat("+1", 2000)),
            "column 1024: formula too large (more than 1024 numbers, names "
            "and operators)");
  EXPECT_EQ(ParseError("x" + Repeat("*x", 2000)),
            "column 1024: formula too large (more than 1024 numbers, names "
            "and operators)");
  EXPECT_THAT(ParseError("max(1" + Repeat(",1", 2000) + ")"),
              HasSubstr("formula too large"));
}

TEST(ExpressionLimitsTest, LongChainStillEvaluatesAndPrints) {
  // Deep left-associative trees are evaluated and printed without recursion.
  auto e = Expression::Parse("x" + Repeat("-x", 511));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(*e->Evaluate({{"x", 1}}), 1 - 511);
  const std::string canonical = e->ToString();
  EXPECT_EQ(canonical.size(), 1 + 511 * 6u);  // "(" ... " - x)" per operator
  // Its canonical form nests 511 deep, beyond what Parse accepts.
  EXPECT_THAT(ParseError(canonical), HasSubstr("nested deeper than 64"));
}

// --- fuzzing -----------------------------------------------------------------

// Checks the contract on any input: Parse gives an expression or a clean
// one-line InvalidArgument; an expression evaluates to a finite number or a
// clean error, and its canonical form parses back to the same tree.
// Returns whether `text` parsed.
bool CheckAnyInput(const std::string& text, std::mt19937& rng) {
  Result<Expression> e = Expression::Parse(text);
  if (!e.ok()) {
    const Status& s = e.status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_FALSE(s.message().empty()) << text;
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << text;
    const bool known_form = s.message().starts_with("column ") ||
                            s.message() == "empty formula" ||
                            s.message().starts_with("formula is ");
    EXPECT_TRUE(known_form) << text << " -> " << s.message();
    return false;
  }
  static constexpr double kValues[] = {0, 1, -1, 0.5, 2, 3, 1e-3, 1e3, -7.25};
  Vars vars;
  for (const std::string& name : e->Variables()) {
    vars[name] = kValues[rng() % std::size(kValues)];
  }
  EXPECT_TRUE(e->CheckVariables({}).ok() == e->Variables().empty()) << text;
  Result<double> v = e->Evaluate(vars);
  if (v.ok()) {
    EXPECT_TRUE(std::isfinite(*v)) << text;
  } else {
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(v.status().message(), StartsWith("column ")) << text;
  }
  const std::string canonical = e->ToString();
  Result<Expression> again = Expression::Parse(canonical);
  if (!again.ok()) {
    ADD_FAILURE() << text << " -> " << canonical << ": "
                  << again.status().message();
    return true;
  }
  EXPECT_EQ(again->ToString(), canonical) << text;
  Result<double> w = again->Evaluate(vars);
  EXPECT_EQ(w.ok(), v.ok()) << text;
  if (v.ok() && w.ok()) {
    EXPECT_EQ(*v, *w) << text;
  }
  return true;
}

TEST(ExpressionFuzzTest, RandomCharacters) {
  std::mt19937 rng(20240601);
  const std::string alphabet =
      "0123456789.eE+-*/^(),_ xyzPSNRlogsqrtminaxpwcl\t$;";
  int parsed = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string text(rng() % 48, ' ');
    for (char& c : text) {
      // Now and then any byte at all.
      c = rng() % 50 == 0 ? static_cast<char>(rng() % 256)
                          : alphabet[rng() % alphabet.size()];
    }
    parsed += CheckAnyInput(text, rng);
    if (HasFailure()) FAIL() << "stopped at input " << i << ": " << text;
  }
  EXPECT_GT(parsed, 0);
  std::printf("random characters: %d of 10000 parsed\n", parsed);
}

TEST(ExpressionFuzzTest, RandomTokens) {
  std::mt19937 rng(7);
  const std::vector<std::string> tokens = {
      "1",    "2",    "0",     "0.5",    ".5",    "1e-3",  "2.5E+2",
      "10",   "400",  "x",     "PSNR",   "C",     "+",     "-",
      "*",    "/",    "^",     "(",      "(",     ")",     ")",
      ",",    "log(", "log2(", "log10(", "exp(",  "sqrt(", "abs(",
      "min(", "max(", "pow(",  "clamp(", "eval(", "$"};
  int parsed = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string text;
    const int n = 1 + rng() % 30;
    for (int k = 0; k < n; ++k) {
      text += tokens[rng() % tokens.size()];
      if (rng() % 3 == 0) text += ' ';
    }
    parsed += CheckAnyInput(text, rng);
    if (HasFailure()) FAIL() << "stopped at input " << i << ": " << text;
  }
  EXPECT_GT(parsed, 50);
  std::printf("random tokens: %d of 10000 parsed\n", parsed);
}

TEST(ExpressionFuzzTest, RandomWellFormedTrees) {
  // Generated well-formed formulas must all parse and round-trip.
  std::mt19937 rng(99);
  const char* ops[] = {" + ", " - ", " * ", " / ", "^"};
  const char* leaves[] = {"x", "PSNR", "2", "0.5", "3", "1e-2"};
  for (int i = 0; i < 2000; ++i) {
    std::string text = leaves[rng() % 6];
    const int n = rng() % 12;
    for (int k = 0; k < n; ++k) {
      switch (rng() % 4) {
        case 0:
          text = "(" + text + ")";
          break;
        case 1:
          text = "-" + text;
          break;
        case 2:
          text = fmt::format("max({}, {})", text, leaves[rng() % 6]);
          break;
        default:
          text += ops[rng() % 5] + std::string(leaves[rng() % 6]);
      }
    }
    EXPECT_TRUE(CheckAnyInput(text, rng)) << text;
    if (HasFailure()) FAIL() << "stopped at input " << i << ": " << text;
  }
}

}  // namespace
}  // namespace mai::challenge
