// Prometheus text exposition (format 0.0.4) for the metrics registry (see metrics.h).
#include "service/metrics.h"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace segsync {

namespace {

bool ValidName(std::string_view n, bool label) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return !(label && n.substr(0, 2) == "__");
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);  // shortest representation that round-trips
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeHelp(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

MetricFamily::MetricFamily(std::string name, std::string help, MetricType type,
                           std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(type),
      label_names_(std::move(label_names)) {
  if (!ValidName(name_, false)) throw std::logic_error("bad metric name: " + name_);
  if (help_.empty()) throw std::logic_error("metric without help: " + name_);
  if (type_ == MetricType::kCounter && !EndsWith(name_, "_total"))
    throw std::logic_error("counter name must end in _total: " + name_);
  if (type_ == MetricType::kGauge && EndsWith(name_, "_total"))
    throw std::logic_error("gauge name must not end in _total: " + name_);
  for (const auto& l : label_names_)
    if (!ValidName(l, true)) throw std::logic_error("bad label name: " + l);
}

double* MetricFamily::Find(const LabelValues& labels) {
  if (labels.size() != label_names_.size())
    throw std::logic_error(fmt::format("{}: {} label values for {} labels", name_, labels.size(),
                                       label_names_.size()));
  auto it = series_.find(labels);
  if (it != series_.end()) return &it->second;
  if (series_.size() >= kMaxSeriesPerFamily) {
    ++dropped_;
    return nullptr;
  }
  return &series_.emplace(labels, 0.0).first->second;
}

void MetricFamily::Add(const LabelValues& labels, double delta) {
  std::lock_guard lock(mu_);
  if (double* v = Find(labels)) *v += delta;
}

void MetricFamily::Set(const LabelValues& labels, double value) {
  std::lock_guard lock(mu_);
  if (double* v = Find(labels)) *v = value;
}

double MetricFamily::Value(const LabelValues& labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0.0 : it->second;
}

void MetricFamily::Clear() {
  std::lock_guard lock(mu_);
  series_.clear();
}

void MetricFamily::Render(std::string& out) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, EscapeHelp(help_), name_,
                     type_ == MetricType::kCounter ? "counter" : "gauge");
  std::lock_guard lock(mu_);
  // A family without labels always has its one series: an absent series reads as "unknown" to
  // Prometheus, and increase() would miss the first reload failure or guard block.
  if (series_.empty() && label_names_.empty()) out += name_ + " 0\n";
  for (const auto& [labels, value] : series_) {
    out += name_;
    if (!labels.empty()) {
      out += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i) out += ',';
        out += fmt::format("{}=\"{}\"", label_names_[i], EscapeLabelValue(labels[i]));
      }
      out += '}';
    }
    out += ' ';
    out += FormatMetricValue(value);
    out += '\n';
  }
}

void Counter::Inc(const LabelValues& labels, double by) {
  if (by >= 0) f_->Add(labels, by);
}

void MetricsRegistry::CheckUnique(const std::string& name) const {
  for (const auto& f : families_)
    if (f->name() == name) throw std::logic_error("metric registered twice: " + name);
  for (const auto& c : callbacks_)
    if (c.family->name() == name) throw std::logic_error("metric registered twice: " + name);
}

MetricFamily* MetricsRegistry::Add(std::string name, std::string help, MetricType type,
                                   std::vector<std::string> labels) {
  auto family = std::make_unique<MetricFamily>(std::move(name), std::move(help), type,
                                               std::move(labels));
  std::lock_guard lock(mu_);
  CheckUnique(family->name());
  families_.push_back(std::move(family));
  order_.emplace_back(false, families_.size() - 1);
  return families_.back().get();
}

Counter MetricsRegistry::AddCounter(std::string name, std::string help,
                                    std::vector<std::string> labels) {
  return Counter(Add(std::move(name), std::move(help), MetricType::kCounter, std::move(labels)));
}

Gauge MetricsRegistry::AddGauge(std::string name, std::string help,
                                std::vector<std::string> labels) {
  return Gauge(Add(std::move(name), std::move(help), MetricType::kGauge, std::move(labels)));
}

void MetricsRegistry::AddCallback(std::string name, std::string help, MetricType type,
                                  std::function<double()> read) {
  auto family = std::make_unique<MetricFamily>(std::move(name), std::move(help), type,
                                               std::vector<std::string>{});
  std::lock_guard lock(mu_);
  CheckUnique(family->name());
  callbacks_.push_back({std::move(family), std::move(read)});
  order_.emplace_back(true, callbacks_.size() - 1);
}

std::string MetricsRegistry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (auto [is_callback, i] : order_) {
    if (!is_callback) {
      families_[i]->Render(out);
      continue;
    }
    const CallbackMetric& c = callbacks_[i];
    c.family->Set({}, c.read());
    c.family->Render(out);
  }
  return out;
}

}  // namespace segsync
