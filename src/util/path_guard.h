// path_guard.h — refuse to write a file that is one of the command's inputs or another output.
//
//   z80lm::check_paths({{"the data file", "d.txt"}}, {{"-o", "d.txt"}, {"--log", "m.log"}});
//   // throws z80lm::Error: "-o d.txt is the data file d.txt: writing it would destroy it"
//   z80lm::remove_stale_temp_files("model.zlm");   // model.zlm.tmp-<dead pid> from killed writes
//
// Identity, not spelling: two paths name the same file when they stat to the same device and
// inode (hard links, symlinks, "./d.txt" vs "d.txt"); a path that does not exist yet is
// compared by the canonical form of its directory plus its name, so two outputs spelt
// differently are still caught. "-" (stdin/stdout) and empty paths are never files.
// Invariants: check_paths throws on the first collision, naming both roles and both paths,
// with a hint; it reads nothing and writes nothing.
// Not modelled: races with other processes between the check and the write; bind mounts of
// one directory at two places count as different files only if their inodes differ.
#pragma once
#include <string>
#include <vector>

namespace z80lm {

struct NamedPath {
  std::string role;  // how the user gave it: "-o", "--log", "the data file", "MODEL"
  std::string path;
};

// Throws z80lm::Error when an output is the same file as an input, or as another output.
void check_paths(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs);

// True when both name the same file (see above); false if either is "-" or empty.
bool same_file(const std::string& a, const std::string& b);

// Deletes `path.tmp-<pid>` files that write_file_atomic left behind when its process was
// killed (the pid no longer runs). Returns how many it removed; never throws.
int remove_stale_temp_files(const std::string& path);

}  // namespace z80lm
