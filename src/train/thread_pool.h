// thread_pool.h — a fixed team of threads running one task per member, deterministically.
//
//   z80lm::ThreadPool pool(2);
//   pool.run([&](int part) { work_on_slice(part, pool.size()); });   // returns when all are done
//
// Invariants: run(fn) calls fn(i) exactly once for every i in [0, size()), i = 0 on the
// calling thread; which slice a task handles depends only on i and size(), so results that
// are combined in index order do not depend on timing. Tasks must not throw.
// Not modelled: work stealing or nested runs.
#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace z80lm {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  void run(const std::function<void(int)>& fn);

 private:
  void worker_loop(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int)>* task_ = nullptr;
  unsigned long generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

// [begin, end) of part `i` of `parts` equal slices of n items.
inline size_t slice_begin(size_t n, int i, int parts) {
  return n * static_cast<size_t>(i) / static_cast<size_t>(parts);
}

}  // namespace z80lm
