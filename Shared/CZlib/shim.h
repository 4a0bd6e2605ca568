#ifndef SURAT_CZLIB_SHIM_H
#define SURAT_CZLIB_SHIM_H
// zlib from Debian's zlib1g-dev, for gRPC messages sent with `grpc-encoding: gzip` or
// `deflate`. Only Shared/RPC/Internal/MessageCompression.swift uses it.
#include <zlib.h>
#endif
