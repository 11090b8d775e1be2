// Fuzz target: the Cookie header (deploy parse_cookie_header, and Request::cookies joining
// several Cookie fields). Lines of the input are separate Cookie fields; the whole input is also
// one header. Every cookie parsed must be one build_set_cookie accepts and that parses back the
// same. Error (too_large) is expected; anything else escaping is a bug.
#include "fuzz_common.hpp"

#include <authflow/deploy/cookie.hpp>
#include <authflow/deploy/http.hpp>

#include <algorithm>
#include <string>
#include <string_view>

namespace {

using namespace authflow;

void check_jar(const CookieJar& jar) {
    fuzz::check(jar.size() <= max_cookie_count, "no more cookies than the limit");
    for (const auto& [name, value] : jar) {
        fuzz::check(!name.empty(), "a cookie has a name");
        fuzz::check(jar.get(name).has_value() && jar.contains(name), "a parsed name is found");
        bool buildable = true;
        try {
            (void)build_set_cookie(name, value, CookieOptions{});
        } catch (const Error&) {
            buildable = false;
        }
        fuzz::check(buildable, "a parsed cookie can be set again");
        const CookieJar again = parse_cookie_header(name + "=" + value);
        fuzz::check(again.size() == 1 && again.items().front().first == name &&
                        again.items().front().second == value,
                    "a parsed cookie parses back the same");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::quiet_logs();
    const std::string_view text = fuzz::as_text(data, size);
    try {
        const CookieJar jar = parse_cookie_header(text);
        fuzz::check(text.size() <= max_cookie_header_size, "an accepted header fits the limit");
        check_jar(jar);
    } catch (const Error&) {
    }

    Request request;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        try {
            request.headers.add("Cookie", std::string{text.substr(start, end - start)});
        } catch (const Error&) {
            // A field with CR or NUL: servers refuse it before any routing.
        }
        start = end + 1;
    }
    try {
        check_jar(request.cookies());
        (void)request.cookie("authflow_session");
    } catch (const Error&) {
    }
    return 0;
}
