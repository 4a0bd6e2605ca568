// The reference server for deploy/bench-rpc: surat.echo.v1.Echo in C++ gRPC (Debian's
// libgrpc++-dev, callback API), so our Swift server is measured side by side with it.
//   cpp-grpc-echo PORT
#include <cstdio>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "surat/echo/v1/echo.grpc.pb.h"

namespace {

class EchoService final : public surat::echo::v1::Echo::CallbackService {
    grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                   const surat::echo::v1::EchoRequest* request,
                                   surat::echo::v1::EchoResponse* response) override {
        response->set_text(request->text());
        response->set_payload(request->payload());
        auto* reactor = context->DefaultReactor();
        reactor->Finish(grpc::Status::OK);
        return reactor;
    }
};

}  // namespace

int main(int argc, char** argv) {
    const std::string address = std::string("127.0.0.1:") + (argc > 1 ? argv[1] : "7599");
    EchoService service;
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials());
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server) {
        std::fprintf(stderr, "cannot listen on %s\n", address.c_str());
        return 1;
    }
    std::printf("listening on %s\n", address.c_str());
    std::fflush(stdout);
    server->Wait();
    return 0;
}
