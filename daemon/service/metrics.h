// A small Prometheus metrics registry: counter and gauge families with optional labels,
// callback gauges/counters evaluated at scrape time, and the text exposition format 0.0.4
// (HELP and TYPE for every family, escaped label values and help text), written so that
// `promtool check metrics` reports no lint problems.
//
// Thread-safety: every method may be called from any thread (the run's worker thread updates
// metrics while the daemon's io thread renders them). Updates take a per-family mutex; they
// are meant for per-call or per-run events, not tight loops.
//
// Names are checked when registered (counters must end in _total; base units in the name,
// e.g. _seconds, _bytes): a bad name or a wrong number of label values is a programming
// error and throws std::logic_error. Each family holds at most kMaxSeriesPerFamily series;
// updates that would create more are dropped (and counted in dropped_series()).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace segsync {

using LabelValues = std::vector<std::string>;

enum class MetricType { kCounter, kGauge };

class MetricFamily {
 public:
  static constexpr size_t kMaxSeriesPerFamily = 10000;

  MetricFamily(std::string name, std::string help, MetricType type,
               std::vector<std::string> label_names);

  void Add(const LabelValues& labels, double delta);
  void Set(const LabelValues& labels, double value);
  // 0 for a series that does not exist.
  double Value(const LabelValues& labels) const;
  // Forgets every series (e.g. segment sizes after a reload removed a segment).
  void Clear();

  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  size_t dropped_series() const { return dropped_.load(); }

  // Appends this family in the text format.
  void Render(std::string& out) const;

 private:
  double* Find(const LabelValues& labels);  // creates; nullptr past the cap. Holds mu_.

  const std::string name_, help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
  std::map<LabelValues, double> series_;
  std::atomic<size_t> dropped_{0};
};

// Typed handles; cheap to copy, valid as long as the registry lives.
class Counter {
 public:
  explicit Counter(MetricFamily* f = nullptr) : f_(f) {}
  void Inc(const LabelValues& labels = {}, double by = 1);  // `by` < 0 is ignored
  double Value(const LabelValues& labels = {}) const { return f_->Value(labels); }
  MetricFamily& family() const { return *f_; }

 private:
  MetricFamily* f_;
};

class Gauge {
 public:
  explicit Gauge(MetricFamily* f = nullptr) : f_(f) {}
  void Set(double v) { f_->Set({}, v); }
  void Set(const LabelValues& labels, double v) { f_->Set(labels, v); }
  void Add(const LabelValues& labels, double by) { f_->Add(labels, by); }
  double Value(const LabelValues& labels = {}) const { return f_->Value(labels); }
  void Clear() { f_->Clear(); }
  MetricFamily& family() const { return *f_; }

 private:
  MetricFamily* f_;
};

class MetricsRegistry {
 public:
  Counter AddCounter(std::string name, std::string help, std::vector<std::string> labels = {});
  Gauge AddGauge(std::string name, std::string help, std::vector<std::string> labels = {});
  // Evaluated at every scrape, on the scraping thread; `read` must be thread-safe and quick.
  void AddCallback(std::string name, std::string help, MetricType type,
                   std::function<double()> read);

  // The whole exposition, families in registration order.
  std::string Render() const;

 private:
  MetricFamily* Add(std::string name, std::string help, MetricType type,
                    std::vector<std::string> labels);
  void CheckUnique(const std::string& name) const;  // holds mu_

  struct CallbackMetric {
    std::unique_ptr<MetricFamily> family;  // holds name/help/type; value filled at render
    std::function<double()> read;
  };
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
  std::vector<CallbackMetric> callbacks_;
  std::vector<std::pair<bool, size_t>> order_;  // (is_callback, index)
};

// Text-format helpers, exposed for tests.
std::string FormatMetricValue(double v);
std::string EscapeLabelValue(std::string_view v);
std::string EscapeHelp(std::string_view v);

}  // namespace segsync
