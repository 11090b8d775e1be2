#include "internal/listening_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>

namespace authflow::native_detail {

void own_port_socket_options(int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    const int flags = ::fcntl(sock, F_GETFD);
    if (flags >= 0) {
        ::fcntl(sock, F_SETFD, flags | FD_CLOEXEC);
    }
}

} // namespace authflow::native_detail
