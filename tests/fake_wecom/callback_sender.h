// fake-wecom's side of WeCom's event callbacks: when the console or a customer changes
// something (a QR scan adds a relationship, a relationship is deleted, a tag is added or
// deleted in the console), WeCom POSTs an encrypted event to the app's callback URL. This
// sender does the same, on its own thread, with its own implementation of the protocol
// (independent of segsync's): XML event -> 16 random bytes + length + XML + corpid, PKCS#7 to
// 32 bytes, AES-256-CBC (key = base64(EncodingAESKey + "="), IV = key[0..16)), base64,
// msg_signature = sha1(sort(token, timestamp, nonce, Encrypt)). An answer other than HTTP 200
// "success" is retried up to 3 times, 1 s apart, re-signed with a new nonce, as WeCom does.
// Every request sent is kept (the last 200) for GET /admin/callbacks, so that a test can
// replay one byte for byte.
#pragma once

#include <boost/json.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace segsync::fake {

struct CallbackTarget {
  std::string url;  // http://127.0.0.1:PORT/path; empty: callbacks off
  std::string token;
  std::string encoding_aes_key;  // 43 characters
  std::string corpid;            // the ReceiveId
};

class CallbackSender {
 public:
  CallbackSender();
  ~CallbackSender();
  CallbackSender(const CallbackSender&) = delete;
  CallbackSender& operator=(const CallbackSender&) = delete;

  // Throws std::runtime_error for a bad key or URL.
  void Configure(CallbackTarget target);
  bool enabled();
  // Queues one event: `fields` are the XML children after ToUserName, FromUserName,
  // CreateTime and MsgType=event (e.g. Event, ChangeType, UserID, ExternalUserID, State).
  void Send(std::vector<std::pair<std::string, std::string>> fields);
  // The requests sent so far: [{seq, target, body, xml, status, answer, attempt}], oldest first.
  boost::json::array Log();

 private:
  struct Job {
    std::string xml;
    int attempt = 1;
  };
  void Loop();
  void Deliver(Job job);

  std::mutex mu_;
  std::condition_variable cv_;
  CallbackTarget target_;
  std::deque<Job> jobs_;
  boost::json::array log_;
  int64_t seq_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

// The protocol pieces, exposed for fake-wecom's tests.
std::string FakeEncrypt(const CallbackTarget& t, const std::string& xml, const std::string& random16);
std::string FakeSignature(const std::string& token, const std::string& timestamp, const std::string& nonce,
                          const std::string& encrypt);

}  // namespace segsync::fake
