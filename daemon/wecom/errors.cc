#include "wecom/errors.h"

namespace segsync::wecom {

std::string_view ErrorClassName(ErrorClass c) {
  switch (c) {
    case ErrorClass::kOk: return "ok";
    case ErrorClass::kTransient: return "transient";
    case ErrorClass::kConcurrency: return "concurrency";
    case ErrorClass::kFrequency: return "frequency";
    case ErrorClass::kToken: return "token";
    case ErrorClass::kItem: return "item";
    case ErrorClass::kFatal: return "fatal";
    case ErrorClass::kClientBug: return "client_bug";
    case ErrorClass::kUnknown: return "unknown";
  }
  return "unknown";
}

ErrorClass Classify(int errcode, bool on_gettoken) {
  switch (errcode) {
    case 0: return ErrorClass::kOk;
    case -1: return ErrorClass::kTransient;
    case 45033: return ErrorClass::kConcurrency;
    case 45009: return ErrorClass::kFrequency;
    case 40014:
    case 42001: return ErrorClass::kToken;
    case 40001: return on_gettoken ? ErrorClass::kFatal : ErrorClass::kToken;
    case 40003:
    case 40068:
    case 40096:
    case 60011:
    case 60111:
    case 84061:
    case 301002: return ErrorClass::kItem;
    case 40013:
    case 40091:
    case 41002:
    case 41004:
    case 48002:
    case 60020: return ErrorClass::kFatal;
    case 40035:
    case 40058:
    case 40072:
    case 41001:
    case 81017: return ErrorClass::kClientBug;
    default: break;
  }
  if (errcode >= 41000 && errcode < 42000) return ErrorClass::kClientBug;  // a required parameter is missing
  return ErrorClass::kUnknown;
}

std::string_view ErrcodeMeaning(int errcode) {
  switch (errcode) {
    case -1: return "system busy";
    case 40001: return "invalid secret or credential";
    case 40003: return "invalid userid";
    case 40013: return "invalid corpid";
    case 40014: return "invalid access_token";
    case 40035: return "invalid parameter";
    case 40058: return "invalid parameter";
    case 40068: return "invalid tag id";
    case 40071: return "tag name already exists";
    case 40072: return "invalid tag name length";
    case 40091: return "invalid secret for this corp";
    case 40096: return "invalid external userid";
    case 41001: return "access_token missing";
    case 41002: return "corpid missing";
    case 41004: return "secret missing";
    case 42001: return "access_token expired";
    case 45009: return "API frequency limit exceeded";
    case 45033: return "API concurrency limit exceeded";
    case 48002: return "API forbidden";
    case 60011: return "no privilege for this member";
    case 60020: return "caller IP not trusted";
    case 60111: return "userid does not exist";
    case 81017: return "owner_filter required";
    case 84061: return "no external contact relationship";
    case 301002: return "no permission for this app";
    default: return "";
  }
}

std::string FatalAdvice(int errcode) {
  switch (errcode) {
    case 40001:
      return "the secret is wrong (check wecom.secret_file or SEGSYNC_WECOM_SECRET: it must be the secret of "
             "the app that calls the customer-contact API)";
    case 40013: return "the corpid is wrong (check wecom.corpid in segsync.yaml)";
    case 40091: return "the secret does not belong to this corp (check wecom.corpid and the secret)";
    case 41002: return "the corpid is missing (set wecom.corpid)";
    case 41004: return "the secret is missing (set wecom.secret_file or SEGSYNC_WECOM_SECRET)";
    case 48002:
      return "the app may not call this API: add it under 客户联系 → 可调用接口的应用 (the apps allowed to call the "
             "customer-contact API) in the admin console, or grant the missing permission";
    case 60020:
      return "the server's IP is not in the app's trusted IP list (企业可信IP); add it in the admin console";
    default: return "see https://open.work.weixin.qq.com/devtool/query?e=" + std::to_string(errcode);
  }
}

std::string ExtractHint(std::string_view errmsg) {
  auto start = errmsg.find("hint: [");
  if (start == std::string_view::npos) return {};
  start += 7;
  auto end = errmsg.find(']', start);
  if (end == std::string_view::npos || end - start > 128) return {};
  return std::string(errmsg.substr(start, end - start));
}

}  // namespace segsync::wecom
