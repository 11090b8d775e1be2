// Fuzz target: the pushed authorization request endpoint's answer (RFC 9126 §2.2–2.3). The first
// byte chooses the HTTP status; the rest is the answer's body. What is accepted must be a usable
// request_uri and a positive, bounded expires_in, and must make a browser URL.
// authflow errors are expected; anything else escaping is a bug.
#include "fuzz_common.hpp"
#include "providers/pushed_authorization.hpp"

#include <authflow/core/clock.hpp>

#include <string>

namespace {

using namespace authflow;

constexpr int statuses[] = {201, 200, 400, 401, 500, 201, 201, 200};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static ManualClock clock;
    if (size == 0) {
        return 0;
    }
    HttpResponse response;
    response.status = statuses[data[0] & 7];
    response.body.assign(fuzz::as_text(data + 1, size - 1));
    try {
        const detail::PushedAuthorization pushed =
            detail::read_pushed_authorization(response, clock);
        fuzz::check(!pushed.request_uri.empty() && pushed.request_uri.size() <= 4096,
                    "an accepted request_uri is not empty and at most 4096 characters");
        fuzz::check(pushed.expires_in.count() > 0 && pushed.expires_in.count() <= 86400,
                    "an accepted expires_in is from 1 s to a day");
        fuzz::check(pushed.expires_at == clock.steady_now() + pushed.expires_in,
                    "expires_at is expires_in from now");
        const std::string url = detail::pushed_authorization_url("https://op.example/authorize",
                                                                 "client-1", pushed.request_uri);
        fuzz::check(url.find('#') == std::string::npos && url.find(' ') == std::string::npos,
                    "the browser URL keeps the request_uri encoded");
    } catch (const Error&) {
    }
    return 0;
}
