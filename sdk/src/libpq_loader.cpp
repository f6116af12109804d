// The libpq functions ampd calls, each forwarding to libpq.so.5 loaded on first use (see
// ampd_toolkit/libpq_loader.h for why). The declarations come from libpq-fe.h, so a signature
// that differs from it does not compile.
#include <ampd_toolkit/libpq_loader.h>

#include <libpq-fe.h>

#include <dlfcn.h>

#include <string>

// X(return type, name, (parameters), (arguments))
#define AMPD_LIBPQ_FUNCTIONS(X)                                                                  \
  X(int, PQcancel, (PGcancel * a, char* b, int c), (a, b, c))                                    \
  X(void, PQclear, (PGresult * a), (a))                                                          \
  X(char*, PQcmdTuples, (PGresult * a), (a))                                                     \
  X(PGconn*, PQconnectdb, (const char* a), (a))                                                  \
  X(PGconn*, PQconnectdbParams, (const char* const* a, const char* const* b, int c), (a, b, c))  \
  X(int, PQconsumeInput, (PGconn * a), (a))                                                      \
  X(PGresult*, PQdescribePrepared, (PGconn * a, const char* b), (a, b))                          \
  X(char*, PQerrorMessage, (const PGconn* a), (a))                                               \
  X(PGresult*, PQexec, (PGconn * a, const char* b), (a, b))                                      \
  X(PGresult*, PQexecParams,                                                                     \
    (PGconn * a, const char* b, int c, const Oid* d, const char* const* e, const int* f,         \
     const int* g, int h),                                                                       \
    (a, b, c, d, e, f, g, h))                                                                    \
  X(PGresult*, PQexecPrepared,                                                                   \
    (PGconn * a, const char* b, int c, const char* const* d, const int* e, const int* f, int g), \
    (a, b, c, d, e, f, g))                                                                       \
  X(void, PQfinish, (PGconn * a), (a))                                                           \
  X(int, PQflush, (PGconn * a), (a))                                                             \
  X(int, PQfmod, (const PGresult* a, int b), (a, b))                                             \
  X(char*, PQfname, (const PGresult* a, int b), (a, b))                                          \
  X(void, PQfreeCancel, (PGcancel * a), (a))                                                     \
  X(void, PQfreemem, (void* a), (a))                                                             \
  X(Oid, PQftable, (const PGresult* a, int b), (a, b))                                           \
  X(int, PQftablecol, (const PGresult* a, int b), (a, b))                                        \
  X(Oid, PQftype, (const PGresult* a, int b), (a, b))                                            \
  X(PGcancel*, PQgetCancel, (PGconn * a), (a))                                                   \
  X(int, PQgetCopyData, (PGconn * a, char** b, int c), (a, b, c))                                \
  X(PGresult*, PQgetResult, (PGconn * a), (a))                                                   \
  X(int, PQgetisnull, (const PGresult* a, int b, int c), (a, b, c))                              \
  X(int, PQgetlength, (const PGresult* a, int b, int c), (a, b, c))                              \
  X(char*, PQgetvalue, (const PGresult* a, int b, int c), (a, b, c))                             \
  X(int, PQisBusy, (PGconn * a), (a))                                                            \
  X(int, PQnfields, (const PGresult* a), (a))                                                    \
  X(PGnotify*, PQnotifies, (PGconn * a), (a))                                                    \
  X(int, PQntuples, (const PGresult* a), (a))                                                    \
  X(PGPing, PQping, (const char* a), (a))                                                        \
  X(PGresult*, PQprepare, (PGconn * a, const char* b, const char* c, int d, const Oid* e),       \
    (a, b, c, d, e))                                                                             \
  X(int, PQputCopyData, (PGconn * a, const char* b, int c), (a, b, c))                           \
  X(int, PQputCopyEnd, (PGconn * a, const char* b), (a, b))                                      \
  X(char*, PQresultErrorField, (const PGresult* a, int b), (a, b))                               \
  X(char*, PQresultErrorMessage, (const PGresult* a), (a))                                       \
  X(ExecStatusType, PQresultStatus, (const PGresult* a), (a))                                    \
  X(int, PQsendDescribePrepared, (PGconn * a, const char* b), (a, b))                            \
  X(int, PQsendPrepare, (PGconn * a, const char* b, const char* c, int d, const Oid* e),         \
    (a, b, c, d, e))                                                                             \
  X(int, PQsendQuery, (PGconn * a, const char* b), (a, b))                                       \
  X(int, PQsendQueryParams,                                                                      \
    (PGconn * a, const char* b, int c, const Oid* d, const char* const* e, const int* f,         \
     const int* g, int h),                                                                       \
    (a, b, c, d, e, f, g, h))                                                                    \
  X(int, PQsendQueryPrepared,                                                                    \
    (PGconn * a, const char* b, int c, const char* const* d, const int* e, const int* f, int g), \
    (a, b, c, d, e, f, g))                                                                       \
  X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn * a, PQnoticeProcessor b, void* c),         \
    (a, b, c))                                                                                   \
  X(int, PQsetSingleRowMode, (PGconn * a), (a))                                                  \
  X(int, PQsetnonblocking, (PGconn * a, int b), (a, b))                                          \
  X(int, PQsocket, (const PGconn* a), (a))                                                       \
  X(ConnStatusType, PQstatus, (const PGconn* a), (a))                                            \
  X(PGTransactionStatusType, PQtransactionStatus, (const PGconn* a), (a))

namespace {

constexpr const char* kLibpq = "libpq.so.5";

struct Libpq {
#define AMPD_LIBPQ_POINTER(R, name, params, args) R(*name) params = nullptr;
  AMPD_LIBPQ_FUNCTIONS(AMPD_LIBPQ_POINTER)
#undef AMPD_LIBPQ_POINTER
};

[[noreturn]] void fail(const std::string& what) {
  throw ampd::LibpqLoadError(what +
                             "; ampd needs PostgreSQL's client library libpq 5 (Debian: "
                             "apt-get install libpq5)");
}

Libpq load() {
  // Never unloaded: the handle lives as long as the process (dlclose of libpq would leave the
  // pointers below dangling).
  void* handle = ::dlopen(kLibpq, RTLD_NOW | RTLD_LOCAL);
  if (!handle) fail(std::string("cannot load ") + kLibpq + ": " + ::dlerror());
  Libpq lib;
#define AMPD_LIBPQ_RESOLVE(R, name, params, args)                   \
  lib.name = reinterpret_cast<R(*) params>(::dlsym(handle, #name)); \
  if (!lib.name) fail(std::string(kLibpq) + " has no function " #name " (" + ::dlerror() + ")");
  AMPD_LIBPQ_FUNCTIONS(AMPD_LIBPQ_RESOLVE)
#undef AMPD_LIBPQ_RESOLVE
  return lib;
}

const Libpq& libpq() {
  static const Libpq lib = load();  // a throw leaves it unset: the next call tries again
  return lib;
}

}  // namespace

namespace ampd {
void loadLibpq() { libpq(); }
}  // namespace ampd

extern "C" {
#define AMPD_LIBPQ_FORWARD(R, name, params, args) \
  R name params { return libpq().name args; }
AMPD_LIBPQ_FUNCTIONS(AMPD_LIBPQ_FORWARD)
#undef AMPD_LIBPQ_FORWARD
}
