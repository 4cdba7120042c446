#include "export/chunked_input.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace segsync {

ChunkedInput::~ChunkedInput() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<Error> ChunkedInput::Open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0)
    return Error{ErrorCode::kIo, fmt::format("cannot open export {}: {}", path, std::strerror(errno))};
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  return std::nullopt;
}

size_t ChunkedInput::Read(std::string& out, size_t n) {
  if (eof_ || error_ || fd_ < 0) return 0;
  size_t old = out.size();
  out.resize(old + n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd_, out.data() + old + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      error_ = Error{ErrorCode::kIo, fmt::format("reading export {}: {}", path_, std::strerror(errno))};
      break;
    }
    if (r == 0) {
      eof_ = true;
      break;
    }
    got += static_cast<size_t>(r);
  }
  out.resize(old + got);
  hash_.Update(std::string_view(out.data() + old, got));
  return got;
}

}  // namespace segsync
