// Reading the client's private key file (private_key_jwt): PEM or JWK, checked once, never
// quoted.
#include "client_private_key.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace authflow::detail {
namespace {

// A JWK or PEM private key is a few KiB at most (an RSA 16384-bit key in PEM is about 13 KiB).
constexpr std::size_t max_key_file_bytes = 64 * 1024;

[[noreturn]] void refuse(errc code, const std::string& path, const std::string& why) {
    throw ConfigError(code, "private_key_file " + path + ": " + why);
}

/// File content that is wiped when it goes.
class KeyText {
public:
    KeyText() = default;
    KeyText(const KeyText&) = delete;
    KeyText& operator=(const KeyText&) = delete;
    ~KeyText() {
        // volatile writes: the compiler may not drop them as dead stores.
        volatile char* p = text.data();
        for (std::size_t i = 0; i < text.size(); ++i) {
            p[i] = 0;
        }
    }
    std::string text;
};

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

void read_file(const std::string& path, std::string& out) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            refuse(errc::config_missing, path, "no such file");
        }
        refuse(errc::config_invalid, path, "cannot be read");
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
        refuse(errc::config_invalid, path, "is not a regular file");
    }
    if (static_cast<std::size_t>(info.st_size) > max_key_file_bytes) {
        refuse(errc::config_invalid, path, "is larger than 64 KiB: not a key file");
    }
    if ((info.st_mode & (S_IRGRP | S_IROTH)) != 0) {
        log(LogLevel::warning,
            "private_key_file " + path + " may be read by other users: chmod 600 it");
    }
    out.reserve(max_key_file_bytes + 4096); // never reallocated: no unwiped copy is left
    std::array<char, 4096> chunk{};
    while (true) {
        const ssize_t got = ::read(fd.get(), chunk.data(), chunk.size());
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            refuse(errc::config_invalid, path, "cannot be read");
        }
        if (got == 0) {
            break;
        }
        out.append(chunk.data(), static_cast<std::size_t>(got));
        if (out.size() > max_key_file_bytes) {
            refuse(errc::config_invalid, path, "is larger than 64 KiB: not a key file");
        }
    }
    chunk.fill('\0');
}

bool looks_like_json(std::string_view text) {
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            continue;
        }
        return c == '{';
    }
    return false;
}

SigningKey from_jwk_text(const std::string& path, const std::string& text) {
    nlohmann::json jwk = nlohmann::json::parse(text, nullptr, false);
    if (jwk.is_discarded() || !jwk.is_object()) {
        // nlohmann's parse error would quote the text around the fault: never shown.
        refuse(errc::config_invalid, path, "is neither a PEM private key nor a JWK (JSON object)");
    }
    if (jwk.contains("keys")) {
        refuse(errc::config_invalid, path,
               "is a key set (JWKS): put the one private JWK in the file");
    }
    struct Wipe {
        nlohmann::json& jwk;
        ~Wipe() {
            for (const char* name : {"d", "p", "q", "dp", "dq", "qi"}) {
                auto it = jwk.find(name);
                if (it != jwk.end() && it->is_string()) {
                    auto& value = it->get_ref<std::string&>();
                    volatile char* p = value.data();
                    for (std::size_t i = 0; i < value.size(); ++i) {
                        p[i] = 0;
                    }
                }
            }
        }
    } wipe{jwk};
    return SigningKey::from_jwk(jwk);
}

SigningKey from_pem_text(const std::string& path, const std::string& text) {
    if (text.find("PRIVATE KEY-----") == std::string::npos &&
        (text.find("PUBLIC KEY-----") != std::string::npos ||
         text.find("CERTIFICATE-----") != std::string::npos)) {
        refuse(errc::config_invalid, path,
               "holds a public key or certificate only, not the private key");
    }
    if (text.find("ENCRYPTED PRIVATE KEY-----") != std::string::npos) {
        refuse(errc::config_invalid, path,
               "holds an encrypted private key: authflow reads unencrypted PKCS#8 or JWK "
               "(keep the file readable by its owner only)");
    }
    SigningKey key = SigningKey::from_pem(text);
    if (key.public_jwk().at("kty") == "RSA") {
        // RS256 is what every provider accepts for private_key_jwt (OIDC Core §9); from_pem's
        // natural RSA algorithm is PS256. A JWK names PS256 when that is wanted.
        key = SigningKey::from_pem(text, JwsAlg::RS256);
    }
    return key;
}

} // namespace

SigningKey load_client_private_key(const std::string& path) {
    if (path.empty()) {
        throw ConfigError(errc::config_missing,
                          "private_key_jwt needs a private key: set private_key_file "
                          "(AUTHFLOW_OAUTH2__PRIVATE_KEY_FILE)");
    }
    KeyText content;
    read_file(path, content.text);
    try {
        if (looks_like_json(content.text)) {
            return from_jwk_text(path, content.text);
        }
        return from_pem_text(path, content.text);
    } catch (const TokenError& e) {
        // The jose layer's messages describe the key, never quote it.
        refuse(errc::config_invalid, path, e.what());
    }
}

} // namespace authflow::detail
