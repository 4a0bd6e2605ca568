#ifndef SURAT_CQRENCODE_SHIM_H
#define SURAT_CQRENCODE_SHIM_H
// libqrencode: QR code symbols (ISO/IEC 18004) as a module matrix. Only the library's own header.
#include <qrencode.h>
#endif
