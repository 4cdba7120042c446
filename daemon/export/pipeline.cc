#include "export/pipeline.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace segsync {

std::optional<Error> ForEachBatchParallel(
    ExportReader& reader, int workers,
    const std::function<bool(int worker, int64_t seq, RecordBatch& batch)>& consume) {
  if (workers < 1) workers = 1;
  std::vector<RecordBatch> pool(static_cast<size_t>(workers) + 2);
  std::mutex mu;
  std::condition_variable cv;
  std::deque<RecordBatch*> free_list;
  std::deque<std::pair<int64_t, RecordBatch*>> full;
  for (auto& b : pool) free_list.push_back(&b);
  bool finished = false, stop = false;

  std::thread producer([&] {
    int64_t seq = 0;
    while (true) {
      RecordBatch* b = nullptr;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !free_list.empty() || stop; });
        if (stop) break;
        b = free_list.front();
        free_list.pop_front();
      }
      bool more = reader.Next(*b);  // the slow part runs unlocked
      std::lock_guard lock(mu);
      if (!more) {
        free_list.push_back(b);
        break;
      }
      full.emplace_back(seq++, b);
      cv.notify_all();
    }
    std::lock_guard lock(mu);
    finished = true;
    cv.notify_all();
  });

  auto work = [&](int worker) {
    while (true) {
      std::pair<int64_t, RecordBatch*> item;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !full.empty() || finished || stop; });
        if (stop || full.empty()) return;
        item = full.front();
        full.pop_front();
      }
      bool go_on = consume(worker, item.first, *item.second);
      std::lock_guard lock(mu);
      free_list.push_back(item.second);
      if (!go_on) stop = true;
      cv.notify_all();
    }
  };
  std::vector<std::thread> helpers;
  for (int w = 1; w < workers; ++w) helpers.emplace_back(work, w);
  work(0);
  for (auto& t : helpers) t.join();
  producer.join();
  return reader.io_error();
}

std::optional<Error> ForEachBatch(ExportReader& reader,
                                  const std::function<bool(RecordBatch&)>& consume) {
  return ForEachBatchParallel(reader, 1, [&](int, int64_t, RecordBatch& b) { return consume(b); });
}

}  // namespace segsync
