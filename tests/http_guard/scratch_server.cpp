#include "scratch_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>

#include <sys/socket.h>

namespace ampd::test {
namespace {

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(const ScratchServer::Handler& handler) : _handler(handler) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    class Forward final : public Poco::Net::HTTPRequestHandler {
     public:
      explicit Forward(const ScratchServer::Handler& handler) : _handler(handler) {}
      void handleRequest(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response) override {
        _handler(request, response);
      }

     private:
      const ScratchServer::Handler& _handler;
    };
    return new Forward(_handler);
  }

 private:
  const ScratchServer::Handler& _handler;
};

}  // namespace

ScratchServer::ScratchServer(Handler handler, int port) : _handler(std::move(handler)) {
  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)),
              /*reuseAddress=*/true, /*reusePort=*/false);
  socket.listen(64);
  _port = socket.address().port();
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  params->setKeepAlive(false);
  _server =
      std::make_unique<Poco::Net::HTTPServer>(new Factory(_handler), _threads, socket, params);
  _server->start();
}

void ScratchServer::close() noexcept {
  if (!_server) return;
  try {
    ::shutdown(_server->socket().impl()->sockfd(), SHUT_RDWR);  // wakes the acceptor at once
    _server->stopAll(/*abortCurrent=*/true);
    _threads.joinAll();
    _server->socket().impl()->close();
  } catch (const Poco::Exception&) {
    // Closing anyway below.
  }
  _server.reset();
}

void sendText(Poco::Net::HTTPServerResponse& response, int status, const std::string& contentType,
              const std::string& body) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setKeepAlive(false);
  response.setContentType(contentType);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

}  // namespace ampd::test
