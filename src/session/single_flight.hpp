#pragma once
// SingleFlight: one caller in the process does the work, the others wait for its result (not
// installed).

#include <authflow/core/errors.hpp>

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>

namespace authflow::session_detail {

/// Runs the work of one caller at a time. Callers that come while it runs wait for it and, when
/// its request covers theirs, take its result (or a copy of its exception) instead of running
/// the work again; the others try again once it is over. Safe to use from several threads.
template <typename Request, typename Result> class SingleFlight {
public:
    using Shared = std::shared_ptr<const Result>;

    /// `ready()` gives a result that already answers the caller, or null; it is asked, under the
    /// flight's lock, before leading or joining and after each flight waited for.
    /// `covers(theirs, mine)` says whether a flight for `theirs` answers `mine`. `lead(request)`
    /// is the work; it runs without the lock, and what it throws reaches every caller that
    /// joined.
    template <typename Ready, typename Covers, typename Lead>
    Shared run(const Request& request, Ready&& ready, Covers&& covers, Lead&& lead) {
        std::unique_lock lock(mutex_);
        while (true) {
            if (Shared result = ready()) {
                return result;
            }
            if (!flight_) {
                break;
            }
            auto flight = flight_;
            const bool is_covered = covers(flight->request, request);
            cv_.wait(lock, [&] { return flight->is_done; });
            if (is_covered) {
                if (flight->error) {
                    rethrow_copy(flight->error);
                }
                return flight->result;
            }
        }
        auto flight = std::make_shared<Flight>();
        flight->request = request;
        flight_ = flight;
        lock.unlock();

        try {
            flight->result = lead(request);
        } catch (...) {
            flight->error = std::current_exception();
        }
        lock.lock();
        flight->is_done = true;
        flight_.reset();
        cv_.notify_all();
        lock.unlock();

        if (flight->error) {
            rethrow_copy(flight->error);
        }
        return flight->result;
    }

private:
    struct Flight {
        Request request;
        bool is_done = false;
        Shared result;
        std::exception_ptr error;
    };

    std::mutex mutex_;
    std::condition_variable cv_;
    std::shared_ptr<Flight> flight_;
};

} // namespace authflow::session_detail
