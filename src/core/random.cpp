#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/random.hpp>

#include <openssl/rand.h>

#include <climits>

namespace authflow {

std::string random_bytes(std::size_t count) {
    std::string bytes(count, '\0');
    if (count > static_cast<std::size_t>(INT_MAX) ||
        RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
        throw Error(errc::internal, "the random number generator failed");
    }
    return bytes;
}

std::string random_token(std::size_t bytes) {
    return base64url_encode(random_bytes(bytes));
}

} // namespace authflow
