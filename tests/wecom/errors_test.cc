#include "wecom/errors.h"

#include <doctest/doctest.h>

namespace segsync::wecom {

TEST_CASE("errcode classification table (wecom-api.md §8)") {
  struct Row {
    int errcode;
    bool on_gettoken;
    ErrorClass expected;
  };
  const Row rows[] = {
      {0, false, ErrorClass::kOk},           {-1, false, ErrorClass::kTransient},
      {45033, false, ErrorClass::kConcurrency}, {45009, false, ErrorClass::kFrequency},
      {45009, true, ErrorClass::kFrequency}, {40014, false, ErrorClass::kToken},
      {42001, false, ErrorClass::kToken},    {40001, false, ErrorClass::kToken},
      {40001, true, ErrorClass::kFatal},     {40003, false, ErrorClass::kItem},
      {40096, false, ErrorClass::kItem},     {60011, false, ErrorClass::kItem},
      {60111, false, ErrorClass::kItem},     {84061, false, ErrorClass::kItem},
      {40068, false, ErrorClass::kItem},     {301002, false, ErrorClass::kItem},
      {40013, true, ErrorClass::kFatal},     {40091, true, ErrorClass::kFatal},
      {48002, false, ErrorClass::kFatal},    {60020, false, ErrorClass::kFatal},
      {41004, true, ErrorClass::kFatal},     {41002, true, ErrorClass::kFatal},
      {41001, false, ErrorClass::kClientBug}, {41009, false, ErrorClass::kClientBug},
      {40058, false, ErrorClass::kClientBug}, {81017, false, ErrorClass::kClientBug},
      {12345, false, ErrorClass::kUnknown},  {40071, false, ErrorClass::kUnknown},
  };
  for (const auto& r : rows) {
    CAPTURE(r.errcode);
    CAPTURE(r.on_gettoken);
    CHECK(ErrorClassName(Classify(r.errcode, r.on_gettoken)) == ErrorClassName(r.expected));
  }
}

TEST_CASE("fatal errcodes carry the operator's next step") {
  CHECK(FatalAdvice(60020) ==
        "the server's IP is not in the app's trusted IP list (企业可信IP); add it in the admin console");
  CHECK(FatalAdvice(48002).find("可调用接口的应用") != std::string::npos);
  CHECK(FatalAdvice(40013).find("wecom.corpid") != std::string::npos);
  CHECK(FatalAdvice(99999).find("e=99999") != std::string::npos);
}

TEST_CASE("the hint is taken from errmsg, and a missing or odd hint gives nothing") {
  CHECK(ExtractHint("api freq out of limit, hint: [1700000000_1_abc], from ip: 203.0.113.7, more info at x") ==
        "1700000000_1_abc");
  CHECK(ExtractHint("ok").empty());
  CHECK(ExtractHint("hint: [unterminated").empty());
  CHECK(ExtractHint("").empty());
}

}  // namespace segsync::wecom
