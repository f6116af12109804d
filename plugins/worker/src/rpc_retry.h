// withRetry: a JSON-RPC call retried while its provider cannot be reached, and the stop it obeys.
//
// Transport errors (a node that is down or restarting) are retried with backoff until the
// settings' providerRetryDeadline; JSON-RPC errors end it at once, a stop with JobStopped. The
// first failure is logged, so an operator (and a test) sees the job waiting for its provider.
//
// Thread-safety: reentrant (Poco::Logger is thread-safe).
#pragma once

#include "extract_job.h"
#include "json_rpc_client.h"

#include <ampd_toolkit/retry.h>

#include <Poco/Logger.h>

#include <optional>
#include <stop_token>
#include <string>

namespace ampd::worker {

/// Thrown out of a retry that ended because the job was asked to stop.
struct JobStopped {};

template <class Call>
auto withRetry(const ExtractSettings& settings, std::stop_token stop, const std::string& url,
               Poco::Logger& logger, Call&& call) {
  std::optional<decltype(call())> result;
  std::string lastError;
  BackoffPolicy policy{std::chrono::milliseconds(50), 2.0, std::chrono::milliseconds(2000),
                       settings.providerRetryDeadline};
  retryWithBackoff(
      policy,
      [&] {
        try {
          result = call();
          return true;
        } catch (const RpcTransportError& e) {
          if (lastError.empty())
            logger.warning("provider " + url + " unreachable (" + e.what() +
                           "); retrying with backoff for up to " +
                           std::to_string(settings.providerRetryDeadline.count()) + " ms");
          lastError = e.what();
          return false;
        }
      },
      stop);
  if (!result) {
    if (stop.stop_requested()) throw JobStopped{};
    throw RpcTransportError("provider " + url + " unreachable for " +
                            std::to_string(settings.providerRetryDeadline.count()) +
                            " ms: " + lastError);
  }
  return std::move(*result);
}

}  // namespace ampd::worker
