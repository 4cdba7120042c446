// Test helpers for the segment module: the affiliate schema of the shared data contract
// (mapping/affiliates.yaml), built by hand so these tests do not depend on the mapping
// loader, and a profile builder that parses cells exactly as the export reader does.
#pragma once

#include <map>
#include <string>

#include <date/tz.h>
#include <doctest/doctest.h>

#include "mapper/profile.h"
#include "segment/evaluator.h"
#include "segment/rule_loader.h"

namespace segsync::testing {

inline Schema AffiliateSchema() {
  Schema s;
  auto add = [&](std::string name, std::string column, FieldType type) -> FieldDef& {
    FieldDef f;
    f.name = std::move(name);
    f.column = std::move(column);
    f.type = type;
    s.fields.push_back(std::move(f));
    return s.fields.back();
  };
  add("id", "ContactID", FieldType::kString);
  add("status", "Status", FieldType::kString);
  add("exams_passed", "ExamsPassed", FieldType::kInt);
  add("per_months", "PERMonths", FieldType::kInt);
  FieldDef& ethics = add("ethics_done", "EthicsModule", FieldType::kBool);
  ethics.true_values = {"Y"};
  ethics.false_values = {"N"};
  add("last_exam", "LastExamDate", FieldType::kDate);
  add("paid_until", "SubscriptionPaidUntil", FieldType::kDate);
  add("member_since", "MemberSince", FieldType::kDate);
  add("country", "Country", FieldType::kString);
  add("region", "Region", FieldType::kString);
  add("city", "City", FieldType::kString);
  add("employer", "Employer", FieldType::kString);
  add("language", "PreferredLanguage", FieldType::kString);
  add("channel", "SourceChannel", FieldType::kString);
  add("registered_at", "RegisteredAt", FieldType::kDateTime);
  add("interests", "Interests", FieldType::kList).separator = ";";
  return s;
}

inline const date::time_zone* Shanghai() { return date::locate_zone("Asia/Shanghai"); }

// A profile from CRM cell texts (field name -> cell), parsed with ParseCell in Shanghai time.
inline Profile MakeProfile(const Schema& schema, const std::map<std::string, std::string>& cells) {
  Profile p;
  p.values.resize(schema.fields.size());
  for (const auto& [name, text] : cells) {
    int i = schema.IndexOf(name);
    REQUIRE_MESSAGE(i >= 0, name);
    std::string why;
    auto v = ParseCell(schema.fields[i], text, Shanghai(), &why);
    REQUIRE_MESSAGE(v.has_value(), name << ": " << why);
    p.values[i] = *v;
    if (i == 0) p.id = text;
  }
  return p;
}

// An evaluation context at local time `local` ("YYYY-MM-DD hh:mm") in Asia/Shanghai.
inline EvalContext ShanghaiContext(const std::string& local_iso) {
  FieldDef f;
  f.type = FieldType::kDateTime;
  std::string why;
  auto v = ParseCell(f, local_iso, Shanghai(), &why);
  REQUIRE(v.has_value());
  return MakeEvalContext(std::get<DateTime>(*v), Shanghai());
}

// Loads one rule file from text; the file name in diagnostics is "r.yaml".
inline RuleSet LoadText(const std::string& yaml, DiagSink& sink) {
  return LoadRuleSources({{"r.yaml", yaml}}, AffiliateSchema(), sink);
}

}  // namespace segsync::testing
