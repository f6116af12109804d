// Test helper: `managed_postgres_test_helper [--no-stop-with-parent] <data dir>` starts a server
// on <data dir> with the library (on its main thread), prints "READY <pid> <url>", and blocks
// until killed. The leftover tests SIGKILL it: by default its server then dies with it
// (stopWithParent); with --no-stop-with-parent the server is left running without an owner.
#include <unistd.h>

#include <iostream>
#include <string>

#include <managed_postgres/postgres_builder.h>

int main(int argc, char** argv) {
  const bool stopWithParent = !(argc == 3 && std::string(argv[1]) == "--no-stop-with-parent");
  if (argc != 2 && stopWithParent) {
    std::cerr << "usage: " << argv[0] << " [--no-stop-with-parent] <data dir>\n";
    return 2;
  }
  try {
    auto pg =
        managed_postgres::PostgresBuilder(argv[argc - 1]).stopWithParent(stopWithParent).start();
    std::cout << "READY " << pg.pid() << " " << pg.url() << std::endl;
    for (;;) ::pause();  // until SIGKILL
  } catch (const std::exception& e) {
    std::cerr << "helper failed: " << e.what() << "\n";
    return 1;
  }
}
