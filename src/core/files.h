// File helpers: whole-file reads, atomic writes (a crash mid-write leaves the old file intact) and
// mapped files.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace r1 {

std::string read_file(const std::string& path);

// Writes to `path.tmp.<pid>`, fsyncs, then renames over `path`: readers see the old or the new file,
// never a torn one.
void write_file_atomic(const std::string& path, std::string_view contents);

// A file written in pieces through `path.tmp.<pid>`: commit() fsyncs and renames it over `path`. Destroyed
// without commit (an exception mid-write) it removes the temp file, and the old `path` stays intact.
// For files too large to build in memory first (checkpoints, GGUF models).
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  void write(const void* data, size_t n);
  void commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// A whole file mapped copy-on-write (MAP_PRIVATE, readable and writable): views of it may be
// written without ever changing the file. Shared by the readers that hand out zero-copy tensors,
// which keep the mapping alive.
class MappedFile {
 public:
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  // Never null: an empty file maps to a one-byte zero buffer of size() 0.
  const uint8_t* data() const;
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  void* addr_ = nullptr;
  size_t size_ = 0;
};

void make_dirs(const std::string& path);
bool path_exists(const std::string& path);

}  // namespace r1
