// Memory held by deploy-mode sessions in MemorySessionStore (docs/BENCHMARKS.md, "Deploy mode").
//
//   bench_deploy_sessions [COUNT]     (default 100000)
//
// Creates COUNT sessions shaped like those the callback route creates (a 43-character session
// id, subject, roles {"viewer"}, metadata {"provider", "user_info": {sub, name, email,
// email_verified}}) and prints the resident set size before and after, from /proc/self/statm.
// The figure is the process's RSS delta: the store's hash table, expiry index, per-user index and
// the allocator's overhead, all included. Then it times MemorySessionStore::get() (hash the id,
// look it up under the mutex, copy the session out and parse its metadata: what an application
// route behind protect() does) and lookup(id, SessionFields::without_metadata) (the same without
// the metadata: what GET /auth/status does), one thread, over the sessions created.

#include "bench_sessions.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/deploy/session_store.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

/// Resident set size in bytes (second field of /proc/self/statm, in pages).
std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t size_pages = 0;
    std::size_t resident_pages = 0;
    statm >> size_pages >> resident_pages;
    return resident_pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

} // namespace

int main(int argc, char** argv) {
    using namespace authflow;
    const std::size_t count = bench::parse_count(argc, argv, 100000, "bench_deploy_sessions");
    MemorySessionStore store(count + 1);
    const auto now = system_clock().now();

    // One session first: the store's and the allocator's fixed costs stay out of the delta.
    auto make = [&](std::size_t i) { return bench::callback_shaped_session(i, now); };
    store.create(make(0));
    // Every 97th id is kept for the lookups (allocated before the first reading).
    std::vector<std::string> sample;
    sample.reserve(count / 97 + 1);
    const std::size_t before = resident_bytes();
    for (std::size_t i = 1; i <= count; ++i) {
        UserSession session = make(i);
        if (i % 97 == 1) {
            sample.push_back(session.session_id);
        }
        store.create(session);
    }
    const std::size_t after = resident_bytes();
    if (store.size() != count + 1) {
        std::cerr << "bench_deploy_sessions: the store holds " << store.size() << " sessions\n";
        return 1;
    }
    const double delta = static_cast<double>(after > before ? after - before : 0);
    const double per_session = delta / static_cast<double>(count);
    std::printf("sessions            %zu\n", count);
    std::printf("rss_before_bytes    %zu\n", before);
    std::printf("rss_after_bytes     %zu\n", after);
    std::printf("bytes_per_session   %.0f\n", per_session);
    std::printf("mib_per_100k        %.1f\n", per_session * 100000.0 / (1024.0 * 1024.0));

    constexpr std::size_t lookups = 1000000;
    const auto time_calls = [&](const char* label, auto&& call) {
        std::size_t found = 0;
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < lookups; ++i) {
            found += call(sample[i % sample.size()]).has_value() ? 1 : 0;
        }
        const std::chrono::duration<double, std::nano> elapsed =
            std::chrono::steady_clock::now() - start;
        if (found != lookups) {
            std::cerr << "bench_deploy_sessions: " << lookups - found << " lookups found nothing\n";
            return false;
        }
        std::printf("%-19s %.0f\n", label, elapsed.count() / static_cast<double>(lookups));
        return true;
    };
    if (!time_calls("get_ns_per_call", [&](const std::string& id) { return store.get(id); }) ||
        !time_calls("lookup_ns_per_call", [&](const std::string& id) {
            return store.lookup(id, SessionFields::without_metadata);
        })) {
        return 1;
    }
    return 0;
}
