// Who may pass the gateway.
#include <authflow/core/ascii.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/gateway/access_policy.hpp>

#include <algorithm>

namespace authflow {
namespace {

constexpr std::size_t max_items = 256;
constexpr std::size_t max_item = 320;

/// Splits a comma-separated parameter; throws Error (invalid_argument) naming it.
void add_items(std::vector<std::string>& out, std::string_view parameter, std::string_view value) {
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = std::min(value.find(',', start), value.size());
        std::string_view item = value.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') {
            item.remove_prefix(1);
        }
        while (!item.empty() && item.back() == ' ') {
            item.remove_suffix(1);
        }
        const bool bad = item.empty() || item.size() > max_item ||
                         std::any_of(item.begin(), item.end(), [](char c) {
                             const auto u = static_cast<unsigned char>(c);
                             return u < 0x20 || u == 0x7f;
                         });
        if (bad || out.size() >= max_items) {
            throw Error(errc::invalid_argument,
                        "check parameter " + std::string{parameter} +
                            ": expected a comma-separated list of non-empty names");
        }
        out.emplace_back(item);
        if (comma == value.size()) {
            return;
        }
        start = comma + 1;
    }
}

std::string_view domain_of(std::string_view email) noexcept {
    const auto at = email.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : email.substr(at + 1);
}

} // namespace

AccessPolicy AccessPolicy::from_query(const QueryParams& query) {
    AccessPolicy policy;
    for (const auto& [name, value] : query) {
        if (name == "allowed_groups") {
            add_items(policy.allowed_groups, name, value);
        } else if (name == "allowed_emails") {
            add_items(policy.allowed_emails, name, value);
            for (const auto& email : policy.allowed_emails) {
                const auto at = email.find('@');
                if (at == std::string::npos || at == 0 || at + 1 == email.size() ||
                    email.find('@', at + 1) != std::string::npos) {
                    throw Error(errc::invalid_argument,
                                "check parameter allowed_emails: expected e-mail addresses");
                }
            }
        } else if (name == "allowed_domains") {
            add_items(policy.allowed_email_domains, name, value);
            for (const auto& domain : policy.allowed_email_domains) {
                if (domain.find('@') != std::string::npos) {
                    throw Error(errc::invalid_argument,
                                "check parameter allowed_domains: expected domains such as "
                                "example.com");
                }
            }
        }
    }
    return policy;
}

bool AccessPolicy::empty() const noexcept {
    return allowed_groups.empty() && allowed_emails.empty() && allowed_email_domains.empty();
}

bool AccessPolicy::allows(const Identity& who) const {
    if (!allowed_groups.empty()) {
        const bool in_group = std::any_of(who.groups.begin(), who.groups.end(), [&](const auto& g) {
            return std::find(allowed_groups.begin(), allowed_groups.end(), g) !=
                   allowed_groups.end();
        });
        if (!in_group) {
            return false;
        }
    }
    if (allowed_emails.empty() && allowed_email_domains.empty()) {
        return true;
    }
    // Identity::email is empty unless the provider verified it: an unverified address never
    // passes an e-mail rule.
    if (who.email.empty() || domain_of(who.email).empty()) {
        return false;
    }
    const bool listed = std::any_of(allowed_emails.begin(), allowed_emails.end(),
                                    [&](const std::string& e) { return iequals(e, who.email); });
    if (listed) {
        return true;
    }
    const std::string_view domain = domain_of(who.email);
    return std::any_of(allowed_email_domains.begin(), allowed_email_domains.end(),
                       [&](const std::string& d) { return iequals(d, domain); });
}

bool AccessPolicy::allows(const Identity& who, const AccessPolicy& location) const {
    return allows(who) && location.allows(who);
}

} // namespace authflow
