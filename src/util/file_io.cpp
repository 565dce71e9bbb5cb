#include "util/file_io.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "util/error.h"
#include "util/path_guard.h"

namespace z80lm {

namespace {

[[noreturn]] void too_large(const std::string& path, uint64_t max_bytes) {
  throw Error(fmt::format("{}: larger than {} bytes, the most z80lm reads for this kind of file", path, max_bytes),
              "check that this is the file you meant (limits: src/util/limits.h)");
}

}  // namespace

std::string read_file(const std::string& path, uint64_t max_bytes) {
  std::string out;
  char buffer[65536];
  auto read_all = [&](std::istream& in, const std::string& name) {
    while (in) {
      in.read(buffer, sizeof buffer);
      const auto n = static_cast<size_t>(in.gcount());
      if (n > max_bytes - out.size()) too_large(name, max_bytes);
      out.append(buffer, n);
    }
    if (in.bad()) throw Error(name + ": read error", "check the file and the disk");
  };
  if (path == "-") {
    read_all(std::cin, "<stdin>");
    return out;
  }
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::is_directory(status))
    throw Error(path + ": is a directory, not a file", "give the path of a file inside it");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open: " + std::strerror(errno), "check the path and permissions");
  if (!ec && std::filesystem::is_regular_file(status)) {
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_bytes) too_large(path, max_bytes);
    if (!ec) out.reserve(static_cast<size_t>(size));
  }
  read_all(in, path);
  return out;
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  remove_stale_temp_files(path);  // left by a write that was killed
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw Error(path + ": cannot create " + tmp + ": " + std::strerror(errno), "check the directory exists and is writable");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(path + ": write failed: " + std::strerror(e), "check free disk space");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error(path + ": flush failed: " + std::strerror(e), "check free disk space");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot rename " + tmp + " into place: " + std::strerror(e));
  }
}

}  // namespace z80lm
