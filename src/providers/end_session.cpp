// The RP-initiated logout URL.
#include "end_session.hpp"

#include <authflow/core/url.hpp>

namespace authflow::detail {

std::string end_session_url(std::string_view endpoint, const EndSessionRequest& request,
                            const std::string& client_id) {
    QueryParams query;
    auto add = [&](const char* name, const std::string& value) {
        if (!value.empty()) {
            query.add(name, value);
        }
    };
    add("id_token_hint", request.id_token_hint);
    add("post_logout_redirect_uri", request.post_logout_redirect_uri);
    add("state", request.state);
    add("logout_hint", request.logout_hint);
    add("ui_locales", request.ui_locales);
    // RP-Initiated Logout §2: client_id lets the provider check post_logout_redirect_uri even
    // without an id_token_hint.
    query.add("client_id", client_id);
    return append_query(endpoint, query);
}

} // namespace authflow::detail
