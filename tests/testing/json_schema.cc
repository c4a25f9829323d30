#include "testing/json_schema.h"

namespace mai::testing {
namespace {

bool HasType(const nlohmann::json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  return false;
}

void Check(const nlohmann::json& v, const nlohmann::json& schema,
           const std::string& path, std::vector<std::string>& errors) {
  if (!schema.is_object()) return;
  if (auto t = schema.find("type"); t != schema.end()) {
    bool ok = false;
    if (t->is_string()) {
      ok = HasType(v, t->get<std::string>());
    } else {
      for (const auto& one : *t) ok = ok || HasType(v, one.get<std::string>());
    }
    if (!ok) {
      errors.push_back(path + ": expected type " + t->dump() + ", got " +
                       v.type_name());
      return;
    }
  }
  if (auto e = schema.find("enum"); e != schema.end()) {
    bool found = false;
    for (const auto& option : *e) found = found || option == v;
    if (!found)
      errors.push_back(path + ": " + v.dump() + " not in " + e->dump());
  }
  if (auto m = schema.find("minimum"); m != schema.end() && v.is_number()) {
    if (v.get<double>() < m->get<double>()) {
      errors.push_back(path + ": " + v.dump() + " below minimum " + m->dump());
    }
  }
  if (v.is_object()) {
    if (auto r = schema.find("required"); r != schema.end()) {
      for (const auto& name : *r) {
        if (!v.contains(name.get<std::string>())) {
          errors.push_back(path + "/" + name.get<std::string>() + ": missing");
        }
      }
    }
    if (auto props = schema.find("properties"); props != schema.end()) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        if (auto child = v.find(it.key()); child != v.end()) {
          Check(*child, it.value(), path + "/" + it.key(), errors);
        }
      }
    }
  }
  if (v.is_array()) {
    if (auto items = schema.find("items"); items != schema.end()) {
      for (size_t i = 0; i < v.size(); ++i) {
        Check(v[i], *items, path + "/" + std::to_string(i), errors);
      }
    }
  }
}

}  // namespace

std::vector<std::string> ValidateJson(const nlohmann::json& doc,
                                      const nlohmann::json& schema) {
  std::vector<std::string> errors;
  Check(doc, schema, "", errors);
  return errors;
}

}  // namespace mai::testing
