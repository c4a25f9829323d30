// A small JSON Schema checker for the tests: the keywords the project's
// schemas use (type, enum, required, properties, items, minimum). Unknown
// keywords ($schema, $id, title, description, ...) are ignored. Not a full
// validator: no $ref, patterns, combinators or formats.
#ifndef MAI_TESTS_TESTING_JSON_SCHEMA_H_
#define MAI_TESTS_TESTING_JSON_SCHEMA_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mai::testing {

// Every violation as "path: what", e.g. "/runs/count: missing"; empty when
// `doc` conforms.
std::vector<std::string> ValidateJson(const nlohmann::json& doc,
                                      const nlohmann::json& schema);

}  // namespace mai::testing

#endif  // MAI_TESTS_TESTING_JSON_SCHEMA_H_
