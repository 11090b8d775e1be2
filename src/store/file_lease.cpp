#include "file_lease.hpp"

#include "internal/store_internal.hpp"

#include <authflow/core/crypto.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace authflow::store_detail {
namespace {

struct LeaseLine {
    std::string holder;
    std::int64_t expires_ms = 0;
};

// True when `line` is a lease of `holder` still running at `now`.
bool held_by(const std::optional<LeaseLine>& line, const std::string& holder, std::int64_t now) {
    return line && line->expires_ms > now && constant_time_equal(line->holder, holder);
}

// Closes the descriptor (and so drops the flock) however the scope is left.
class LockedFile {
public:
    LockedFile(const std::filesystem::path& path, std::string_view backend) {
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd_ < 0) {
            fail(errc::store_unavailable, backend,
                 "cannot open lock file " + path.string() + ": " + std::strerror(errno));
        }
        int rc = 0;
        while ((rc = ::flock(fd_, LOCK_EX)) != 0 && errno == EINTR) {
        }
        if (rc != 0) {
            int error = errno;
            ::close(fd_);
            fail(errc::store_unavailable, backend,
                 "cannot lock " + path.string() + ": " + std::strerror(error));
        }
    }
    ~LockedFile() { ::close(fd_); }
    LockedFile(const LockedFile&) = delete;
    LockedFile& operator=(const LockedFile&) = delete;

    // The lease recorded in the file, if any and well-formed.
    std::optional<LeaseLine> read() const {
        std::array<char, 256> buffer{};
        auto n = ::pread(fd_, buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            return std::nullopt;
        }
        std::string_view text{buffer.data(), static_cast<std::size_t>(n)};
        auto space = text.find(' ');
        auto newline = text.find('\n');
        if (space == std::string_view::npos || newline == std::string_view::npos ||
            newline < space || space == 0) {
            return std::nullopt;
        }
        LeaseLine line;
        line.holder = std::string{text.substr(0, space)};
        auto number = text.substr(space + 1, newline - space - 1);
        auto [end, error] =
            std::from_chars(number.data(), number.data() + number.size(), line.expires_ms);
        if (error != std::errc{} || end != number.data() + number.size()) {
            return std::nullopt;
        }
        return line;
    }

    void write(const std::optional<LeaseLine>& line, std::string_view backend) const {
        std::string text;
        if (line) {
            text = line->holder + " " + std::to_string(line->expires_ms) + "\n";
        }
        if (::ftruncate(fd_, 0) != 0 ||
            (!text.empty() &&
             ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))) {
            fail(errc::store_failed, backend,
                 std::string{"cannot write a lock file: "} + std::strerror(errno));
        }
    }

private:
    int fd_ = -1;
};

// Keeps short, safe names readable in the file name; the hash keeps distinct names apart.
std::string file_stem(std::string_view scope, std::string_view name) {
    std::string readable;
    for (char c : name.substr(0, 48)) {
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
        readable += safe ? c : '_';
    }
    if (readable.empty() || readable.front() == '.') {
        readable.insert(0, "lease");
    }
    std::string material{scope};
    material += '\0';
    material += name;
    return readable + "-" + to_hex(sha256(material).substr(0, 8));
}

} // namespace

std::filesystem::path default_lock_dir() {
    if (const char* runtime = std::getenv("XDG_RUNTIME_DIR");
        runtime != nullptr && *runtime == '/') {
        return std::filesystem::path{runtime} / "authflow";
    }
    return std::filesystem::path{"/tmp"} / ("authflow-" + std::to_string(::getuid()));
}

FileLeaseBackend::FileLeaseBackend(std::filesystem::path dir, std::string scope,
                                   std::shared_ptr<const Clock> clock, std::string backend_name,
                                   RecordWriter writer)
    : dir_(dir.empty() ? default_lock_dir() : std::move(dir)), scope_(std::move(scope)),
      clock_(clock_or_system(std::move(clock))), backend_name_(std::move(backend_name)),
      writer_(std::move(writer)) {}

void FileLeaseBackend::ensure_dir() {
    std::call_once(dir_ready_, [this] {
        if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
            fail(errc::store_unavailable, backend_name_,
                 "cannot create lock directory " + dir_.string() + ": " + std::strerror(errno));
        }
        // The directory may sit in a shared place (/tmp): it must be ours and private, or
        // another user could hold or fake our leases.
        struct stat info {};
        if (::lstat(dir_.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) ||
            info.st_uid != ::getuid() || (info.st_mode & 077) != 0) {
            fail(errc::store_unavailable, backend_name_,
                 "lock directory " + dir_.string() +
                     " is not a private directory owned by this user (mode 0700)");
        }
    });
}

std::filesystem::path FileLeaseBackend::lock_file(const std::string& name) const {
    return dir_ / (file_stem(scope_, name) + ".lock");
}

bool FileLeaseBackend::acquire(const std::string& name, const std::string& holder,
                               std::chrono::milliseconds ttl) {
    ensure_dir();
    LockedFile file{lock_file(name), backend_name_};
    std::int64_t now = wall_ms(*clock_);
    auto current = file.read();
    if (current && current->expires_ms > now) {
        return false;
    }
    file.write(LeaseLine{holder, now + ttl.count()}, backend_name_);
    return true;
}

bool FileLeaseBackend::renew(const std::string& name, const std::string& holder,
                             std::chrono::milliseconds ttl) {
    ensure_dir();
    LockedFile file{lock_file(name), backend_name_};
    std::int64_t now = wall_ms(*clock_);
    auto current = file.read();
    if (!held_by(current, holder, now)) {
        return false;
    }
    file.write(LeaseLine{holder, now + ttl.count()}, backend_name_);
    return true;
}

bool FileLeaseBackend::release(const std::string& name, const std::string& holder) {
    ensure_dir();
    LockedFile file{lock_file(name), backend_name_};
    std::int64_t now = wall_ms(*clock_);
    auto current = file.read();
    if (!current || !constant_time_equal(current->holder, holder)) {
        return false;
    }
    // The file stays: removing a file others may be waiting to lock would split the lock.
    file.write(std::nullopt, backend_name_);
    return current->expires_ms > now;
}

bool FileLeaseBackend::put_if_held(const std::string& name, const std::string& holder,
                                   RecordKind kind, const std::string& key, std::string_view value,
                                   std::optional<std::chrono::milliseconds> ttl) {
    if (!writer_) {
        fail(errc::internal, backend_name_, "this lease backend cannot write records");
    }
    ensure_dir();
    LockedFile file{lock_file(name), backend_name_};
    std::int64_t now = wall_ms(*clock_);
    auto current = file.read();
    if (!held_by(current, holder, now)) {
        return false;
    }
    // Written before the flock is dropped (when `file` closes): an acquire by another holder
    // waits on the flock, so it cannot come between the check and the write.
    writer_(kind, key, value, ttl);
    return true;
}

} // namespace authflow::store_detail
