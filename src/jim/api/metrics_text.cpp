#include "jim/api/metrics_text.hpp"

#include <charconv>
#include <cstdio>

namespace jim::api {

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
}

void MetricsText::name_and_labels(std::string_view name, std::string_view labels) {
    out_ += name;
    if (!labels.empty()) {
        out_ += '{';
        out_ += labels;
        out_ += '}';
    }
    out_ += ' ';
}

void MetricsText::sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    name_and_labels(name, labels);
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof(buf), value);
    out_.append(buf, r.ptr);
    out_ += '\n';
}

void MetricsText::sample(std::string_view name, std::string_view labels, double value) {
    name_and_labels(name, labels);
    char buf[32];
    const int n = std::snprintf(buf, sizeof(buf), "%.9g", value);
    out_.append(buf, static_cast<std::size_t>(n > 0 ? n : 0));
    out_ += '\n';
}

void MetricsText::histogram(std::string_view name, std::string_view help,
                            const LatencyHistogram::Snapshot& h) {
    family(name, "histogram", help);
    const std::string bucket = std::string(name) + "_bucket";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < LatencyHistogram::kBuckets; ++i) {
        cumulative += h.counts[i];
        std::string le = "+Inf";
        if (i < LatencyHistogram::kBoundsUs.size()) {
            char buf[32];
            const int n = std::snprintf(buf, sizeof(buf), "%g",
                                        static_cast<double>(LatencyHistogram::kBoundsUs[i]) / 1e6);
            le.assign(buf, static_cast<std::size_t>(n > 0 ? n : 0));
        }
        sample(bucket, label("le", le), cumulative);
    }
    sample(std::string(name) + "_sum", {}, static_cast<double>(h.sum_us) / 1e6);
    sample(std::string(name) + "_count", {}, h.count);
}

std::string MetricsText::label(std::string_view key, std::string_view value) {
    std::string out(key);
    out += "=\"";
    for (const char ch : value) {
        if (ch == '\\' || ch == '"') {
            out += '\\';
            out += ch;
        } else if (ch == '\n') {
            out += "\\n";
        } else {
            out += ch;
        }
    }
    out += '"';
    return out;
}

}  // namespace jim::api
