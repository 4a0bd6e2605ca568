#ifndef SURAT_CNGHTTP2_SHIM_H
#define SURAT_CNGHTTP2_SHIM_H
// The whole C surface the RPC layer uses. Only nghttp2's own header; Swift calls
// the C API directly.
#include <nghttp2/nghttp2.h>
#endif
