#pragma once
// The console table of Google Benchmark, remembering each benchmark's CPU time (the median when
// repetitions are asked for), so that a program can print its ratios after the table.

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace authflow::bench {

class CpuTimeReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& run : runs) {
            if (run.error_occurred) {
                continue;
            }
            bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
            if (run.run_type == Run::RT_Iteration || median) {
                auto& slot = times_[run.run_name.function_name];
                if (median || !slot.from_median) {
                    slot = {run.GetAdjustedCPUTime(), median};
                }
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }

protected:
    /// CPU nanoseconds of the benchmark `name` (e.g. "raw/ES256"), 0 when it did not run.
    double time(const std::string& name) const {
        auto it = times_.find(name);
        return it == times_.end() ? 0 : it->second.ns;
    }

private:
    struct Slot {
        double ns = 0;
        bool from_median = false;
    };
    std::map<std::string, Slot> times_;
};

} // namespace authflow::bench
