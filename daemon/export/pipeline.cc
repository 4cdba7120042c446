#include "export/pipeline.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace segsync {

std::optional<Error> ForEachBatch(ExportReader& reader,
                                  const std::function<bool(RecordBatch&)>& consume, int depth) {
  if (depth < 2) depth = 2;
  std::vector<RecordBatch> pool(static_cast<size_t>(depth));
  std::mutex mu;
  std::condition_variable cv;
  std::deque<RecordBatch*> free_list, full;
  for (auto& b : pool) free_list.push_back(&b);
  bool finished = false, stop = false;

  std::thread producer([&] {
    while (true) {
      RecordBatch* b = nullptr;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !free_list.empty() || stop; });
        if (stop) break;
        b = free_list.front();
        free_list.pop_front();
      }
      bool more = reader.Next(*b);
      std::lock_guard lock(mu);
      if (!more) {
        free_list.push_back(b);
        break;
      }
      full.push_back(b);
      cv.notify_all();
    }
    std::lock_guard lock(mu);
    finished = true;
    cv.notify_all();
  });

  while (true) {
    RecordBatch* b = nullptr;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return !full.empty() || finished; });
      if (full.empty()) break;
      b = full.front();
      full.pop_front();
    }
    bool go_on = consume(*b);
    std::lock_guard lock(mu);
    free_list.push_back(b);
    cv.notify_all();
    if (!go_on) {
      stop = true;
      break;
    }
  }
  producer.join();
  return reader.io_error();
}

}  // namespace segsync
