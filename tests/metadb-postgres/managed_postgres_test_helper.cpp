// Test helper: `managed_postgres_test_helper <data dir>` starts a server on <data dir> with the
// library, prints "READY <pid> <url>", and blocks until killed. The orphan test SIGKILLs it so
// the server is left running without an owner.
#include <unistd.h>

#include <iostream>

#include <managed_postgres/postgres_builder.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " <data dir>\n";
    return 2;
  }
  try {
    auto pg = managed_postgres::PostgresBuilder(argv[1]).start();
    std::cout << "READY " << pg.pid() << " " << pg.url() << std::endl;
    for (;;) ::pause();  // until SIGKILL
  } catch (const std::exception& e) {
    std::cerr << "helper failed: " << e.what() << "\n";
    return 1;
  }
}
