// The controller's transactions: ampd::inTransaction (ampd_toolkit/pq_transaction.h), plus the
// SQLSTATEs its stores look for.
#pragma once

#include <ampd_toolkit/pq_transaction.h>

namespace ampd::controller {

using ampd::inTransaction;

/// SQLSTATE of a foreign-key violation.
inline constexpr const char* kForeignKeyViolation = "23503";

}  // namespace ampd::controller
