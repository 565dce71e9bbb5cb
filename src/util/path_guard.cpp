#include "util/path_guard.h"

#include <fmt/core.h>
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <optional>

#include "util/error.h"

namespace z80lm {

namespace {

namespace fs = std::filesystem;

// Device and inode of an existing file, or the canonical path of one still to be created.
struct FileIdentity {
  bool exists = false;
  dev_t device = 0;
  ino_t inode = 0;
  std::string canonical;

  bool operator==(const FileIdentity& o) const {
    if (exists != o.exists) return false;
    return exists ? device == o.device && inode == o.inode : canonical == o.canonical;
  }
};

std::optional<FileIdentity> identity(const std::string& path) {
  if (path.empty() || path == "-") return std::nullopt;
  FileIdentity id;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    id.exists = true;
    id.device = st.st_dev;
    id.inode = st.st_ino;
    return id;
  }
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  if (ec) return std::nullopt;
  id.canonical = (fs::weakly_canonical(p.parent_path(), ec) / p.filename()).string();
  if (ec) id.canonical = p.lexically_normal().string();
  return id;
}

std::string hint_for(const NamedPath& output) {
  if (output.role == "-o" || output.role == "--output") return "choose another output name with -o";
  return fmt::format("give {} another file name", output.role);
}

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  const auto ia = identity(a), ib = identity(b);
  return ia && ib && *ia == *ib;
}

void check_paths(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs) {
  std::vector<std::optional<FileIdentity>> out_ids;
  for (const NamedPath& o : outputs) out_ids.push_back(identity(o.path));
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!out_ids[i]) continue;
    for (const NamedPath& in : inputs) {
      const auto in_id = identity(in.path);
      if (in_id && *in_id == *out_ids[i])
        throw Error(fmt::format("{} {} is {} {}: writing it would destroy it", outputs[i].role, outputs[i].path,
                                in.role, in.path),
                    hint_for(outputs[i]));
    }
    for (size_t j = 0; j < i; ++j)
      if (out_ids[j] && *out_ids[j] == *out_ids[i])
        throw Error(fmt::format("{} {} and {} {} are the same file: one would overwrite the other",
                                outputs[j].role, outputs[j].path, outputs[i].role, outputs[i].path),
                    hint_for(outputs[i]));
  }
}

int remove_stale_temp_files(const std::string& path) {
  if (path.empty() || path == "-") return 0;
  std::error_code ec;
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const std::string prefix = p.filename().string() + ".tmp-";
  int removed = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix) || name.size() == prefix.size() || name.size() > prefix.size() + 9) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (pid <= 0 || (::kill(pid, 0) == 0 || errno == EPERM)) continue;  // still running: not ours to touch
    std::error_code remove_error;
    if (fs::remove(it->path(), remove_error)) ++removed;
  }
  return removed;
}

}  // namespace z80lm
