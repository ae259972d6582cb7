/// w1gen COUNT SEED > file.ndjson: writes COUNT W1 orders (one per line) for SEED.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <unistd.h>

#include "generator/w1.hpp"

namespace {

bool write_all(const std::string& s) {
  const char* p = s.data();
  size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return false;
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

bool parse(const char* s, unsigned long long& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(s, &end, 10);
  return errno == 0 && end != s && *end == '\0' && s[0] != '-';
}

} // namespace

int main(int argc, char** argv) {
  unsigned long long count = 0, seed = 0;
  if (argc != 3 || !parse(argv[1], count) || !parse(argv[2], seed)) {
    std::fprintf(stderr, "usage: w1gen COUNT SEED > file.ndjson\n");
    return 2;
  }
  sluice::builtin::w1::generator gen(seed);
  std::string buf;
  buf.reserve((size_t{1} << 20) + 256);
  for (unsigned long long i = 0; i < count; ++i) {
    gen.append_next(buf);
    buf += '\n';
    if (buf.size() >= (size_t{1} << 20)) {
      if (!write_all(buf))
        return std::fprintf(stderr, "w1gen: write failed: %s\n", std::strerror(errno)), 1;
      buf.clear();
    }
  }
  if (!write_all(buf))
    return std::fprintf(stderr, "w1gen: write failed: %s\n", std::strerror(errno)), 1;
  return 0;
}
